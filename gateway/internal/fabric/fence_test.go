package fabric

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/stretchr/testify/require"
)

var issuer = ledger.Caller{Org: "tax", Role: "invoice-issuer"}

func notFound() error {
	return &ledger.Error{Kind: ledger.KindContract, Code: "NOT_FOUND", Message: "seller 91350200MA2Y00010L is not a registered business"}
}

// heights answers the given heights in turn, then the last one for ever.
func heights(hs ...uint64) func(int) (uint64, error) {
	return func(n int) (uint64, error) { return hs[min(n, len(hs))-1], nil }
}

// The market bureau's write commits in block 7 (fake default); the tax bureau's peer
// then answers as scripted.
func TestReadYourWritesAcrossPeers(t *testing.T) {
	cases := []struct {
		name       string
		writeFirst bool
		tax        *fakeConn
		evaluate   bool
		wantErr    string // the contract code the caller gets; "" for success
		wantCalls  int    // endorsements or evaluations through the tax peer
		wantHeight int    // height checks on the tax peer; -1: more than one (it polled)
		recent     bool   // the write is "recent" (within fence.recent of the NOT_FOUND)
	}{
		{
			name: "NOT_FOUND right after a write, from a peer that has caught up since: asked once more", writeFirst: true, recent: true,
			tax:       &fakeConn{heightFn: heights(8), endorseFn: failFirst(notFound())},
			wantCalls: 2, wantHeight: 1,
		},
		{
			name: "endorsement NOT_FOUND on a peer still behind: waits for it, endorses again", writeFirst: true,
			tax:       &fakeConn{heightFn: heights(7, 7, 8), endorseFn: failFirst(notFound())},
			wantCalls: 2, wantHeight: 3,
		},
		{
			name: "endorsement NOT_FOUND on a peer that has the write: the refusal stands", writeFirst: true,
			tax:     &fakeConn{heightFn: heights(8), endorseFn: failFirst(notFound())},
			wantErr: "NOT_FOUND", wantCalls: 1, wantHeight: 1,
		},
		{
			name: "NOT_FOUND before this gateway wrote anything: no height check",
			tax:  &fakeConn{endorseFn: failFirst(notFound())}, wantErr: "NOT_FOUND", wantCalls: 1, wantHeight: 0,
		},
		{
			name: "other contract refusals are not retried", writeFirst: true,
			tax:     &fakeConn{heightFn: heights(7, 8), endorseFn: failFirst(&ledger.Error{Kind: ledger.KindContract, Code: "FORBIDDEN", Message: "no"})},
			wantErr: "FORBIDDEN", wantCalls: 1, wantHeight: 0,
		},
		{
			name: "a peer that never catches up: the NOT_FOUND stands after the wait", writeFirst: true,
			tax:     &fakeConn{heightFn: heights(7), endorseFn: failFirst(notFound())},
			wantErr: "NOT_FOUND", wantCalls: 1, wantHeight: -1,
		},
		{
			name: "query NOT_FOUND on a peer still behind: asked again", writeFirst: true, evaluate: true,
			tax:       &fakeConn{heightFn: heights(7, 8), evalFn: failFirstEval(notFound())},
			wantCalls: 2, wantHeight: 2,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			market := &fakeConn{}
			tl := newTestLedger(t, "", map[ledger.Caller]conn{registrar: market, issuer: c.tax})
			tl.sub.fence.poll, tl.sub.fence.wait = time.Millisecond, 50*time.Millisecond
			if !c.recent {
				tl.sub.fence.recent = 0
			}
			if c.writeFirst {
				_, err := tl.Submit(context.Background(), registerCall())
				require.NoError(t, err)
			}
			call := ledger.Call{Caller: issuer, Contract: "invoice", Function: "Issue", Args: []string{`{}`}}
			var err error
			calls := func() int { return c.tax.endorsements }
			if c.evaluate {
				n := 0
				inner := c.tax.evalFn
				c.tax.evalFn = func(call ledger.Call) ([]byte, error) { n++; return inner(call) }
				calls = func() int { return n }
				_, err = tl.Evaluate(context.Background(), call)
			} else {
				_, err = tl.Submit(context.Background(), call)
			}
			if c.wantErr != "" {
				le, ok := ledger.AsError(err)
				require.True(t, ok, "want a *ledger.Error, got %v", err)
				require.Equal(t, ledger.KindContract, le.Kind)
				require.Equal(t, c.wantErr, le.Code)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, c.wantCalls, calls())
			if c.wantHeight >= 0 {
				require.Equal(t, c.wantHeight, c.tax.heights)
			} else {
				require.Greater(t, c.tax.heights, 1, "it polled while waiting")
			}
		})
	}
}

func failFirst(err error) func(int, ledger.Call) (*prepared, error) {
	ok := &fakeConn{}
	return func(n int, call ledger.Call) (*prepared, error) {
		if n == 1 {
			return nil, err
		}
		return ok.endorse(context.Background(), call)
	}
}

func failFirstEval(err error) func(ledger.Call) ([]byte, error) {
	n := 0
	return func(ledger.Call) ([]byte, error) {
		n++
		if n == 1 {
			return nil, err
		}
		return []byte(`{}`), nil
	}
}

func TestFenceKeepsTheHighestBlock(t *testing.T) {
	f := newFence()
	for _, b := range []uint64{3, 9, 5} {
		f.committed(b)
	}
	require.Equal(t, uint64(10), f.height.Load())
}

// An endorsement may reach peers other than the one it entered through: the fence waits
// for every one of them that answers (a peer that cannot be asked endorses nothing).
func TestFenceWaitsForEveryEndorsingPeer(t *testing.T) {
	f := newFence()
	f.poll, f.recent = time.Millisecond, 0
	f.committed(7) // this gateway's writes reach height 8
	entry := &fakeConn{heightFn: heights(8)}
	lagging := &fakeConn{heightFn: heights(7, 7, 8)}
	down := &fakeConn{heightFn: func(int) (uint64, error) { return 0, errors.New("connection refused") }}
	require.True(t, f.retry(context.Background(), []conn{entry, down, lagging}, notFound()))
	require.Equal(t, 3, lagging.heights, "polled until it caught up")
	require.False(t, f.retry(context.Background(), []conn{entry, lagging}, notFound()), "nobody behind: the NOT_FOUND stands")
}

// A query soon after this gateway's write waits until its peer has the write, so that an
// auditor never reads the version a registrar has just replaced.
func TestQueriesWaitForThisGatewaysRecentWrites(t *testing.T) {
	cases := []struct {
		name        string
		writeFirst  bool
		recent      bool
		heightFn    func(int) (uint64, error)
		wantHeights int // height checks before the first query; -1: it polled until readWait
		wantWaited  bool
		cached      bool // the peer reported the write: the next query needs no check
	}{
		{name: "right after a write, a peer still behind: the query waits for it", writeFirst: true, recent: true,
			heightFn: heights(7, 7, 8), wantHeights: 3, wantWaited: true, cached: true},
		{name: "right after a write, a peer that has it: one height check", writeFirst: true, recent: true,
			heightFn: heights(8), wantHeights: 1, cached: true},
		{name: "no write yet: no check", recent: true, heightFn: heights(8), wantHeights: 0},
		{name: "the write is not recent: no check", writeFirst: true, heightFn: heights(7), wantHeights: 0},
		{name: "a peer that never catches up: asked anyway after the wait", writeFirst: true, recent: true,
			heightFn: heights(7), wantHeights: -1, wantWaited: true},
		{name: "a peer that cannot tell its height: asked at once", writeFirst: true, recent: true,
			heightFn: func(int) (uint64, error) { return 0, errors.New("unavailable") }, wantHeights: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			audit := &fakeConn{name: "peer0.audit", heightFn: c.heightFn}
			auditor := ledger.Caller{Org: "audit", Role: "auditor"}
			tl := newTestLedger(t, "", map[ledger.Caller]conn{registrar: &fakeConn{}, auditor: audit})
			tl.sub.fence.poll, tl.sub.fence.readWait = time.Millisecond, 30*time.Millisecond
			if !c.recent {
				tl.sub.fence.recent = 0
			}
			if c.writeFirst {
				_, err := tl.Submit(context.Background(), registerCall())
				require.NoError(t, err)
			}
			heightsAtQuery := -1
			audit.evalFn = func(ledger.Call) ([]byte, error) {
				if heightsAtQuery < 0 {
					heightsAtQuery = audit.heights
				}
				return []byte(`{}`), nil
			}
			query := ledger.Call{Caller: auditor, Contract: "business", Function: "Get", Args: []string{"x"}}
			_, err := tl.Evaluate(context.Background(), query)
			require.NoError(t, err)
			if c.wantHeights >= 0 {
				require.Equal(t, c.wantHeights, heightsAtQuery)
			} else {
				require.Greater(t, heightsAtQuery, 3, "it polled while waiting")
			}
			// The height a peer reported is remembered: the next query costs nothing.
			if c.cached {
				_, err = tl.Evaluate(context.Background(), query)
				require.NoError(t, err)
				require.Equal(t, heightsAtQuery, audit.heights, "no second check for a peer known to have the write")
			}
		})
	}
}

// Endorsements of one update whose results differ (two peers read different versions of a
// record updated concurrently, one not having committed the last block yet): the gateway
// waits until every endorsing peer is at the highest height any of them reached, then asks
// once more; a second mismatch stands.
func TestFenceRetriesMismatchedEndorsements(t *testing.T) {
	mismatch := &ledger.Error{Kind: ledger.KindEndorsement, Message: "the peers did not endorse the transaction",
		Details: []ledger.PeerDetail{{Address: "peer0.tax:7051", MSPID: "TaxMSP", Message: "ProposalResponsePayloads do not match"}}}
	other := &ledger.Error{Kind: ledger.KindEndorsement, Message: "the peers did not endorse the transaction",
		Details: []ledger.PeerDetail{{Address: "peer0.tax:7051", MSPID: "TaxMSP", Message: "access denied"}}}
	cases := []struct {
		name      string
		err       error
		lagging   func(int) (uint64, error)
		want      bool
		minChecks int
	}{
		{"mismatch, one peer a block behind: waits for it, then again", mismatch, heights(8, 8, 9), true, 3},
		{"mismatch, peers level: asked again at once", mismatch, heights(9), true, 2},
		{"another endorsement failure is not retried", other, heights(8, 9), false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFence()
			f.poll = time.Millisecond
			ahead := &fakeConn{name: "peer0.market", heightFn: heights(9)}
			lagging := &fakeConn{name: "peer0.tax", heightFn: c.lagging}
			require.Equal(t, c.want, f.retry(context.Background(), []conn{ahead, lagging}, c.err))
			require.GreaterOrEqual(t, lagging.heights, c.minChecks)
			if c.want {
				require.EqualValues(t, 9, f.known(lagging.peer()), "the lagging peer was waited for up to the highest height")
			}
		})
	}
}
