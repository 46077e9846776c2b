package fabric

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/gateway/internal/txstore"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
)

func committed(code peer.TxValidationCode) txStatus { return txStatus{Code: code, Block: 7} }

func unavailable() error {
	return &ledger.Error{Kind: ledger.KindUnavailable, Message: "no orderer could be reached"}
}

func lostStatus() error {
	return &ledger.Error{Kind: ledger.KindTimeout, Message: "the Fabric network did not answer in time", Err: context.DeadlineExceeded}
}

func TestSubmit(t *testing.T) {
	cases := []struct {
		name string
		conn *fakeConn
		// expectations
		wantErrKind  ledger.Kind // KindInternal = no error expected when wantOK
		wantErrCode  string
		wantOK       bool
		wantTxID     string
		endorsements int
		submits      []string
		check        func(t *testing.T, tl *testLedger, f *fakeConn)
	}{
		{
			name: "a transaction that commits VALID at once", conn: &fakeConn{},
			wantOK: true, wantTxID: "tx1", endorsements: 1, submits: []string{"tx1"},
		},
		{
			name: "MVCC_READ_CONFLICT is retried with a fresh transaction",
			conn: &fakeConn{statusFn: func(n int, _ string) (txStatus, error) {
				if n == 1 {
					return committed(peer.TxValidationCode_MVCC_READ_CONFLICT), nil
				}
				return committed(peer.TxValidationCode_VALID), nil
			}},
			wantOK: true, wantTxID: "tx2", endorsements: 2, submits: []string{"tx1", "tx2"},
			check: func(t *testing.T, tl *testLedger, f *fakeConn) {
				r, _, _ := tl.store.Get("tx1")
				require.Equal(t, "MVCC_READ_CONFLICT", r.Status)
				require.Equal(t, "tx2", r.SupersededBy)
				r2, _, _ := tl.store.Get("tx2")
				require.Equal(t, "tx1", r2.PrevTxID)
				require.Equal(t, 2, r2.Attempt)
			},
		},
		{
			name: "PHANTOM_READ_CONFLICT is retried too, but at most three transactions",
			conn: &fakeConn{statusFn: func(int, string) (txStatus, error) {
				return committed(peer.TxValidationCode_PHANTOM_READ_CONFLICT), nil
			}},
			wantErrKind: ledger.KindCommit, wantErrCode: "PHANTOM_READ_CONFLICT", wantTxID: "tx3",
			endorsements: 3, submits: []string{"tx1", "tx2", "tx3"},
		},
		{
			name: "ENDORSEMENT_POLICY_FAILURE is retried once, then reported",
			conn: &fakeConn{statusFn: func(int, string) (txStatus, error) {
				return committed(peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE), nil
			}},
			wantErrKind: ledger.KindCommit, wantErrCode: "ENDORSEMENT_POLICY_FAILURE", wantTxID: "tx2",
			endorsements: 2, submits: []string{"tx1", "tx2"},
		},
		{
			name: "ENDORSEMENT_POLICY_FAILURE from a validation parameter set earlier in the block: the fresh transaction is refused by the contract",
			conn: &fakeConn{
				statusFn: func(int, string) (txStatus, error) {
					return committed(peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE), nil
				},
				endorseFn: func(n int, _ ledger.Call) (*prepared, error) {
					if n == 2 {
						return nil, &ledger.Error{Kind: ledger.KindContract, Code: "CONFLICT", Message: "business x is already registered", TransactionID: "tx2"}
					}
					return &prepared{TxID: "tx1", Result: []byte(`{}`), Bytes: []byte("tx1"), Signature: []byte("sig")}, nil
				},
			},
			wantErrKind: ledger.KindContract, wantErrCode: "CONFLICT", wantTxID: "tx2", endorsements: 2, submits: []string{"tx1"},
		},
		{
			name: "peers momentarily unknown to discovery: endorsed again, then committed",
			conn: &fakeConn{endorseFn: func(n int, _ ledger.Call) (*prepared, error) {
				if n < 3 {
					return nil, &ledger.Error{Kind: ledger.KindUnavailable, Message: "no peer could be reached", TransactionID: fmt.Sprintf("tx%d", n)}
				}
				return &prepared{TxID: "tx3", Result: []byte(`{}`), Bytes: []byte("tx3"), Signature: []byte("sig")}, nil
			}},
			wantOK: true, wantTxID: "tx3", endorsements: 3, submits: []string{"tx3"},
		},
		{
			name: "peers that stay unavailable: a bounded number of endorsements, nothing submitted",
			conn: &fakeConn{endorseFn: func(n int, _ ledger.Call) (*prepared, error) {
				return nil, &ledger.Error{Kind: ledger.KindUnavailable, Message: "no peer could be reached", TransactionID: fmt.Sprintf("tx%d", n)}
			}},
			wantErrKind: ledger.KindUnavailable, wantTxID: "tx5", endorsements: endorseTries,
		},
		{
			name: "a contract error is never retried and nothing is submitted",
			conn: &fakeConn{endorseFn: func(int, ledger.Call) (*prepared, error) {
				return nil, &ledger.Error{Kind: ledger.KindContract, Code: "CONFLICT", Message: "business x is already registered", TransactionID: "tx1"}
			}},
			wantErrKind: ledger.KindContract, wantErrCode: "CONFLICT", wantTxID: "tx1", endorsements: 1,
		},
		{
			name: "a lost commit status resubmits the SAME signed transaction",
			conn: &fakeConn{statusFn: func(n int, _ string) (txStatus, error) {
				if n == 1 {
					return txStatus{}, lostStatus() // e.g. Raft leader lost: dropped silently
				}
				return committed(peer.TxValidationCode_VALID), nil
			}},
			wantOK: true, wantTxID: "tx1", endorsements: 1, submits: []string{"tx1", "tx1"},
			check: func(t *testing.T, tl *testLedger, f *fakeConn) {
				require.Equal(t, f.submitBytes[0], f.submitBytes[1])
				require.Equal(t, 1, f.lookups, "the ledger is asked before resubmitting")
			},
		},
		{
			name: "a resubmission committed as DUPLICATE_TXID reads the real status from the ledger",
			conn: &fakeConn{
				statusFn: func(n int, _ string) (txStatus, error) {
					if n == 1 {
						return txStatus{}, lostStatus()
					}
					return committed(peer.TxValidationCode_DUPLICATE_TXID), nil
				},
				lookupFn: func(n int, _ string) (txStatus, bool, error) {
					if n == 1 {
						return txStatus{}, false, nil // not yet committed when checked
					}
					return txStatus{Code: peer.TxValidationCode_VALID, Block: 5}, true, nil
				},
			},
			wantOK: true, wantTxID: "tx1", endorsements: 1, submits: []string{"tx1", "tx1"},
			check: func(t *testing.T, tl *testLedger, f *fakeConn) {
				r, _, _ := tl.store.Get("tx1")
				require.Equal(t, "VALID", r.Status)
				require.Equal(t, uint64(5), r.BlockNumber)
			},
		},
		{
			name: "a transaction found committed while its status was lost is not resubmitted",
			conn: &fakeConn{
				statusFn: func(n int, _ string) (txStatus, error) { return txStatus{}, lostStatus() },
				lookupFn: func(int, string) (txStatus, bool, error) {
					return txStatus{Code: peer.TxValidationCode_VALID, Block: 9}, true, nil
				},
			},
			wantOK: true, wantTxID: "tx1", endorsements: 1, submits: []string{"tx1"},
		},
		{
			name: "a transient orderer failure resubmits the same transaction",
			conn: &fakeConn{submitFn: func(n int, _ *prepared) error {
				if n < 3 {
					return unavailable()
				}
				return nil
			}},
			wantOK: true, wantTxID: "tx1", endorsements: 1, submits: []string{"tx1", "tx1", "tx1"},
		},
		{
			name: "an orderer refusal (BAD_REQUEST) fails the transaction",
			conn: &fakeConn{submitFn: func(int, *prepared) error {
				return &ledger.Error{Kind: ledger.KindSubmit, Code: "BAD_REQUEST", Message: "the orderer refused the transaction"}
			}},
			wantErrKind: ledger.KindSubmit, wantErrCode: "BAD_REQUEST", wantTxID: "tx1", endorsements: 1, submits: []string{"tx1"},
			check: func(t *testing.T, tl *testLedger, f *fakeConn) {
				r, _, _ := tl.store.Get("tx1")
				require.Equal(t, ledger.StatusFailed, r.Status)
			},
		},
		{
			name: "an orderer refusal after the transaction was accepted once keeps resubmitting",
			conn: &fakeConn{
				submitFn: func(n int, _ *prepared) error {
					if n == 2 {
						return &ledger.Error{Kind: ledger.KindSubmit, Code: "BAD_REQUEST"}
					}
					return nil
				},
				statusFn: func(n int, _ string) (txStatus, error) {
					if n == 1 {
						return txStatus{}, lostStatus()
					}
					return committed(peer.TxValidationCode_VALID), nil
				},
			},
			wantOK: true, wantTxID: "tx1", endorsements: 1, submits: []string{"tx1", "tx1", "tx1"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tl := newTestLedger(t, "", map[ledger.Caller]conn{registrar: c.conn})
			res, err := tl.Submit(context.Background(), registerCall())
			if c.wantOK {
				require.NoError(t, err)
				require.Equal(t, c.wantTxID, res.TransactionID)
				require.NotEmpty(t, res.Result)
				r, found, _ := tl.store.Get(res.TransactionID)
				require.True(t, found)
				require.Equal(t, "VALID", r.Status)
			} else {
				le, ok := ledger.AsError(err)
				require.True(t, ok, "%v", err)
				require.Equal(t, c.wantErrKind, le.Kind, "%v", err)
				require.Equal(t, c.wantErrCode, le.Code)
				require.Equal(t, c.wantTxID, le.TransactionID)
			}
			require.Equal(t, c.endorsements, c.conn.endorsements)
			require.Equal(t, c.submits, c.conn.submitted())
			if c.check != nil {
				c.check(t, tl, c.conn)
			}
		})
	}
}

func TestSubmitHooks(t *testing.T) {
	t.Run("the hook sees every transaction before it is sent", func(t *testing.T) {
		f := &fakeConn{statusFn: func(n int, _ string) (txStatus, error) {
			if n == 1 {
				return committed(peer.TxValidationCode_MVCC_READ_CONFLICT), nil
			}
			return committed(peer.TxValidationCode_VALID), nil
		}}
		tl := newTestLedger(t, "", map[ledger.Caller]conn{registrar: f})
		var seen []string
		_, err := tl.Submit(context.Background(), registerCall(), func(txID string) error {
			require.NotContains(t, f.submitted(), txID, "hook runs before submission")
			seen = append(seen, txID)
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, []string{"tx1", "tx2"}, seen)
	})

	t.Run("a failing hook aborts before anything is ordered", func(t *testing.T) {
		f := &fakeConn{}
		tl := newTestLedger(t, "", map[ledger.Caller]conn{registrar: f})
		_, err := tl.Submit(context.Background(), registerCall(), func(string) error { return errors.New("disk full") })
		require.Error(t, err)
		require.Empty(t, f.submitted())
		r, _, _ := tl.store.Get("tx1")
		require.Equal(t, ledger.StatusFailed, r.Status)
	})
}

func TestSubmitDeadline(t *testing.T) {
	t.Run("past the write deadline the answer is a timeout and the worker finishes the transaction", func(t *testing.T) {
		release := make(chan struct{})
		var tl *testLedger
		f := &fakeConn{statusFn: func(n int, _ string) (txStatus, error) {
			if n <= 3 {
				tl.clock.advance(40 * time.Second) // each wait eats the commit-status timeout
				return txStatus{}, lostStatus()
			}
			<-release
			return committed(peer.TxValidationCode_VALID), nil
		}}
		tl = newTestLedger(t, "", map[ledger.Caller]conn{registrar: f})
		_, err := tl.Submit(context.Background(), registerCall())
		le, ok := ledger.AsError(err)
		require.True(t, ok)
		require.Equal(t, ledger.KindTimeout, le.Kind)
		require.Equal(t, "tx1", le.TransactionID)

		tx, err := tl.Transaction(context.Background(), registrar, "tx1")
		require.NoError(t, err)
		require.Equal(t, ledger.StatusPending, tx.Status)

		close(release)
		rec := waitFinal(t, tl.store, "tx1")
		require.Equal(t, "VALID", rec.Status)
		require.Equal(t, 1, f.endorsements)
	})

	t.Run("a transaction nobody could commit before its pending deadline expires", func(t *testing.T) {
		var tl *testLedger
		f := &fakeConn{statusFn: func(int, string) (txStatus, error) {
			tl.clock.advance(time.Minute)
			return txStatus{}, lostStatus()
		}}
		tl = newTestLedger(t, "", map[ledger.Caller]conn{registrar: f})
		txID, err := tl.SubmitAsync(context.Background(), registerCall())
		require.NoError(t, err)
		rec := waitFinal(t, tl.store, txID)
		require.Equal(t, ledger.StatusExpired, rec.Status)
		tx, err := tl.Transaction(context.Background(), registrar, txID)
		require.NoError(t, err)
		require.Equal(t, ledger.StatusExpired, tx.Status)
	})
}

func TestSubmitAsync(t *testing.T) {
	t.Run("the id comes back at once and the worker records the final status", func(t *testing.T) {
		release := make(chan struct{})
		f := &fakeConn{statusFn: func(n int, _ string) (txStatus, error) {
			<-release
			if n == 1 {
				return committed(peer.TxValidationCode_MVCC_READ_CONFLICT), nil
			}
			return committed(peer.TxValidationCode_VALID), nil
		}}
		tl := newTestLedger(t, "", map[ledger.Caller]conn{registrar: f})
		txID, err := tl.SubmitAsync(context.Background(), registerCall())
		require.NoError(t, err)
		require.Equal(t, "tx1", txID)
		tx, err := tl.Transaction(context.Background(), registrar, txID)
		require.NoError(t, err)
		require.Equal(t, ledger.StatusPending, tx.Status)
		require.Equal(t, "business:Register", tx.Function)

		close(release)
		second := waitFinal(t, tl.store, "tx2")
		require.Equal(t, "VALID", second.Status)
		first := waitFinal(t, tl.store, "tx1")
		require.Equal(t, "MVCC_READ_CONFLICT", first.Status)
		require.Equal(t, "tx2", first.SupersededBy)
	})

	t.Run("a contract error is answered at once", func(t *testing.T) {
		f := &fakeConn{endorseFn: func(int, ledger.Call) (*prepared, error) {
			return nil, &ledger.Error{Kind: ledger.KindContract, Code: "FORBIDDEN", Message: "no"}
		}}
		tl := newTestLedger(t, "", map[ledger.Caller]conn{registrar: f})
		_, err := tl.SubmitAsync(context.Background(), registerCall())
		le, ok := ledger.AsError(err)
		require.True(t, ok)
		require.Equal(t, "FORBIDDEN", le.Code)
	})

	t.Run("pending transactions are finished after a restart", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "gw.db")
		db, st := openStore(t, path)
		require.NoError(t, st.Put(&txstore.Record{
			TxID: "txA", Org: "market", Role: "registrar", Contract: "business", Function: "Register",
			TxBytes: []byte("bytes-txA"), Signature: []byte("sig"), Status: txstore.Pending, Attempt: 1,
			Deadline: time.Date(2026, 11, 27, 10, 10, 0, 0, time.UTC),
		}))
		require.NoError(t, db.Close())

		f := &fakeConn{}
		tl := newTestLedger(t, path, map[ledger.Caller]conn{registrar: f})
		require.NoError(t, tl.worker.resume())
		rec := waitFinal(t, tl.store, "txA")
		require.Equal(t, "VALID", rec.Status)
		require.Equal(t, []string{"txA"}, f.submitted(), "the stored transaction is resubmitted as it is")
		require.Equal(t, []byte("bytes-txA"), f.submitBytes[0])
		require.Zero(t, f.endorsements)
	})

	t.Run("a pending transaction of an identity no longer configured fails", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "gw.db")
		db, st := openStore(t, path)
		require.NoError(t, st.Put(&txstore.Record{TxID: "txB", Org: "tax", Role: "finance", Status: txstore.Pending,
			Deadline: time.Date(2026, 11, 27, 10, 10, 0, 0, time.UTC)}))
		require.NoError(t, db.Close())
		tl := newTestLedger(t, path, map[ledger.Caller]conn{registrar: &fakeConn{}})
		require.NoError(t, tl.worker.resume())
		rec := waitFinal(t, tl.store, "txB")
		require.Equal(t, ledger.StatusFailed, rec.Status)
	})
}

// No peer reachable after the transaction was signed: the clerk is answered within seconds
// (TIMEOUT, the transaction PENDING, its id given) instead of waiting out the write deadline,
// and the worker commits the same transaction once a peer answers again.
func TestUnreachableNetworkAnswersPendingWithinSeconds(t *testing.T) {
	const failures = 40
	c := &fakeConn{submitFn: func(n int, _ *prepared) error {
		if n <= failures {
			return &ledger.Error{Kind: ledger.KindUnavailable, Message: "no peer could be reached"}
		}
		return nil
	}}
	tl := newTestLedger(t, "", map[ledger.Caller]conn{registrar: c})
	// The synchronous path alone (Ledger.Submit hands the record to the worker at once, whose
	// pauses would move the shared fake clock while this test reads it).
	t0 := tl.clock.now()
	_, rec, err := tl.sub.write(context.Background(), c, registerCall(), t0.Add(90*time.Second), nil)
	waited := tl.clock.now().Sub(t0)
	le, ok := ledger.AsError(err)
	require.True(t, ok, "want a *ledger.Error, got %v", err)
	require.Equal(t, ledger.KindTimeout, le.Kind)
	require.Equal(t, "tx1", le.TransactionID)
	require.Contains(t, le.Message, "PENDING")
	require.GreaterOrEqual(t, waited, 5*time.Second)
	require.Less(t, waited, 8*time.Second, "the clerk waits seconds, not the write deadline")
	require.Less(t, len(c.submitted()), failures, "given up before a peer answered")
	require.False(t, rec.IsFinal(), "still PENDING")

	tl.worker.adopt(rec) // what Ledger.Submit does with it
	rec = waitFinal(t, tl.store, "tx1")
	require.Equal(t, "VALID", rec.Status, "the worker goes on with the same transaction")
	require.Equal(t, 1, c.endorsements, "never endorsed again")
}

// A peer that answers now and then (a refusal is an answer) keeps the synchronous write going.
func TestUnreachableBoundResetsWhenAPeerAnswers(t *testing.T) {
	c := &fakeConn{
		submitFn: func(n int, _ *prepared) error {
			if n%2 == 1 {
				return &ledger.Error{Kind: ledger.KindUnavailable, Message: "no peer could be reached"}
			}
			return nil
		},
		statusFn: func(n int, _ string) (txStatus, error) {
			if n < 8 {
				return txStatus{}, lostStatus()
			}
			return committed(peer.TxValidationCode_VALID), nil
		},
	}
	tl := newTestLedger(t, "", map[ledger.Caller]conn{registrar: c})
	res, err := tl.Submit(context.Background(), registerCall())
	require.NoError(t, err)
	require.Equal(t, "tx1", res.TransactionID)
}
