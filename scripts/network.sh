#!/usr/bin/env bash
# The govchain test network: Fabric CAs, 3 Raft orderers, one peer and one
# chaincode server per agency, all native processes on this machine.
#   scripts/network.sh up|down|clean|status [SECONDS]|catchup NODE [SECONDS]|deploy|logs NODE|stop NODE|gateway start|stop|profile [SECONDS]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export GOVCHAIN_ROOT="$ROOT"
BIN="${GOVCHAIN_BIN:-$ROOT/bin}"

case "${1:-}" in
  up|deploy)
    "$ROOT/scripts/install-fabric.sh"
    ;;
esac
# Build the network tool itself (fast when unchanged: Go's build cache).
go build -o "$BIN/govnet" ./network/cmd/govnet
exec "$BIN/govnet" "$@"
