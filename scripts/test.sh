#!/usr/bin/env bash
# `make test`: formatting and vet, unit tests, then the end-to-end suite, which
# brings up a network of its own (data/e2e, ports from 17000, gateway on 17800)
# and always tears it down. `scripts/test.sh e2e` runs only the end-to-end part.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LOG_DIR="${GOVCHAIN_TEST_LOGS:-$ROOT/data/test-logs}"
mkdir -p "$LOG_DIR"
export GOVCHAIN_TEST_LOGS="$LOG_DIR" # the browser tests keep their screenshots there
status=0

count() { # prints passed/failed counts of a `go test -v` log
  local p f s
  p=$(grep -cE '^\s*--- PASS' "$1" || true)
  f=$(grep -cE '^\s*--- FAIL' "$1" || true)
  s=$(grep -cE '^\s*--- SKIP' "$1" || true)
  echo "$p $f $s"
}

if [ "${1:-all}" != "e2e" ]; then
  echo "== gofmt and go vet"
  bad=$(gofmt -l $(git ls-files '*.go') 2>/dev/null)
  if [ -n "$bad" ]; then echo "gofmt needed: $bad"; status=1; fi
  go vet ./... || status=1

  echo "== unit tests (go test -short ./...)"
  go test -short -count=1 -v ./... > "$LOG_DIR/unit.log" 2>&1 || status=1
  grep -E '^(ok|FAIL|---|panic)|^\s+--- FAIL' "$LOG_DIR/unit.log" | grep -v -- '--- PASS' | grep -v -- '--- SKIP' || true
  read -r up uf us < <(count "$LOG_DIR/unit.log")
  echo "unit: $up passed, $uf failed, $us skipped (log: $LOG_DIR/unit.log)"

  # netctl runs Up's steps in parallel goroutines over shared state.
  echo "== network tooling under the race detector (go test -short -race ./network/...)"
  if go test -short -race -count=1 ./network/... > "$LOG_DIR/race.log" 2>&1; then
    echo "race: ok"
  else
    grep -E '^(FAIL|---)|DATA RACE' "$LOG_DIR/race.log" | head -20
    echo "race: FAILED (log: $LOG_DIR/race.log)"; status=1
  fi
fi

echo "== end-to-end suite on a real Fabric network (go test -tags e2e ./test/e2e)"
scripts/install-fabric.sh || exit 1
go test -tags e2e -count=1 -v -timeout 40m ./test/e2e/ 2>&1 | tee "$LOG_DIR/e2e.log"
e2e_rc=${PIPESTATUS[0]}
[ "$e2e_rc" -eq 0 ] || status=1
read -r ep ef es < <(count "$LOG_DIR/e2e.log")
echo "e2e: $ep passed, $ef failed, $es skipped (log: $LOG_DIR/e2e.log)"

tp=$(( ${up:-0} + ep )); tf=$(( ${uf:-0} + ef )); ts=$(( ${us:-0} + es ))
[ "$status" -ne 0 ] && [ "$tf" -eq 0 ] && tf=1
echo "total: $tp passed, $tf failed, $ts skipped"
exit $status
