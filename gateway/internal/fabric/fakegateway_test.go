package fabric

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/config"
	"github.com/govchain/govchain/gateway/internal/testpki"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/proto"
)

// fakeGateway is an in-process Fabric Gateway service: the real fabric-gateway client talks
// to it over a bufconn, so the adapter is tested with the SDK's real error values.
type fakeGateway struct {
	gateway.UnimplementedGatewayServer
	evaluate     func(ctx context.Context, cc string, args []string) (*gateway.EvaluateResponse, error)
	evaluateReq  func(req *gateway.EvaluateRequest) // sees every evaluate request first
	endorse      func(ctx context.Context, req *gateway.EndorseRequest, args []string) (*gateway.EndorseResponse, error)
	submit       func(ctx context.Context, req *gateway.SubmitRequest) (*gateway.SubmitResponse, error)
	commitStatus func(ctx context.Context, req *gateway.CommitStatusRequest) (*gateway.CommitStatusResponse, error)
	events       func(req *gateway.ChaincodeEventsRequest, stream grpc.ServerStreamingServer[gateway.ChaincodeEventsResponse]) error
}

func (f *fakeGateway) Evaluate(ctx context.Context, req *gateway.EvaluateRequest) (*gateway.EvaluateResponse, error) {
	if f.evaluateReq != nil {
		f.evaluateReq(req)
	}
	cc, args := invocation(req.GetProposedTransaction())
	return f.evaluate(ctx, cc, args)
}

func (f *fakeGateway) Endorse(ctx context.Context, req *gateway.EndorseRequest) (*gateway.EndorseResponse, error) {
	_, args := invocation(req.GetProposedTransaction())
	if f.endorse == nil {
		return &gateway.EndorseResponse{PreparedTransaction: preparedEnvelope(req.GetChannelId(), req.GetTransactionId(), []byte(`{"ok":true}`))}, nil
	}
	return f.endorse(ctx, req, args)
}

func (f *fakeGateway) Submit(ctx context.Context, req *gateway.SubmitRequest) (*gateway.SubmitResponse, error) {
	if f.submit == nil {
		return &gateway.SubmitResponse{}, nil
	}
	return f.submit(ctx, req)
}

func (f *fakeGateway) CommitStatus(ctx context.Context, signed *gateway.SignedCommitStatusRequest) (*gateway.CommitStatusResponse, error) {
	req := &gateway.CommitStatusRequest{}
	if err := proto.Unmarshal(signed.GetRequest(), req); err != nil {
		return nil, err
	}
	if f.commitStatus == nil {
		return &gateway.CommitStatusResponse{Result: peer.TxValidationCode_VALID, BlockNumber: 12}, nil
	}
	return f.commitStatus(ctx, req)
}

func (f *fakeGateway) ChaincodeEvents(signed *gateway.SignedChaincodeEventsRequest, stream grpc.ServerStreamingServer[gateway.ChaincodeEventsResponse]) error {
	req := &gateway.ChaincodeEventsRequest{}
	if err := proto.Unmarshal(signed.GetRequest(), req); err != nil {
		return err
	}
	return f.events(req, stream)
}

// invocation reads the chaincode name and arguments of a signed proposal.
func invocation(sp *peer.SignedProposal) (string, []string) {
	p := &peer.Proposal{}
	_ = proto.Unmarshal(sp.GetProposalBytes(), p)
	cpp := &peer.ChaincodeProposalPayload{}
	_ = proto.Unmarshal(p.GetPayload(), cpp)
	spec := &peer.ChaincodeInvocationSpec{}
	_ = proto.Unmarshal(cpp.GetInput(), spec)
	var args []string
	for _, a := range spec.GetChaincodeSpec().GetInput().GetArgs() {
		args = append(args, string(a))
	}
	return spec.GetChaincodeSpec().GetChaincodeId().GetName(), args
}

// preparedEnvelope is the unsigned transaction envelope an endorsement returns.
func preparedEnvelope(channel, txID string, result []byte) *common.Envelope {
	chdr := mustMarshal(&common.ChannelHeader{Type: int32(common.HeaderType_ENDORSER_TRANSACTION), ChannelId: channel, TxId: txID})
	action := mustMarshal(&peer.ChaincodeAction{Response: &peer.Response{Status: 200, Payload: result}})
	prp := mustMarshal(&peer.ProposalResponsePayload{Extension: action})
	cap := mustMarshal(&peer.ChaincodeActionPayload{Action: &peer.ChaincodeEndorsedAction{ProposalResponsePayload: prp}})
	tx := mustMarshal(&peer.Transaction{Actions: []*peer.TransactionAction{{Payload: cap}}})
	payload := mustMarshal(&common.Payload{Header: &common.Header{ChannelHeader: chdr}, Data: tx})
	return &common.Envelope{Payload: payload}
}

func mustMarshal(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

func serializedIdentity(mspID string, certPEM []byte) []byte {
	return mustMarshal(&msp.SerializedIdentity{Mspid: mspID, IdBytes: certPEM})
}

// dialFake starts srv on a bufconn and connects one identity to it through the adapter's
// real loadSigner and connectVia.
func dialFake(t *testing.T, srv *fakeGateway) (*gatewayConn, testpki.Identity) {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	gs := grpc.NewServer()
	gateway.RegisterGatewayServer(gs, srv)
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)
	cc, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { cc.Close() })

	dir := t.TempDir()
	pki := testpki.Write(t, dir, "registrar", "registrar@market", "market")
	cfg := testConfig()
	cfg.Timeouts.Evaluate = 2 * time.Second
	id := config.Identity{Org: "market", Role: "registrar", MSPID: "MarketMSP", Cert: pki.CertPath, Key: pki.KeyPath, Peer: "peer0.market"}
	s, err := loadSigner(id)
	require.NoError(t, err)
	gc, err := connectVia(cfg, s, id.Peer, cc, observer{})
	require.NoError(t, err)
	gc.log = quietLog()
	t.Cleanup(func() { gc.gw.Close() })
	return gc, pki
}

// transientOf reads the transient map of a signed proposal.
func transientOf(sp *peer.SignedProposal) map[string][]byte {
	p := &peer.Proposal{}
	_ = proto.Unmarshal(sp.GetProposalBytes(), p)
	cpp := &peer.ChaincodeProposalPayload{}
	_ = proto.Unmarshal(p.GetPayload(), cpp)
	return cpp.GetTransientMap()
}
