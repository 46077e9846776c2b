#!/usr/bin/env bash
# `make fuzz`: fuzz every Go fuzz target (func FuzzXxx(f *testing.F)) of the module, one
# after another, FUZZTIME each (default 30s; any -fuzztime value, e.g. 2m or 10000x).
# Targets are discovered per package with `go test -list '^Fuzz'`; FUZZPKGS narrows the
# packages (default ./...), FUZZ narrows the targets (a regexp, default every one),
# FUZZMINIMIZE bounds the minimisation of each new input (default 3s: Go's 60s would eat a
# short run).
# Prints, per target, the time it took and how many new corpus entries it found; stops at
# the first failure. A failing input is written to <package>/testdata/fuzz/<FuzzName>/:
# fix the defect and commit that file, so `go test` keeps it as a regression seed.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FUZZTIME="${FUZZTIME:-30s}"
FUZZPKGS="${FUZZPKGS:-./...}"
FUZZ="${FUZZ:-.}"

# Only packages whose tests declare a fuzz target are listed (cheaper than compiling every
# test binary); `go test -list` then names the targets.
pkgs=()
while IFS= read -r dir; do
  [ -n "$dir" ] && pkgs+=("$dir")
done < <(go list -f '{{.Dir}}' $FUZZPKGS | while IFS= read -r d; do
  if grep -qsE '^func Fuzz[A-Z0-9_]' "$d"/*_test.go; then echo "$d"; fi
done)

if [ ${#pkgs[@]} -eq 0 ]; then
  echo "no fuzz targets in $FUZZPKGS"
  exit 0
fi

n=0
started=$(date +%s)
for dir in "${pkgs[@]}"; do
  pkg="./${dir#"$ROOT"/}"
  [ "$dir" = "$ROOT" ] && pkg="."
  if ! targets=$(go test -list '^Fuzz' "$pkg" 2>&1); then
    echo "$targets"
    echo "FAIL $pkg: cannot list its fuzz targets"
    exit 1
  fi
  for target in $(echo "$targets" | grep -E '^Fuzz' | grep -E -- "$FUZZ"); do
    log=$(mktemp)
    t0=$(date +%s)
    go test -run='^$' -fuzz="^${target}\$" -fuzztime="$FUZZTIME" -fuzzminimizetime="${FUZZMINIMIZE:-3s}" "$pkg" >"$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - t0 ))
    # "fuzz: elapsed: 25s, execs: 81234 (3249/sec), new interesting: 7 (total: 19)"
    last=$(grep -E 'new interesting: [0-9]+' "$log" | tail -1)
    new=$(echo "$last" | sed -nE 's/.*new interesting: ([0-9]+).*/\1/p')
    execs=$(echo "$last" | sed -nE 's/.*execs: ([0-9]+).*/\1/p')
    # Go's fuzzer itself sometimes ends a run that reached -fuzztime with a bare "context
    # deadline exceeded" (no failing input, no panic: the deadline hit a worker mid-input).
    # That is not a finding; say so and go on.
    if [ $rc -ne 0 ] && ! grep -q 'Failing input written' "$log" && ! grep -q 'panic:' "$log" &&
       grep -q 'context deadline exceeded' "$log" && [ -n "$last" ]; then
      rm -f "$log"
      n=$((n + 1))
      printf 'ok   %-32s %-28s %4ss  execs %-10s new corpus entries %s (the fuzzer ended on "context deadline exceeded" at -fuzztime, no failing input)\n' "$pkg" "$target" "$secs" "${execs:-?}" "${new:-0}"
      continue
    fi
    if [ $rc -ne 0 ]; then
      cat "$log"
      # "Failing input written to testdata/fuzz/FuzzX/0123abcd"
      input=$(sed -nE 's/.*Failing input written to ([^ ]+).*/\1/p' "$log" | tail -1)
      rm -f "$log"
      if [ -n "$input" ]; then
        echo "FAIL $pkg $target after ${secs}s; the failing input is $pkg/$input: fix the defect and commit it as a seed"
      else
        echo "FAIL $pkg $target after ${secs}s"
      fi
      exit 1
    fi
    rm -f "$log"
    n=$((n + 1))
    printf 'ok   %-32s %-28s %4ss  execs %-10s new corpus entries %s\n' "$pkg" "$target" "$secs" "${execs:-?}" "${new:-0}"
  done
done
echo "fuzzed $n targets in $(( $(date +%s) - started ))s, no failure"
