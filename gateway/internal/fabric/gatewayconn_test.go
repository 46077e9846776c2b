package fabric

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"sync"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/gateway/internal/testpki"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/orderer"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestGatewayConnSubmit(t *testing.T) {
	var mu sync.Mutex
	var envelopes []*common.Envelope
	var statusReqs []*gateway.CommitStatusRequest
	var endorsedArgs []string
	srv := &fakeGateway{
		endorse: func(_ context.Context, req *gateway.EndorseRequest, args []string) (*gateway.EndorseResponse, error) {
			endorsedArgs = args
			return &gateway.EndorseResponse{PreparedTransaction: preparedEnvelope(req.GetChannelId(), req.GetTransactionId(), []byte(`{"uscc":"x"}`))}, nil
		},
		submit: func(_ context.Context, req *gateway.SubmitRequest) (*gateway.SubmitResponse, error) {
			mu.Lock()
			envelopes = append(envelopes, req.GetPreparedTransaction())
			mu.Unlock()
			return &gateway.SubmitResponse{}, nil
		},
		commitStatus: func(_ context.Context, req *gateway.CommitStatusRequest) (*gateway.CommitStatusResponse, error) {
			mu.Lock()
			statusReqs = append(statusReqs, req)
			mu.Unlock()
			return &gateway.CommitStatusResponse{Result: peer.TxValidationCode_VALID, BlockNumber: 12}, nil
		},
	}
	gc, pki := dialFake(t, srv)
	ctx := context.Background()

	p, err := gc.endorse(ctx, registerCall())
	require.NoError(t, err)
	require.Equal(t, []string{"business:Register", `{"uscc":"x"}`}, endorsedArgs, "contract:Function, then the arguments")
	require.Equal(t, `{"uscc":"x"}`, string(p.Result))
	require.Len(t, p.TxID, 64)

	require.NoError(t, gc.submit(ctx, p))
	require.NoError(t, gc.submit(ctx, p))
	require.Len(t, envelopes, 2)
	require.True(t, proto.Equal(envelopes[0], envelopes[1]), "a resubmission sends the very same signed transaction")
	digest := sha256.Sum256(envelopes[0].GetPayload())
	require.True(t, ecdsa.VerifyASN1(&pki.Key.PublicKey, digest[:], envelopes[0].GetSignature()), "signed by the identity's key")

	st, err := gc.commitStatus(ctx, p.TxID)
	require.NoError(t, err)
	require.Equal(t, txStatus{Code: peer.TxValidationCode_VALID, Block: 12}, st)
	require.Equal(t, p.TxID, statusReqs[0].GetTransactionId())
	require.Equal(t, "govchannel", statusReqs[0].GetChannelId())
	require.Equal(t, serializedIdentity("MarketMSP", pki.CertPEM), statusReqs[0].GetIdentity())
}

// processedTx builds qscc's GetTransactionByID answer.
func processedTx(t *testing.T, txID string, code peer.TxValidationCode, creator testpki.Identity, endorsers map[string]testpki.Identity) []byte {
	t.Helper()
	chdr := mustMarshal(&common.ChannelHeader{
		Type: int32(common.HeaderType_ENDORSER_TRANSACTION), ChannelId: "govchannel", TxId: txID,
		Timestamp: timestamppb.New(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)),
	})
	shdr := mustMarshal(&common.SignatureHeader{Creator: serializedIdentity("TaxMSP", creator.CertPEM)})
	spec := mustMarshal(&peer.ChaincodeInvocationSpec{ChaincodeSpec: &peer.ChaincodeSpec{
		ChaincodeId: &peer.ChaincodeID{Name: "govchain"},
		Input:       &peer.ChaincodeInput{Args: [][]byte{[]byte("invoice:Issue"), []byte(`{"personal":"data"}`)}},
	}})
	var ends []*peer.Endorsement
	for _, msp := range []string{"TaxMSP", "MarketMSP"} {
		ends = append(ends, &peer.Endorsement{Endorser: serializedIdentity(msp, endorsers[msp].CertPEM), Signature: []byte("sig")})
	}
	cap := mustMarshal(&peer.ChaincodeActionPayload{
		ChaincodeProposalPayload: mustMarshal(&peer.ChaincodeProposalPayload{Input: spec}),
		Action:                   &peer.ChaincodeEndorsedAction{Endorsements: ends},
	})
	payload := mustMarshal(&common.Payload{
		Header: &common.Header{ChannelHeader: chdr, SignatureHeader: shdr},
		Data:   mustMarshal(&peer.Transaction{Actions: []*peer.TransactionAction{{Payload: cap}}}),
	})
	return mustMarshal(&peer.ProcessedTransaction{TransactionEnvelope: &common.Envelope{Payload: payload}, ValidationCode: int32(code)})
}

func TestGatewayConnQSCC(t *testing.T) {
	dir := t.TempDir()
	creator := testpki.Write(t, dir, "issuer", "invoice-issuer@tax", "tax")
	endorsers := map[string]testpki.Identity{
		"TaxMSP":    testpki.Write(t, dir, "peer-tax", "peer0.tax", "tax"),
		"MarketMSP": testpki.Write(t, dir, "peer-market", "peer0.market", "market"),
	}
	const known = "1111111111111111111111111111111111111111111111111111111111111111"
	var mu sync.Mutex
	var calls [][]string
	var statusCalls int
	status := &gateway.CommitStatusResponse{Result: peer.TxValidationCode_VALID, BlockNumber: 17}
	srv := &fakeGateway{evaluate: func(_ context.Context, cc string, args []string) (*gateway.EvaluateResponse, error) {
		mu.Lock()
		calls = append(calls, append([]string{cc}, args...))
		mu.Unlock()
		if cc != "qscc" {
			return nil, statusWithDetails(codes.Unimplemented, "unexpected chaincode")
		}
		var payload []byte
		switch {
		case args[0] == "GetChainInfo":
			payload = mustMarshal(&common.BlockchainInfo{Height: 42})
		case len(args) == 3 && args[2] != known:
			return nil, statusWithDetails(codes.Unknown, "evaluate call to endorser returned error: chaincode response 500, Failed to get transaction with id "+args[2]+", error no such transaction ID ["+args[2]+"] in index")
		case args[0] == "GetTransactionByID":
			payload = processedTx(t, known, peer.TxValidationCode_VALID, creator, endorsers)
		case args[0] == "GetBlockByTxID":
			// What the whole block costs: 500 transactions of a few KiB.
			payload = mustMarshal(&common.Block{Header: &common.BlockHeader{Number: 17}, Data: &common.BlockData{Data: make([][]byte, 500)}})
		}
		return &gateway.EvaluateResponse{Result: &peer.Response{Status: 200, Payload: payload}}, nil
	}, commitStatus: func(_ context.Context, req *gateway.CommitStatusRequest) (*gateway.CommitStatusResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		statusCalls++
		if req.GetTransactionId() != known {
			return nil, statusWithDetails(codes.DeadlineExceeded, "an unknown transaction's status is awaited")
		}
		return status, nil
	}}
	gc, _ := dialFake(t, srv)
	ctx := context.Background()
	// asked returns the qscc functions called and the number of commit status calls since
	// the last call, and forgets them.
	asked := func() ([]string, int) {
		mu.Lock()
		defer mu.Unlock()
		var fns []string
		for _, c := range calls {
			fns = append(fns, c[1])
		}
		n := statusCalls
		calls, statusCalls = nil, 0
		return fns, n
	}

	t.Run("a committed transaction's facts", func(t *testing.T) {
		tx, err := gc.transaction(ctx, known, nil)
		require.NoError(t, err)
		require.Equal(t, known, tx.TransactionID)
		require.Equal(t, "VALID", tx.Status)
		require.Equal(t, int32(0), *tx.ValidationCode)
		require.Equal(t, uint64(17), *tx.BlockNumber)
		require.Equal(t, "govchannel", tx.Channel)
		require.Equal(t, "2026-11-27T10:00:00Z", tx.Timestamp.Format(time.RFC3339))
		require.Equal(t, "TaxMSP", tx.Creator.MSPID)
		require.Equal(t, "CN=invoice-issuer@tax,O=tax", tx.Creator.Subject)
		require.Equal(t, []string{"MarketMSP", "TaxMSP"}, tx.EndorsingOrgs)
		require.Len(t, tx.Endorsements, 2)
		require.Equal(t, "CN=peer0.tax,O=tax", tx.Endorsements[0].Subject)
		require.Equal(t, "govchain", tx.Chaincode)
		require.Equal(t, "invoice:Issue", tx.Function)
		require.Empty(t, tx.Result, "arguments (personal data) are not shown")
		mu.Lock()
		require.Equal(t, []string{"qscc", "GetTransactionByID", "govchannel", known}, calls[0])
		mu.Unlock()
		// Regression: the block number came from qscc GetBlockByTxID, the whole block.
		fns, statuses := asked()
		require.Equal(t, []string{"GetTransactionByID"}, fns, "the whole block is not fetched")
		require.Equal(t, 1, statuses, "the block number comes from the commit status")
	})

	t.Run("a block this gateway recorded is not asked for", func(t *testing.T) {
		recorded := uint64(16)
		tx, err := gc.transaction(ctx, known, &recorded)
		require.NoError(t, err)
		require.Equal(t, uint64(16), *tx.BlockNumber)
		fns, statuses := asked()
		require.Equal(t, []string{"GetTransactionByID"}, fns)
		require.Zero(t, statuses)
	})

	t.Run("an unknown transaction is not found", func(t *testing.T) {
		_, err := gc.transaction(ctx, "2222222222222222222222222222222222222222222222222222222222222222", nil)
		le, ok := ledger.AsError(err)
		require.True(t, ok)
		require.Equal(t, ledger.KindNotFound, le.Kind)
		_, found, err := gc.lookup(ctx, "2222222222222222222222222222222222222222222222222222222222222222")
		require.NoError(t, err)
		require.False(t, found)
		_, statuses := asked()
		require.Zero(t, statuses, "the commit status of an unknown transaction is never awaited")
	})

	t.Run("lookup reads code and block", func(t *testing.T) {
		st, found, err := gc.lookup(ctx, known)
		require.NoError(t, err)
		require.True(t, found)
		require.Equal(t, txStatus{Code: peer.TxValidationCode_VALID, Block: 17}, st)
		fns, statuses := asked()
		require.Equal(t, []string{"GetTransactionByID"}, fns, "the whole block is not fetched")
		require.Equal(t, 1, statuses)
	})

	t.Run("a commit status about another copy of the transaction: its block is read", func(t *testing.T) {
		mu.Lock()
		status = &gateway.CommitStatusResponse{Result: peer.TxValidationCode_DUPLICATE_TXID, BlockNumber: 20}
		mu.Unlock()
		defer func() {
			mu.Lock()
			status = &gateway.CommitStatusResponse{Result: peer.TxValidationCode_VALID, BlockNumber: 17}
			mu.Unlock()
		}()
		st, found, err := gc.lookup(ctx, known)
		require.NoError(t, err)
		require.True(t, found)
		require.Equal(t, txStatus{Code: peer.TxValidationCode_VALID, Block: 17}, st)
		tx, err := gc.transaction(ctx, known, nil)
		require.NoError(t, err)
		require.Equal(t, uint64(17), *tx.BlockNumber)
		fns, _ := asked()
		require.Equal(t, []string{"GetTransactionByID", "GetBlockByTxID", "GetTransactionByID", "GetBlockByTxID"}, fns)
	})

	t.Run("height", func(t *testing.T) {
		h, err := gc.height(ctx)
		require.NoError(t, err)
		require.Equal(t, uint64(42), h)
	})
}

func TestGatewayConnEvents(t *testing.T) {
	reqs := make(chan *gateway.ChaincodeEventsRequest, 4)
	srv := &fakeGateway{events: func(req *gateway.ChaincodeEventsRequest, stream grpc.ServerStreamingServer[gateway.ChaincodeEventsResponse]) error {
		reqs <- req
		for b := uint64(5); b < 7; b++ {
			err := stream.Send(&gateway.ChaincodeEventsResponse{BlockNumber: b, Events: []*peer.ChaincodeEvent{
				{ChaincodeId: "govchain", TxId: "a", EventName: "InvoiceIssued", Payload: []byte(`{"k":1}`)},
				{ChaincodeId: "govchain", TxId: "b", EventName: "InvoiceReversed", Payload: []byte(`{"k":2}`)},
			}})
			if err != nil {
				return err
			}
		}
		return nil // stream ends
	}}
	gc, _ := dialFake(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	t.Run("events come in order, then the channel closes", func(t *testing.T) {
		ch, err := gc.events(ctx, 5, "")
		require.NoError(t, err)
		var got []string
		for ev := range ch {
			got = append(got, ev.EventName+"@"+string(rune('0'+ev.BlockNumber))+"/"+ev.TransactionID)
		}
		require.Equal(t, []string{"InvoiceIssued@5/a", "InvoiceReversed@5/b", "InvoiceIssued@6/a", "InvoiceReversed@6/b"}, got)
		req := <-reqs
		require.Equal(t, "govchain", req.GetChaincodeId())
		require.Equal(t, uint64(5), req.GetStartPosition().GetSpecified().GetNumber())
		require.Empty(t, req.GetAfterTransactionId())
	})

	t.Run("a resume asks for the events after a transaction", func(t *testing.T) {
		ch, err := gc.events(ctx, 6, "a")
		require.NoError(t, err)
		for range ch {
		}
		req := <-reqs
		require.IsType(t, &orderer.SeekPosition_Specified{}, req.GetStartPosition().GetType())
		require.Equal(t, uint64(6), req.GetStartPosition().GetSpecified().GetNumber())
		require.Equal(t, "a", req.GetAfterTransactionId())
	})
}

func TestLedgerOverGateway(t *testing.T) {
	t.Run("DUPLICATE_TXID after a lost commit status reads the real status", func(t *testing.T) {
		var statuses int
		srv := &fakeGateway{
			commitStatus: func(ctx context.Context, req *gateway.CommitStatusRequest) (*gateway.CommitStatusResponse, error) {
				statuses++
				if statuses == 1 {
					return nil, statusWithDetails(codes.DeadlineExceeded, "context deadline exceeded")
				}
				return &gateway.CommitStatusResponse{Result: peer.TxValidationCode_DUPLICATE_TXID, BlockNumber: 14}, nil
			},
		}
		var txID string
		srv.evaluate = func(_ context.Context, cc string, args []string) (*gateway.EvaluateResponse, error) {
			switch {
			case args[0] == "GetTransactionByID" && statuses >= 2:
				return &gateway.EvaluateResponse{Result: &peer.Response{Payload: mustMarshal(&peer.ProcessedTransaction{ValidationCode: 0})}}, nil
			case args[0] == "GetBlockByTxID":
				return &gateway.EvaluateResponse{Result: &peer.Response{Payload: mustMarshal(&common.Block{Header: &common.BlockHeader{Number: 13}})}}, nil
			}
			return nil, statusWithDetails(codes.Unknown, "evaluate call to endorser returned error: chaincode response 500, Failed to get block for txID "+args[2]+", error no such transaction ID ["+args[2]+"] in index")
		}
		gc, _ := dialFake(t, srv)
		tl := newTestLedger(t, "", map[ledger.Caller]conn{registrar: gc})
		res, err := tl.Submit(context.Background(), registerCall(), func(id string) error { txID = id; return nil })
		require.NoError(t, err)
		require.Equal(t, txID, res.TransactionID)
		require.Equal(t, uint64(13), res.BlockNumber, "the block of the original commit, not of the duplicate")
	})
}
