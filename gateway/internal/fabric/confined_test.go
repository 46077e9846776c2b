package fabric

import (
	"bytes"
	"context"
	"testing"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
)

// TestConfinedCallsReachOnlyTheNamedOrgs drives the real fabric-gateway client: a confined
// call carries its transient data in the proposal and names its orgs as the only
// endorsers (a write) or targets (a query); the prepared transaction holds no transient.
func TestConfinedCallsReachOnlyTheNamedOrgs(t *testing.T) {
	secret := []byte("11010519491231002X")
	var endorseReq *gateway.EndorseRequest
	var evalReq *gateway.EvaluateRequest
	srv := &fakeGateway{
		endorse: func(_ context.Context, req *gateway.EndorseRequest, _ []string) (*gateway.EndorseResponse, error) {
			endorseReq = req
			return &gateway.EndorseResponse{PreparedTransaction: preparedEnvelope(req.GetChannelId(), req.GetTransactionId(), []byte(`{}`))}, nil
		},
		evaluateReq: func(req *gateway.EvaluateRequest) { evalReq = req },
		evaluate: func(context.Context, string, []string) (*gateway.EvaluateResponse, error) {
			return &gateway.EvaluateResponse{Result: &peer.Response{Status: 200, Payload: []byte(`{"match":true}`)}}, nil
		},
	}
	gc, _ := dialFake(t, srv)
	call := ledger.Call{Caller: registrar, Contract: "personal", Function: "Stage", Args: []string{"91350200MA2Y00010L"},
		Transient: map[string][]byte{"personal": secret}, Orgs: []string{"MarketMSP"}}

	p, err := gc.endorse(context.Background(), call)
	require.NoError(t, err)
	require.Equal(t, []string{"MarketMSP"}, endorseReq.GetEndorsingOrganizations(), "only the owner's peers endorse")
	require.Equal(t, secret, transientOf(endorseReq.GetProposedTransaction())["personal"])
	require.False(t, bytes.Contains(p.Bytes, secret), "the prepared transaction carries no transient data")

	_, err = gc.evaluate(context.Background(), ledger.Call{Caller: registrar, Contract: "personal", Function: "Verify", Args: []string{"a"},
		Transient: map[string][]byte{"value": secret}, Orgs: []string{"MarketMSP"}})
	require.NoError(t, err)
	require.Equal(t, []string{"MarketMSP"}, evalReq.GetTargetOrganizations(), "a confined query is answered by the named org")
	require.Equal(t, secret, transientOf(evalReq.GetProposedTransaction())["value"])

	_, err = gc.evaluate(context.Background(), ledger.Call{Caller: registrar, Contract: "business", Function: "Get", Args: []string{"a"}})
	require.NoError(t, err)
	require.Empty(t, evalReq.GetTargetOrganizations(), "ordinary queries leave the choice to the peer")
}

func TestConnForConfinedCalls(t *testing.T) {
	home := &fakeConn{name: "peer0.tax"}
	viaMarket := &fakeConn{name: "peer0.market"}
	viaNotary := &fakeConn{name: "peer0.notary"}
	clerk := ledger.Caller{Org: "tax", Role: "finance"}
	tl := newTestLedger(t, "", map[ledger.Caller]conn{clerk: home})
	tl.cfg.Peers = testPeers()
	tl.peerOrg = map[string]string{"peer0.market": "MarketMSP", "peer0.tax": "TaxMSP", "peer0.notary": "NotaryMSP"}
	tl.via = map[ledger.Caller]map[string]conn{clerk: {"peer0.market": viaMarket, "peer0.tax": home, "peer0.notary": viaNotary}}

	cases := []struct {
		name string
		orgs []string
		want conn
		kind ledger.Kind
	}{
		{"an ordinary call goes through the caller's own peer", nil, home, 0},
		{"a call confined to another org goes through that org's peer", []string{"MarketMSP"}, viaMarket, 0},
		{"the caller's own peer when its org is allowed", []string{"MarketMSP", "TaxMSP"}, home, 0},
		{"the first allowed org with a peer", []string{"Org9MSP", "NotaryMSP"}, viaNotary, 0},
		{"no allowed org has a peer: unavailable, never elsewhere", []string{"Org9MSP"}, nil, ledger.KindUnavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := tl.connFor(ledger.Call{Caller: clerk, Orgs: c.orgs})
			if c.want == nil {
				le, ok := ledger.AsError(err)
				require.True(t, ok, "%v", err)
				require.Equal(t, c.kind, le.Kind)
				return
			}
			require.NoError(t, err)
			require.Same(t, c.want, got)
		})
	}
}

func TestTransientWritesAreNeverEndorsedAgain(t *testing.T) {
	f := &fakeConn{statusFn: func(int, string) (txStatus, error) {
		return committed(peer.TxValidationCode_MVCC_READ_CONFLICT), nil
	}}
	tl := newTestLedger(t, "", map[ledger.Caller]conn{registrar: f})
	call := registerCall()
	call.Transient = map[string][]byte{"personal": []byte("x")}
	_, err := tl.Submit(context.Background(), call)
	le, ok := ledger.AsError(err)
	require.True(t, ok)
	require.Equal(t, ledger.KindCommit, le.Kind)
	require.Equal(t, 1, f.endorsements, "the gateway keeps no transient data to endorse a fresh transaction with")
	rec, _, _ := tl.store.Get("tx1")
	require.True(t, rec.Private)

	_, err = tl.SubmitAsync(context.Background(), call)
	require.Error(t, err, "asynchronous writes are resumed after a restart, when no transient data is left")
}
