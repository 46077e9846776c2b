package fabric

import (
	"context"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
)

func TestDecide(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	cases := []struct {
		name         string
		now          time.Time
		seq          uint64
		committedSeq uint64
		lastCommit   time.Time
		want         verdict
	}{
		{"just accepted: wait", at(100), 5, 4, at(50), keepWaiting},
		{"a later one committed, but too soon to tell: wait", at(1000), 5, 6, at(900), keepWaiting},
		{"a later one committed and it waited 1.5 s: overtaken", at(1500), 5, 6, at(1400), overtaken},
		{"only earlier ones committed: wait", at(2000), 5, 4, at(1900), keepWaiting},
		{"nothing committed for 3 s since it was accepted: silent", at(3000), 5, 0, time.Time{}, silent},
		{"commits continue (earlier ones): not silent", at(4000), 5, 4, at(2000), keepWaiting},
		{"3 s since the last commit: silent", at(5000), 5, 4, at(2000), silent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, decide(c.now, c.seq, t0, c.committedSeq, c.lastCommit, 1500*time.Millisecond, 3*time.Second))
		})
	}
}

func TestWatch(t *testing.T) {
	t.Run("a transaction overtaken by a later one is nudged; the later one is not", func(t *testing.T) {
		clock := &fakeClock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
		w := newWatch(clock.now)
		w.tick = time.Hour // checked by hand
		first := w.accepted("tx1")
		second := w.accepted("tx2")
		w.committed("tx2")
		w.done("tx2", second)
		clock.advance(time.Second)
		w.check()
		require.Empty(t, first.reason)
		clock.advance(time.Second)
		w.check()
		<-first.nudge
		require.Equal(t, "overtaken", first.reason)
		require.False(t, w.check(), "nothing waits any more")
	})
}

// The drive loop resubmits the SAME transaction when the watch nudges it, well before the
// commit-status timeout, and reads the first one's real status after a DUPLICATE_TXID.
func TestDriveResubmitsDroppedTransactions(t *testing.T) {
	waitForNudge := func(ctx context.Context) (txStatus, error) {
		<-ctx.Done()
		return txStatus{}, lostStatus()
	}
	cases := []struct {
		name      string
		statusFn  func(clock *fakeClock) func(n int, txID string) (txStatus, error)
		lookupFn  func(n int, txID string) (txStatus, bool, error)
		wantCode  peer.TxValidationCode
		wantErr   ledger.Kind
		deadline  time.Duration
		submitsAt int
	}{
		{
			name: "silent: resubmitted, then VALID",
			statusFn: func(clock *fakeClock) func(int, string) (txStatus, error) {
				return func(n int, _ string) (txStatus, error) {
					if n == 1 {
						clock.advance(4 * time.Second) // the orderer dropped it: nothing commits
						return waitForNudge(ctxOf(t))
					}
					return committed(peer.TxValidationCode_VALID), nil
				}
			},
			wantCode: peer.TxValidationCode_VALID, deadline: time.Minute, submitsAt: 2,
		},
		{
			name: "silent, resubmitted, the first one had committed after all: DUPLICATE_TXID means look it up",
			statusFn: func(clock *fakeClock) func(int, string) (txStatus, error) {
				return func(n int, _ string) (txStatus, error) {
					if n == 1 {
						clock.advance(4 * time.Second)
						return waitForNudge(ctxOf(t))
					}
					return committed(peer.TxValidationCode_DUPLICATE_TXID), nil
				}
			},
			lookupFn: func(n int, _ string) (txStatus, bool, error) {
				if n == 1 { // before the resubmission: not there yet
					return txStatus{}, false, nil
				}
				return txStatus{Code: peer.TxValidationCode_VALID, Block: 5}, true, nil
			},
			wantCode: peer.TxValidationCode_VALID, deadline: time.Minute, submitsAt: 2,
		},
		{
			name: "the overall deadline still holds: a timeout, never a failure",
			statusFn: func(clock *fakeClock) func(int, string) (txStatus, error) {
				return func(n int, _ string) (txStatus, error) {
					clock.advance(4 * time.Second)
					return waitForNudge(ctxOf(t))
				}
			},
			wantErr: ledger.KindTimeout, deadline: 10 * time.Second, submitsAt: 2,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
			f := &fakeConn{lookupFn: c.lookupFn}
			f.statusFn = c.statusFn(clock)
			statusCtx = make(chan context.Context, 8)
			f2 := &ctxConn{fakeConn: f}
			tl := newTestLedger(t, "", map[ledger.Caller]conn{registrar: f2})
			tl.sub.now, tl.sub.sleep = clock.now, clock.sleep
			tl.sub.watch.tick = 5 * time.Millisecond
			rec, err := tl.sub.prepare(context.Background(), f2, registerCall(), 1, nil, clock.now().Add(c.deadline), nil)
			require.NoError(t, err)
			start := time.Now()
			st, err := tl.sub.drive(context.Background(), f2, rec, clock.now().Add(c.deadline), 0)
			require.Less(t, time.Since(start), 5*time.Second, "never the 30 s commit-status wait")
			require.GreaterOrEqual(t, len(f.submitted()), c.submitsAt)
			for _, id := range f.submitted() {
				require.Equal(t, rec.TxID, id, "the same transaction, never a fresh one")
			}
			if c.wantErr != 0 {
				le, ok := ledger.AsError(err)
				require.True(t, ok, "%v", err)
				require.Equal(t, c.wantErr, le.Kind)
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.wantCode, st.Code)
		})
	}
}

// statusCtx hands the fake's commit-status wait its context (ctxConn passes it).
var statusCtx chan context.Context

func ctxOf(t *testing.T) context.Context {
	select {
	case ctx := <-statusCtx:
		return ctx
	case <-time.After(5 * time.Second):
		t.Fatal("no commit-status context")
		return nil
	}
}

// ctxConn is a fakeConn whose commitStatus can wait on its context.
type ctxConn struct{ *fakeConn }

func (c *ctxConn) commitStatus(ctx context.Context, txID string) (txStatus, error) {
	statusCtx <- ctx
	st, err := c.fakeConn.commitStatus(ctx, txID)
	select { // not waited on: drop it
	case <-statusCtx:
	default:
	}
	return st, err
}
