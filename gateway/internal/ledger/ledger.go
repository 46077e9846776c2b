// Package ledger defines what the HTTP API needs from the Fabric network: the Ledger
// interface, the values it exchanges and its typed error. It imports no Fabric or HTTP
// package, so handlers can be tested with a fake.
package ledger

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"time"
)

// Ledger is the gateway's view of the govchain chaincode on its channel.
type Ledger interface {
	// Evaluate runs a query function on a peer and returns its result.
	Evaluate(ctx context.Context, call Call) ([]byte, error)
	// Submit endorses, orders and waits for the commit of a transaction. It returns only
	// once the transaction committed VALID, or with an error (*Error) otherwise.
	Submit(ctx context.Context, call Call, hooks ...PreparedHook) (*Committed, error)
	// SubmitAsync endorses the transaction (so contract errors are reported at once),
	// persists it and returns its id; a background worker submits it and records its final
	// status, which Transaction reports.
	SubmitAsync(ctx context.Context, call Call, hooks ...PreparedHook) (string, error)
	// Transaction reports a transaction's status and, once committed, its ledger facts.
	Transaction(ctx context.Context, caller Caller, txID string) (*Transaction, error)
	// Events streams the chaincode's events from block start (nil: from the next block).
	// The channel closes when ctx ends; a broken connection is resumed transparently.
	Events(ctx context.Context, caller Caller, start *uint64) (<-chan Event, error)
	// Ready checks every peer: reachable and the chaincode answering.
	Ready(ctx context.Context) []PeerStatus
}

// PreparedHook is called once a transaction is endorsed, signed and persisted, before it is
// first sent to the orderer (and again for each fresh transaction of a retry). An error
// aborts the write before anything is ordered.
type PreparedHook func(txID string) error

// Caller is the org and role whose Fabric identity signs a request. Name is empty for the
// identity configured for that org and role (identities[] of the gateway config), or names an
// identity enrolled at runtime through the org's CA (POST /api/v1/identities).
type Caller struct {
	Org  string
	Role string
	// Name tells apart several identities of one org and role; "" is the default one.
	Name string
}

// Label is org/role, or org/role/name for a named identity.
func (c Caller) Label() string {
	if c.Name != "" {
		return c.Org + "/" + c.Role + "/" + c.Name
	}
	return c.Org + "/" + c.Role
}

// Call is one chaincode function call.
type Call struct {
	Caller   Caller
	Contract string // business | invoice | evidence | personal | grant | access
	Function string // e.g. Register
	Args     []string
	// Transient is private input (personal data): sent to the endorsing peers only, never
	// part of the transaction, never persisted or logged by the gateway. A write with
	// transient data is synchronous and is not retried with a fresh transaction.
	Transient map[string][]byte
	// Orgs, when set, confines the call to these orgs' peers: it enters the network through
	// a peer of the first org that has one configured and only these orgs endorse (a write)
	// or answer (a query). No other peer sees it; if none is reachable the call fails.
	Orgs []string
}

// Name is the fully qualified transaction name, "contract:Function".
func (c Call) Name() string {
	if c.Contract == "" {
		return c.Function
	}
	return c.Contract + ":" + c.Function
}

// Committed is the outcome of a write that committed VALID.
type Committed struct {
	TransactionID string
	BlockNumber   uint64
	Result        []byte
}

// Transaction statuses besides the Fabric validation code names (VALID, MVCC_READ_CONFLICT…).
const (
	StatusPending = "PENDING" // submitted by this gateway, final status not yet known
	StatusValid   = "VALID"
	StatusExpired = "EXPIRED" // this gateway gave up resubmitting; it never committed
	StatusFailed  = "FAILED"  // this gateway could not submit it (e.g. refused by the orderer)
)

// Transaction is what an auditor needs to trust a record: where and when it was committed,
// who created it and who endorsed it.
type Transaction struct {
	TransactionID  string          `json:"transaction_id"`
	Status         string          `json:"status"`
	ValidationCode *int32          `json:"validation_code,omitempty"`
	BlockNumber    *uint64         `json:"block_number,omitempty"`
	Timestamp      *time.Time      `json:"timestamp,omitempty"`
	Channel        string          `json:"channel,omitempty"`
	Creator        *Signer         `json:"creator,omitempty"`
	Endorsements   []Signer        `json:"endorsements,omitempty"`
	EndorsingOrgs  []string        `json:"endorsing_orgs,omitempty"`
	Chaincode      string          `json:"chaincode,omitempty"`
	Function       string          `json:"function,omitempty"`
	SupersededBy   string          `json:"superseded_by,omitempty"`
	Result         json.RawMessage `json:"result,omitempty"`
	Message        string          `json:"message,omitempty"`
	SubmittedAt    *time.Time      `json:"submitted_at,omitempty"`
}

// Signer is a certificate holder: its MSP and certificate subject.
type Signer struct {
	MSPID   string `json:"msp_id"`
	Subject string `json:"subject"`
}

// Event is one chaincode event.
type Event struct {
	BlockNumber   uint64
	TransactionID string
	ChaincodeName string
	EventName     string
	Payload       []byte
}

// PeerStatus is one peer's readiness.
type PeerStatus struct {
	Name  string `json:"name"`
	MSPID string `json:"msp_id"`
	Ready bool   `json:"ready"`
	Error string `json:"error,omitempty"`
}

// Blocks reads whole blocks of the channel (marshalled common.Block) with the caller's
// identity from its peer (qscc), for proof bundles. The Fabric ledger implements it; a
// Ledger that does not cannot export proofs.
type Blocks interface {
	BlockByNumber(ctx context.Context, caller Caller, number uint64) ([]byte, error)
	// BlockByTxID answers a *Error of KindNotFound for a transaction the ledger does not hold.
	BlockByTxID(ctx context.Context, caller Caller, txID string) ([]byte, error)
}

// Signing is client-side signing: the steps of a write whose identity's key only its client
// holds. The gateway builds the proposal, the client signs its digest, the gateway has it
// endorsed and builds the transaction, the client signs that digest, the gateway submits it
// and drives it to a final status as any other write (resubmitting the same signed bytes).
// The Fabric ledger implements it; signatures reach it already verified and low-S.
type Signing interface {
	// SigningCertificate is the certificate of caller when it is an identity that signs on
	// the client; false otherwise.
	SigningCertificate(caller Caller) (*x509.Certificate, bool)
	// Propose builds the unsigned proposal of call (no transient data).
	Propose(ctx context.Context, call Call) (*Unsigned, error)
	// EndorseSigned has the signed proposal endorsed and returns the unsigned transaction.
	EndorseSigned(ctx context.Context, call Call, proposal, signature []byte) (*Unsigned, error)
	// SubmitSigned submits the signed transaction and waits for its commit, as Submit.
	SubmitSigned(ctx context.Context, call Call, tx *Unsigned, signature []byte, hooks ...PreparedHook) (*Committed, error)
	// SubmitSignedAsync persists the signed transaction and lets the worker submit it, as
	// SubmitAsync.
	SubmitSignedAsync(ctx context.Context, call Call, tx *Unsigned, signature []byte, hooks ...PreparedHook) (string, error)
}

// Unsigned is a proposal or a transaction waiting for its client's signature.
type Unsigned struct {
	TxID   string
	Bytes  []byte // the serialized proposal or transaction (fabric-gateway's Bytes)
	Digest []byte // SHA-256 of Message, what the signature covers
	// Message is the bytes the client signs (a peer.Proposal, or a transaction's
	// common.Payload): the client can read what it signs and check the digest.
	Message []byte
	Result  []byte // the transaction's result (endorsed transactions only)
}
