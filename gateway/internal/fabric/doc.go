// Package fabric is the gateway's adapter to Hyperledger Fabric: one gRPC connection per
// peer, one fabric-gateway connection per configured org/role identity, evaluate, submit with
// bounded retries of transient commit failures and resubmission of the same signed
// transaction when its commit status is lost, a background worker that gives every
// submitted transaction a final status (also across restarts), transaction lookup through
// qscc and chaincode event streams. Every failure leaves as a *ledger.Error.
package fabric
