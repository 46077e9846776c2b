// Package contracts implements the govchain chaincode: three contractapi contracts
// (business, invoice, evidence) behind one before-transaction access check, as specified
// in docs/chaincode-api.md. Business rules live in internal/domain; this package adds
// ledger access, keys and indexes, access control, state-based endorsement and events.
//
// Every transaction is deterministic: time comes only from the transaction timestamp,
// ids from the transaction id, JSON from structs with fixed field order.
package contracts
