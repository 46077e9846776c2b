# govchain: the two commands a newcomer needs are `make up` and `make test`.
.PHONY: up down clean status test unit e2e bench fault audit fabric lint

## up: build what is missing, start the Fabric network, deploy the chaincode, start the HTTP gateway
up:
	@scripts/up.sh

## down: stop the gateway and every network process (ledgers, identities and keys are kept)
down:
	@scripts/network.sh down

## clean: stop everything and delete all generated state under data/
clean:
	@scripts/network.sh clean

status:
	@scripts/network.sh status

## test: every test: gofmt/vet, unit tests, then the end-to-end suite on a real network of its own
test:
	@scripts/test.sh

unit:
	go test -short -count=1 ./...

e2e:
	@scripts/test.sh e2e

## bench: committed TPS and latency, HTTP gateway vs the Fabric SDK directly (needs `make up`)
bench:
	go run ./test/bench -workload invoice -clients 1,8,32

## fault: kill each kind of node under write load on a network of its own; what was acknowledged, lost, how long clients waited, catch-up (5-6 min)
fault:
	go run ./test/fault

## audit: build bin/govchain-audit and verify the whole chain from the audit office's own peer (needs `make up`): hash links, signatures, MSPs, CRLs, endorsement policies, all four peers
audit:
	go build -o bin/govchain-audit ./cmd/govchain-audit
	bin/govchain-audit verify -config data/gateway.yaml -identity audit/auditor

fabric:
	@scripts/install-fabric.sh

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...

## fuzz: fuzz every Go fuzz target, one after another, FUZZTIME each (default 30s): scripts/fuzz.sh
.PHONY: fuzz
fuzz:
	@FUZZTIME="$(or $(FUZZTIME),30s)" scripts/fuzz.sh
