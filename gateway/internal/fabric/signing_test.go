package fabric

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"net"
	"testing"

	"github.com/govchain/govchain/gateway/internal/config"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/gateway/internal/testpki"
	"github.com/govchain/govchain/internal/clientsign"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"
)

var clerkCS = ledger.Caller{Org: "market", Role: "registrar", Name: "registrar-cs"}

// dialFakeClientSigned connects a client-signed identity (certificate only) to srv.
func dialFakeClientSigned(t *testing.T, srv *fakeGateway) (*gatewayConn, *signer, testpki.Identity) {
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
	pki := testpki.Write(t, t.TempDir(), "registrar-cs", "registrar-cs@market", "market")
	id := config.Identity{Org: "market", Role: "registrar", Name: "registrar-cs", Signing: config.SigningClient, MSPID: "MarketMSP", Cert: pki.CertPath, Peer: "peer0.market"}
	s, err := loadSigner(id)
	require.NoError(t, err)
	require.Nil(t, s.sign, "no key")
	gc, err := connectVia(testConfig(), s, id.Peer, cc, observer{})
	require.NoError(t, err)
	gc.log = quietLog()
	t.Cleanup(func() { gc.gw.Close() })
	// Its reader: a server-signed identity of the same org, through the same peer.
	rp := testpki.Write(t, t.TempDir(), "registrar", "registrar@market", "market")
	rs, err := loadSigner(config.Identity{Org: "market", Role: "registrar", MSPID: "MarketMSP", Cert: rp.CertPath, Key: rp.KeyPath, Peer: "peer0.market"})
	require.NoError(t, err)
	reader, err := connectVia(testConfig(), rs, id.Peer, cc, observer{})
	require.NoError(t, err)
	t.Cleanup(func() { reader.gw.Close() })
	gc.reader = reader
	return gc, s, pki
}

func TestClientSignedLedger(t *testing.T) {
	var endorseReq *gateway.EndorseRequest
	var envelopes []*common.Envelope
	srv := &fakeGateway{
		endorse: func(_ context.Context, req *gateway.EndorseRequest, _ []string) (*gateway.EndorseResponse, error) {
			endorseReq = req
			return &gateway.EndorseResponse{PreparedTransaction: preparedEnvelope(req.GetChannelId(), req.GetTransactionId(), []byte(`{"uscc":"x"}`))}, nil
		},
		submit: func(_ context.Context, req *gateway.SubmitRequest) (*gateway.SubmitResponse, error) {
			envelopes = append(envelopes, req.GetPreparedTransaction())
			return &gateway.SubmitResponse{}, nil
		},
		commitStatus: func(context.Context, *gateway.CommitStatusRequest) (*gateway.CommitStatusResponse, error) {
			return &gateway.CommitStatusResponse{Result: peer.TxValidationCode_VALID, BlockNumber: 21}, nil
		},
	}
	gc, s, pki := dialFakeClientSigned(t, srv)
	tl := newTestLedger(t, "", map[ledger.Caller]conn{clerkCS: gc})
	tl.clientCerts = map[ledger.Caller]*x509.Certificate{clerkCS: s.cert}
	ctx := context.Background()
	call := registerCall()
	call.Caller = clerkCS

	_, err := gc.evaluate(ctx, call)
	le, ok := ledger.AsError(err)
	require.True(t, ok)
	require.Equal(t, "FORBIDDEN", le.Code, "the gateway cannot sign a query for it")
	_, err = tl.Submit(ctx, call)
	require.Error(t, err, "nor endorse a transaction")

	cert, ok := tl.SigningCertificate(clerkCS)
	require.True(t, ok)
	require.Equal(t, s.cert, cert)
	_, ok = tl.SigningCertificate(registrar)
	require.False(t, ok)
	_, err = tl.Propose(ctx, registerCall())
	require.Error(t, err, "a server-signed identity has no client-signed steps")

	prop, err := tl.Propose(ctx, call)
	require.NoError(t, err)
	require.Len(t, prop.TxID, 64)
	require.Nil(t, endorseReq, "proposing sends nothing")
	sig, err := clientsign.Sign(pki.Key, prop.Digest)
	require.NoError(t, err)

	tx, err := tl.EndorseSigned(ctx, call, prop.Bytes, sig)
	require.NoError(t, err)
	require.Equal(t, prop.TxID, tx.TxID)
	require.Equal(t, `{"uscc":"x"}`, string(tx.Result))
	sp := endorseReq.GetProposedTransaction()
	require.Equal(t, sig, sp.GetSignature(), "the client's signature reaches the peer")
	d := sha256.Sum256(sp.GetProposalBytes())
	require.Equal(t, prop.Digest, d[:], "the digest is SHA-256 of the proposal bytes")
	require.Equal(t, sp.GetProposalBytes(), prop.Message, "the message is what is signed")

	txSig, err := clientsign.Sign(pki.Key, tx.Digest)
	require.NoError(t, err)
	res, err := tl.SubmitSigned(ctx, call, tx, txSig)
	require.NoError(t, err)
	require.Equal(t, &ledger.Committed{TransactionID: tx.TxID, BlockNumber: 21, Result: []byte(`{"uscc":"x"}`)}, res)
	require.Len(t, envelopes, 1)
	require.Equal(t, txSig, envelopes[0].GetSignature())
	require.Equal(t, envelopes[0].GetPayload(), tx.Message)
	ed := sha256.Sum256(envelopes[0].GetPayload())
	require.True(t, ecdsa.VerifyASN1(&pki.Key.PublicKey, ed[:], envelopes[0].GetSignature()))

	rec, found, err := tl.store.Get(tx.TxID)
	require.NoError(t, err)
	require.True(t, found)
	require.True(t, rec.ClientSigned)
	require.Equal(t, "registrar-cs", rec.Name)
	require.Equal(t, ledger.StatusValid, rec.Status)

	// The final step sent again answers from the stored transaction, without a new one.
	res2, err := tl.SubmitSigned(ctx, call, tx, txSig)
	require.NoError(t, err)
	require.Equal(t, res.TransactionID, res2.TransactionID)
	require.Len(t, envelopes, 1)
}
