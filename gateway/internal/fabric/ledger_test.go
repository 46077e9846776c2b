package fabric

import (
	"context"
	"testing"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/gateway/internal/txstore"
	"github.com/stretchr/testify/require"
)

func TestTransaction(t *testing.T) {
	block := uint64(4)
	f := &fakeConn{txFn: func(txID string) (*ledger.Transaction, error) {
		switch txID {
		case "onledger", "mine", "recorded":
			return &ledger.Transaction{TransactionID: txID, Status: "VALID", BlockNumber: &block, Function: "business:Register"}, nil
		case "down":
			return nil, &ledger.Error{Kind: ledger.KindUnavailable, Message: "no peer could be reached"}
		}
		return nil, &ledger.Error{Kind: ledger.KindNotFound, Message: "no such transaction"}
	}}
	tl := newTestLedger(t, "", map[ledger.Caller]conn{registrar: f})
	put := func(r *txstore.Record) { require.NoError(t, tl.store.Put(r)) }
	put(&txstore.Record{TxID: "mine", Status: "VALID", Result: []byte(`{"uscc":"x"}`), Contract: "business", Function: "Register"})
	put(&txstore.Record{TxID: "gone", Status: ledger.StatusExpired, Message: "not committed", Contract: "business", Function: "Register"})
	put(&txstore.Record{TxID: "down", Status: "MVCC_READ_CONFLICT", Code: 11, BlockNumber: 3, SupersededBy: "next"})
	put(&txstore.Record{TxID: "recorded", Status: "VALID", BlockNumber: 9, Result: []byte(`{"uscc":"y"}`), Contract: "business", Function: "Register"})
	ctx := context.Background()

	t.Run("a transaction of another gateway: the ledger's facts", func(t *testing.T) {
		tx, err := tl.Transaction(ctx, registrar, "onledger")
		require.NoError(t, err)
		require.Equal(t, "VALID", tx.Status)
		require.Nil(t, tx.Result)
	})
	t.Run("one of ours: the ledger's facts and the result", func(t *testing.T) {
		tx, err := tl.Transaction(ctx, registrar, "mine")
		require.NoError(t, err)
		require.Equal(t, uint64(4), *tx.BlockNumber)
		require.JSONEq(t, `{"uscc":"x"}`, string(tx.Result))
		require.NotNil(t, tx.SubmittedAt)
	})
	t.Run("ours with its block recorded: the ledger is not asked for the block", func(t *testing.T) {
		f.txBlocks = nil
		tx, err := tl.Transaction(ctx, registrar, "recorded")
		require.NoError(t, err)
		require.Equal(t, uint64(9), *tx.BlockNumber)
		require.JSONEq(t, `{"uscc":"y"}`, string(tx.Result))
		require.Len(t, f.txBlocks, 1)
		require.NotNil(t, f.txBlocks[0], "the recorded block is passed on")
		require.Equal(t, uint64(9), *f.txBlocks[0])
	})
	t.Run("another gateway's: the block is asked for", func(t *testing.T) {
		f.txBlocks = nil
		_, err := tl.Transaction(ctx, registrar, "onledger")
		require.NoError(t, err)
		require.Equal(t, []*uint64{nil}, f.txBlocks)
	})
	t.Run("one the ledger never got", func(t *testing.T) {
		tx, err := tl.Transaction(ctx, registrar, "gone")
		require.NoError(t, err)
		require.Equal(t, ledger.StatusExpired, tx.Status)
		require.Nil(t, tx.BlockNumber)
		require.Equal(t, "business:Register", tx.Function)
	})
	t.Run("the ledger unreachable: our record", func(t *testing.T) {
		tx, err := tl.Transaction(ctx, registrar, "down")
		require.NoError(t, err)
		require.Equal(t, "MVCC_READ_CONFLICT", tx.Status)
		require.Equal(t, int32(11), *tx.ValidationCode)
		require.Equal(t, "next", tx.SupersededBy)
	})
	t.Run("unknown everywhere", func(t *testing.T) {
		_, err := tl.Transaction(ctx, registrar, "nope")
		le, ok := ledger.AsError(err)
		require.True(t, ok)
		require.Equal(t, ledger.KindNotFound, le.Kind)
	})
}

func TestReady(t *testing.T) {
	cases := []struct {
		name  string
		err   error
		ready bool
	}{
		{"the chaincode answers", nil, true},
		{"the chaincode answers with a contract error", &ledger.Error{Kind: ledger.KindContract, Code: "INVALID"}, true},
		{"the peer is unreachable", &ledger.Error{Kind: ledger.KindUnavailable, Message: "no peer could be reached"}, false},
		{"the chaincode is down", &ledger.Error{Kind: ledger.KindEndorsement, Message: "the peer could not evaluate the query"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var probe ledger.Call
			f := &fakeConn{evalFn: func(call ledger.Call) ([]byte, error) { probe = call; return nil, c.err }}
			tl := newTestLedger(t, "", map[ledger.Caller]conn{registrar: f})
			st := tl.Ready(context.Background())
			require.Len(t, st, 1)
			require.Equal(t, "peer0.market", st[0].Name)
			require.Equal(t, c.ready, st[0].Ready)
			require.Equal(t, "business:List", probe.Name())
			require.Equal(t, registrar, probe.Caller)
		})
	}
}
