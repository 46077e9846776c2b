package fabric

import (
	"context"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
)

// prepared is an endorsed and signed transaction, kept as bytes so that exactly the same
// transaction can be resubmitted, also by another process run after a restart.
type prepared struct {
	TxID      string
	Result    []byte
	Bytes     []byte // serialized gateway.PreparedTransaction, as from client.Transaction.Bytes
	Signature []byte // signature over the transaction digest
}

// txStatus is a transaction's commit outcome.
type txStatus struct {
	Code  peer.TxValidationCode
	Block uint64
}

// conn is the seam between the submit logic and fabric-gateway: what one identity can do
// through its peer. Errors are *ledger.Error. Every method honours ctx's deadline.
type conn interface {
	// evaluate runs a query.
	evaluate(ctx context.Context, call ledger.Call) ([]byte, error)
	// endorse builds, endorses and signs a fresh transaction.
	endorse(ctx context.Context, call ledger.Call) (*prepared, error)
	// submit sends tx to the orderer (again, if it was sent before).
	submit(ctx context.Context, tx *prepared) error
	// commitStatus waits for tx's commit status.
	commitStatus(ctx context.Context, txID string) (txStatus, error)
	// lookup reads a committed transaction's status from the ledger (qscc); found is false if
	// the ledger does not know the id.
	lookup(ctx context.Context, txID string) (st txStatus, found bool, err error)
	// transaction reads a committed transaction's ledger facts (qscc); KindNotFound if unknown.
	// block is the number of its block when it is known already (this gateway recorded it):
	// then it is not asked for.
	transaction(ctx context.Context, txID string, block *uint64) (*ledger.Transaction, error)
	// height reads the channel's block height (the number of the next block).
	height(ctx context.Context) (uint64, error)
	// events streams the chaincode's events from startBlock, skipping those up to and
	// including afterTxID in that block when it is set. The channel closes when the stream
	// ends, for whatever reason.
	events(ctx context.Context, startBlock uint64, afterTxID string) (<-chan ledger.Event, error)
	// peer names the peer whose connection this identity uses.
	peer() string
}
