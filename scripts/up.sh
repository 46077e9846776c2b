#!/usr/bin/env bash
# `make up`: network (CAs, orderers, peers, chaincode) and the HTTP gateway.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
start=$(date +%s)
scripts/network.sh up
scripts/network.sh gateway start
# The auditor's own tool (chain verification, proof bundles), beside the Fabric binaries.
go build -o "${GOVCHAIN_BIN:-$ROOT/bin}/govchain-audit" ./cmd/govchain-audit
# The client of client-signed identities (the key stays with it).
go build -o "${GOVCHAIN_BIN:-$ROOT/bin}/govchain-sign" ./cmd/govchain-sign
addr="${GOVCHAIN_GATEWAY_ADDR:-127.0.0.1:8080}"
cat <<MSG

govchain is up ($(( $(date +%s) - start )) s).
  API:       http://$addr/api/v1      (docs: http://$addr/docs, OpenAPI: http://$addr/openapi.json)
  API keys:  ${GOVCHAIN_DATA:-$ROOT/data}/keys.env   (source it: . data/keys.env; then curl -H "X-API-Key: \$GOVCHAIN_KEY_MARKET_REGISTRAR" …)
  Signing:   bin/govchain-sign -key-file \$GOVCHAIN_SIGNKEY_MARKET_REGISTRAR_CS -api-key \$GOVCHAIN_KEY_MARKET_REGISTRAR_CS POST /api/v1/businesses @body.json
  Auditor:   bin/govchain-audit verify -config data/gateway.yaml   (or make audit; console: http://$addr/console)
  Licences:  anyone verifies at http://$addr/verify (the licence's QR code opens it; no API key)
  Status:    scripts/network.sh status
  Logs:      ${GOVCHAIN_DATA:-$ROOT/data}/logs/<node>.log   (scripts/network.sh logs peer0.market)
  Stop:      make down      (keeps all data; make clean deletes it)
MSG
