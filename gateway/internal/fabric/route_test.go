package fabric

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/connectivity"
)

var errUnreachable = &ledger.Error{Kind: ledger.KindUnavailable, Message: "no peer could be reached"}

// switchable is a fake peer that can be taken down and brought back.
type switchable struct {
	*fakeConn
	down  atomic.Bool
	level atomic.Uint64
	calls atomic.Int32
}

func newSwitchable(name string) *switchable {
	s := &switchable{fakeConn: &fakeConn{name: name}}
	s.level.Store(10)
	s.evalFn = func(ledger.Call) ([]byte, error) {
		s.calls.Add(1)
		if s.down.Load() {
			return nil, errUnreachable
		}
		return []byte(name), nil
	}
	s.heightFn = func(int) (uint64, error) {
		if s.down.Load() {
			return 0, errUnreachable
		}
		return s.level.Load(), nil
	}
	return s
}

func testRoute(want uint64, hops ...*switchable) (*route, *fakeClock) {
	clock := &fakeClock{t: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	h := newHealth(quietLog())
	h.now = clock.now
	h.want = func() uint64 { return want }
	r := &route{health: h}
	for _, s := range hops {
		r.hops = append(r.hops, s)
	}
	return r, clock
}

func TestRoute(t *testing.T) {
	ctx := context.Background()
	call := ledger.Call{Caller: registrar, Contract: "business", Function: "Get"}

	t.Run("calls go through the own peer while it answers", func(t *testing.T) {
		own, other := newSwitchable("peer0.market"), newSwitchable("peer0.tax")
		r, _ := testRoute(0, own, other)
		res, err := r.evaluate(ctx, call)
		require.NoError(t, err)
		require.Equal(t, "peer0.market", string(res))
		require.Zero(t, other.calls.Load())
	})

	t.Run("an unreachable own peer falls back in order, and is passed by afterwards", func(t *testing.T) {
		own, second, third := newSwitchable("peer0.market"), newSwitchable("peer0.tax"), newSwitchable("peer0.notary")
		own.down.Store(true)
		r, _ := testRoute(0, own, second, third)
		res, err := r.evaluate(ctx, call)
		require.NoError(t, err)
		require.Equal(t, "peer0.tax", string(res))
		res, err = r.evaluate(ctx, call)
		require.NoError(t, err)
		require.Equal(t, "peer0.tax", string(res))
		require.Equal(t, int32(1), own.calls.Load(), "a suspect peer is not asked again within the recheck pause")
		require.Zero(t, third.calls.Load())
	})

	t.Run("answers are not failures: a contract error does not fall back", func(t *testing.T) {
		own, other := newSwitchable("peer0.market"), newSwitchable("peer0.tax")
		own.evalFn = func(ledger.Call) ([]byte, error) {
			return nil, &ledger.Error{Kind: ledger.KindContract, Code: "NOT_FOUND", Message: "no such business"}
		}
		r, _ := testRoute(0, own, other)
		_, err := r.evaluate(ctx, call)
		le, ok := ledger.AsError(err)
		require.True(t, ok)
		require.Equal(t, ledger.KindContract, le.Kind)
		require.Zero(t, other.calls.Load())
	})

	t.Run("every peer unreachable: the last error", func(t *testing.T) {
		own, other := newSwitchable("peer0.market"), newSwitchable("peer0.tax")
		own.down.Store(true)
		other.down.Store(true)
		r, _ := testRoute(0, own, other)
		_, err := r.evaluate(ctx, call)
		require.True(t, unreachable(err), "%v", err)
		require.Equal(t, int32(1), other.calls.Load())
	})

	t.Run("a peer back is used again only once it has caught up with this gateway's writes", func(t *testing.T) {
		own, other := newSwitchable("peer0.market"), newSwitchable("peer0.tax")
		own.down.Store(true)
		r, clock := testRoute(20, own, other)
		res, _ := r.evaluate(ctx, call)
		require.Equal(t, "peer0.tax", string(res))

		// settled waits for a background check of the own peer to finish.
		settled := func() {
			require.Eventually(t, func() bool {
				r.health.mu.Lock()
				defer r.health.mu.Unlock()
				s := r.health.suspect["peer0.market"]
				return s == nil || !s.checking
			}, time.Second, time.Millisecond)
		}
		own.down.Store(false) // restarted, still behind (10 < 20)
		clock.advance(time.Second)
		res, _ = r.evaluate(ctx, call)
		require.Equal(t, "peer0.tax", string(res), "a check starts in the background; this call does not wait for it")
		settled()
		res, _ = r.evaluate(ctx, call)
		require.Equal(t, "peer0.tax", string(res), "behind: not yet")

		own.level.Store(20)
		res, _ = r.evaluate(ctx, call)
		require.Equal(t, "peer0.tax", string(res), "checked at most every recheck pause")
		clock.advance(time.Second)
		res, _ = r.evaluate(ctx, call)
		require.Equal(t, "peer0.tax", string(res), "checked in the background")
		settled()
		res, _ = r.evaluate(ctx, call)
		require.Equal(t, "peer0.market", string(res), "caught up: back to the own peer")
	})

	t.Run("a connection known to be broken is passed by without a call", func(t *testing.T) {
		own, other := newSwitchable("peer0.market"), newSwitchable("peer0.tax")
		r, _ := testRoute(0, own, other)
		r.health.state = func(p string) (connectivity.State, bool) {
			if p == "peer0.market" {
				return connectivity.TransientFailure, true
			}
			return connectivity.Ready, true
		}
		res, err := r.evaluate(ctx, call)
		require.NoError(t, err)
		require.Equal(t, "peer0.tax", string(res))
		require.Zero(t, own.calls.Load())
	})

	t.Run("writes fall back too: endorse, submit and commit status", func(t *testing.T) {
		own, other := newSwitchable("peer0.market"), newSwitchable("peer0.tax")
		own.down.Store(true)
		own.endorseFn = func(int, ledger.Call) (*prepared, error) { return nil, errUnreachable }
		r, _ := testRoute(0, own, other)
		p, err := r.endorse(ctx, registerCall())
		require.NoError(t, err)
		require.NoError(t, r.submit(ctx, p))
		_, err = r.commitStatus(ctx, p.TxID)
		require.NoError(t, err)
		require.Equal(t, []string{p.TxID}, other.submitted())
		require.Empty(t, own.submitted())
	})
}

// A confined call never falls back to another org's peer, even for an identity with a route:
// the owner's peer down is a 503.
func TestConfinedCallsNeverFallBack(t *testing.T) {
	own, other := newSwitchable("peer0.market"), newSwitchable("peer0.tax")
	own.down.Store(true)
	r, _ := testRoute(0, own, other)
	tl := newTestLedger(t, "", map[ledger.Caller]conn{registrar: r})
	tl.cfg.Peers = testPeers()
	tl.peerOrg = map[string]string{"peer0.market": "MarketMSP", "peer0.tax": "TaxMSP", "peer0.notary": "NotaryMSP"}
	tl.via = map[ledger.Caller]map[string]conn{registrar: {"peer0.market": own, "peer0.tax": other}}

	confined := ledger.Call{Caller: registrar, Contract: "personal", Function: "Verify", Orgs: []string{"MarketMSP"}}
	c, err := tl.connFor(confined)
	require.NoError(t, err)
	require.Same(t, own, c, "the owner's peer, not the route")
	_, err = tl.Evaluate(context.Background(), confined)
	require.True(t, unreachable(err), "%v", err)
	require.Zero(t, other.calls.Load(), "never another org's peer")

	res, err := tl.Evaluate(context.Background(), ledger.Call{Caller: registrar, Contract: "business", Function: "Get"})
	require.NoError(t, err)
	require.Equal(t, "peer0.tax", string(res), "an ordinary call of the same identity falls back")
}

// The own peer answers but cannot run the chaincode (its chaincode server is down): Fabric's
// gateway service gives up when its org has no other peer, so the route endorses through the
// next agency's peer, whose own chaincode serves it. Other endorsement failures stand.
func TestRouteChaincodeDown(t *testing.T) {
	ctx := context.Background()
	ccDown := &ledger.Error{Kind: ledger.KindEndorsement, Message: "the peers did not endorse the transaction",
		Details: []ledger.PeerDetail{{Address: "peer0.market:7051", MSPID: "MarketMSP",
			Message: "could not launch chaincode govchain_1.0:abc: connection to govchain_1.0:abc failed: dial tcp 127.0.0.1:7052: connect: connection refused"}}}
	denied := &ledger.Error{Kind: ledger.KindEndorsement, Message: "the peers did not endorse the transaction",
		Details: []ledger.PeerDetail{{Address: "peer0.market:7051", MSPID: "MarketMSP", Message: "access denied: channel [govchannel] creator org unknown"}}}
	refused := &ledger.Error{Kind: ledger.KindContract, Code: "CONFLICT", Message: "business x is already registered"}
	cases := []struct {
		name      string
		ownErr    error
		wantPeer  string // the peer whose endorsement is returned; "" for the own error
		wantOther int
	}{
		{"own chaincode down: endorsed through the next peer", ccDown, "peer0.tax", 1},
		{"chaincode stream terminated (crashed mid-call): the next peer", &ledger.Error{Kind: ledger.KindEndorsement,
			Details: []ledger.PeerDetail{{Message: "error in simulation: chaincode stream terminated"}}}, "peer0.tax", 1},
		{"access denied is an answer: it stands", denied, "", 0},
		{"a contract refusal is an answer: it stands", refused, "", 0},
		{"no details: it stands", &ledger.Error{Kind: ledger.KindEndorsement, Message: "x"}, "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			own, other := newSwitchable("peer0.market"), newSwitchable("peer0.tax")
			own.endorseFn = func(int, ledger.Call) (*prepared, error) { return nil, c.ownErr }
			other.endorseFn = func(int, ledger.Call) (*prepared, error) {
				return &prepared{TxID: "tx-tax", Result: []byte("peer0.tax")}, nil
			}
			r, _ := testRoute(0, own, other)
			p, err := r.endorse(ctx, registerCall())
			if c.wantPeer == "" {
				require.Equal(t, c.ownErr, err)
			} else {
				require.NoError(t, err)
				require.Equal(t, c.wantPeer, string(p.Result))
			}
			require.Equal(t, c.wantOther, other.endorsements)
			require.Empty(t, r.health.suspect, "a peer whose chaincode is down is still reachable: not suspect")
		})
	}
}
