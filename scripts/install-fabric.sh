#!/usr/bin/env bash
# Builds the pinned Hyperledger Fabric and Fabric CA binaries from the Go module
# proxy into bin/ (git-ignored). Skips the build when bin/VERSIONS already records
# the pinned versions and every binary is present.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${GOVCHAIN_BIN:-$ROOT/bin}"
FABRIC_MODULE="github.com/hyperledger/fabric"
FABRIC_VERSION="v1.4.0-rc1.0.20230405174026-695dd57e01c2"
CA_MODULE="github.com/hyperledger/fabric-ca"
CA_VERSION="v1.5.15"
FABRIC_CMDS=(peer orderer configtxgen configtxlator osnadmin)
CA_CMDS=(fabric-ca-server fabric-ca-client)
WANT="fabric ${FABRIC_VERSION}
fabric-ca ${CA_VERSION}"

step() { printf '[install-fabric] %s\n' "$*" >&2; }
fail() { printf '[install-fabric] FAILED at step "%s": %s\n' "$1" "$2" >&2; exit 1; }

have_all() {
  [ -f "$BIN/VERSIONS" ] && [ "$(cat "$BIN/VERSIONS")" = "$WANT" ] || return 1
  local c
  for c in "${FABRIC_CMDS[@]}" "${CA_CMDS[@]}"; do [ -x "$BIN/$c" ] || return 1; done
  [ -f "$BIN/config/core.yaml" ] && [ -f "$BIN/config/orderer.yaml" ]
}

if have_all; then
  step "Fabric ${FABRIC_VERSION} and Fabric CA ${CA_VERSION} already in $BIN"
  exit 0
fi

command -v go >/dev/null || fail "check go" "the go command is not on PATH (Go 1.26 is required)"
mkdir -p "$BIN"
WORK="$(mktemp -d)"
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT

# build MODULE VERSION CMD...: download the module, copy it somewhere writable,
# drop vendor/ (the module has replace directives, so `go install` cannot be used).
build() {
  local module="$1" version="$2"; shift 2
  local name="${module##*/}"
  step "downloading $module@$version"
  local dir
  dir="$(cd "$WORK" && GOFLAGS=-mod=mod go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')" \
    || fail "download $name" "go mod download $module@$version failed (is the Go module proxy reachable?)"
  [ -n "$dir" ] && [ -d "$dir" ] || fail "download $name" "no module directory reported for $module@$version"
  if [ -d "$dir/sampleconfig" ]; then
    mkdir -p "$BIN/config"
    cp "$dir/sampleconfig/core.yaml" "$dir/sampleconfig/orderer.yaml" "$BIN/config/"
    chmod u+w "$BIN/config/"*.yaml
  fi
  cp -r "$dir" "$WORK/$name"
  chmod -R u+w "$WORK/$name"
  rm -rf "$WORK/$name/vendor"
  local pkgs=() c
  for c in "$@"; do pkgs+=("./cmd/$c"); done
  step "building ${*} (takes a few minutes)"
  (cd "$WORK/$name" && GOFLAGS=-mod=mod go build -o "$BIN/" "${pkgs[@]}") \
    || fail "build $name" "go build of ${*} failed; see the compiler output above"
}

rm -f "$BIN/VERSIONS"
build "$FABRIC_MODULE" "$FABRIC_VERSION" "${FABRIC_CMDS[@]}"
build "$CA_MODULE" "$CA_VERSION" "${CA_CMDS[@]}"
printf '%s\n' "$WANT" > "$BIN/VERSIONS"
step "installed into $BIN: ${FABRIC_CMDS[*]} ${CA_CMDS[*]}"
