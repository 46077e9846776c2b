package fabric

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/gateway/internal/txstore"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// fakeConn is a scripted conn: each function field answers the n-th call (from 1); nil
// fields give the happy path.
type fakeConn struct {
	mu        sync.Mutex
	endorseFn func(n int, call ledger.Call) (*prepared, error)
	submitFn  func(n int, tx *prepared) error
	statusFn  func(n int, txID string) (txStatus, error)
	lookupFn  func(n int, txID string) (txStatus, bool, error)
	eventsFn  func(n int, start uint64, after string) (<-chan ledger.Event, error)
	evalFn    func(call ledger.Call) ([]byte, error)
	txFn      func(txID string) (*ledger.Transaction, error)
	heightFn  func(n int) (uint64, error)
	name      string // peer name (default peer0.market)

	endorsements int
	submits      []string // tx ids in submission order
	submitBytes  [][]byte
	statuses     int
	lookups      int
	eventCalls   []string
	heights      int
	txBlocks     []*uint64 // the known block passed with each transaction call
}

func (f *fakeConn) evaluate(ctx context.Context, call ledger.Call) ([]byte, error) {
	if f.evalFn != nil {
		return f.evalFn(call)
	}
	return []byte(`{}`), nil
}

func (f *fakeConn) endorse(ctx context.Context, call ledger.Call) (*prepared, error) {
	f.mu.Lock()
	f.endorsements++
	n := f.endorsements
	f.mu.Unlock()
	if f.endorseFn != nil {
		return f.endorseFn(n, call)
	}
	id := fmt.Sprintf("tx%d", n)
	return &prepared{TxID: id, Result: []byte(`{"n":` + fmt.Sprint(n) + `}`), Bytes: []byte("bytes-" + id), Signature: []byte("sig-" + id)}, nil
}

func (f *fakeConn) submit(ctx context.Context, tx *prepared) error {
	f.mu.Lock()
	f.submits = append(f.submits, tx.TxID)
	f.submitBytes = append(f.submitBytes, tx.Bytes)
	n := len(f.submits)
	f.mu.Unlock()
	if f.submitFn != nil {
		return f.submitFn(n, tx)
	}
	return nil
}

func (f *fakeConn) commitStatus(ctx context.Context, txID string) (txStatus, error) {
	f.mu.Lock()
	f.statuses++
	n := f.statuses
	f.mu.Unlock()
	if f.statusFn != nil {
		return f.statusFn(n, txID)
	}
	return txStatus{Code: peer.TxValidationCode_VALID, Block: 7}, nil
}

func (f *fakeConn) lookup(ctx context.Context, txID string) (txStatus, bool, error) {
	f.mu.Lock()
	f.lookups++
	n := f.lookups
	f.mu.Unlock()
	if f.lookupFn != nil {
		return f.lookupFn(n, txID)
	}
	return txStatus{}, false, nil
}

func (f *fakeConn) transaction(ctx context.Context, txID string, block *uint64) (*ledger.Transaction, error) {
	f.mu.Lock()
	f.txBlocks = append(f.txBlocks, block)
	f.mu.Unlock()
	if f.txFn != nil {
		tx, err := f.txFn(txID)
		if tx != nil && block != nil {
			n := *block
			tx.BlockNumber = &n
		}
		return tx, err
	}
	return nil, &ledger.Error{Kind: ledger.KindNotFound, Message: "no such transaction"}
}

func (f *fakeConn) height(ctx context.Context) (uint64, error) {
	f.mu.Lock()
	f.heights++
	n := f.heights
	f.mu.Unlock()
	if f.heightFn != nil {
		return f.heightFn(n)
	}
	return 10, nil
}

func (f *fakeConn) events(ctx context.Context, start uint64, after string) (<-chan ledger.Event, error) {
	f.mu.Lock()
	f.eventCalls = append(f.eventCalls, fmt.Sprintf("%d/%s", start, after))
	n := len(f.eventCalls)
	f.mu.Unlock()
	if f.eventsFn != nil {
		return f.eventsFn(n, start, after)
	}
	ch := make(chan ledger.Event)
	close(ch)
	return ch, nil
}

func (f *fakeConn) peer() string {
	if f.name != "" {
		return f.name
	}
	return "peer0.market"
}

func (f *fakeConn) submitted() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.submits...)
}

// fakeClock makes pauses instant and moves time on.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.advance(d)
	return nil
}

func testPolicy() policy {
	return policy{
		MaxAttempts: 3, InitialBackoff: 100 * time.Millisecond, MaxBackoff: time.Second,
		Endorse: 15 * time.Second, Submit: 10 * time.Second, CommitStatus: 30 * time.Second,
		Lookup: 5 * time.Second, PendingDeadline: 10 * time.Minute,
	}
}

func openStore(tb testing.TB, path string) (*bolt.DB, *txstore.Store) {
	tb.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(tb, err)
	st, err := txstore.New(db)
	require.NoError(tb, err)
	return db, st
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testLedger is a Ledger over fake conns and a real bbolt store, with a fake clock.
type testLedger struct {
	*Ledger
	clock *fakeClock
	store *txstore.Store
	db    *bolt.DB
}

func newTestLedger(tb testing.TB, path string, conns map[ledger.Caller]conn) *testLedger {
	tb.Helper()
	if path == "" {
		path = filepath.Join(tb.TempDir(), "gw.db")
	}
	db, st := openStore(tb, path)
	clock := &fakeClock{t: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
	cfg := testConfig()
	l := &Ledger{cfg: cfg, log: quietLog(), store: st, conns: conns}
	l.init(st)
	l.sub.now, l.sub.sleep = clock.now, clock.sleep
	l.sub.policy = testPolicy()
	tb.Cleanup(func() { l.worker.stop(time.Second); db.Close() })
	return &testLedger{Ledger: l, clock: clock, store: st, db: db}
}

var registrar = ledger.Caller{Org: "market", Role: "registrar"}

func registerCall() ledger.Call {
	return ledger.Call{Caller: registrar, Contract: "business", Function: "Register", Args: []string{`{"uscc":"x"}`}}
}

// waitFinal waits until the record of txID has a final status.
func waitFinal(tb testing.TB, st *txstore.Store, txID string) *txstore.Record {
	tb.Helper()
	var rec *txstore.Record
	require.Eventually(tb, func() bool {
		r, found, err := st.Get(txID)
		require.NoError(tb, err)
		rec = r
		return found && r.IsFinal()
	}, 5*time.Second, 5*time.Millisecond)
	return rec
}
