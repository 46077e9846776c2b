package fabric

import (
	"context"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// statusWithDetails is a gRPC status as the Fabric Gateway builds it: a code, a message and
// one ErrorDetail per peer (or orderer) that failed.
func statusWithDetails(code codes.Code, msg string, details ...*gateway.ErrorDetail) error {
	st := status.New(code, msg)
	for _, d := range details {
		var err error
		st, err = st.WithDetails(d)
		if err != nil {
			panic(err)
		}
	}
	return st.Err()
}

func TestParseContractError(t *testing.T) {
	cases := []struct {
		text, code, msg string
	}{
		{"chaincode response 500, CONFLICT: invoice 044031900111 is already claimed", "CONFLICT", "invoice 044031900111 is already claimed"},
		{"error 500 returned from chaincode govchain on channel govchannel: NOT_FOUND: business 91430111MA4L41YT1U is not registered", "NOT_FOUND", "business 91430111MA4L41YT1U is not registered"},
		{"evaluate call to endorser returned error: INVALID: uscc must be 18 characters", "INVALID", "uscc must be 18 characters"},
		{"FORBIDDEN: invoice:Issue may only be called by TaxMSP", "FORBIDDEN", "invoice:Issue may only be called by TaxMSP"},
		{"chaincode response 500, UNPROCESSABLE: total_fen is 113, computed 114", "UNPROCESSABLE", "total_fen is 113, computed 114"},
	}
	for _, c := range cases {
		t.Run(c.text, func(t *testing.T) {
			code, msg, ok := parseContractError(c.text)
			require.True(t, ok)
			require.Equal(t, c.code, code)
			require.Equal(t, c.msg, msg)
		})
	}
	for _, text := range []string{
		"could not launch chaincode govchain_1.0: connection refused",
		"MY_CONFLICT: not a code",
		"chaincode response 500, conflict: lower case is no code",
	} {
		t.Run("no code in "+text, func(t *testing.T) {
			_, _, ok := parseContractError(text)
			require.False(t, ok)
		})
	}
}

// TestClassifyRealErrors sends requests through the real fabric-gateway client to a fake
// Gateway service answering like Fabric, and checks the *ledger.Error each failure becomes.
func TestClassifyRealErrors(t *testing.T) {
	tax := &gateway.ErrorDetail{Address: "peer0.tax:8051", MspId: "TaxMSP", Message: "chaincode response 500, CONFLICT: invoice 12345678901234567890 is already claimed for reimbursement by MarketMSP"}
	market := &gateway.ErrorDetail{Address: "peer0.market:7051", MspId: "MarketMSP", Message: "chaincode response 500, CONFLICT: invoice 12345678901234567890 is already claimed for reimbursement by MarketMSP"}

	endorseCases := []struct {
		name    string
		err     error
		kind    ledger.Kind
		code    string
		msg     string
		details int
	}{
		{"a chaincode error in the per-peer details is a contract error",
			statusWithDetails(codes.Aborted, "failed to endorse transaction, see attached details for more info", tax, market),
			ledger.KindContract, "CONFLICT", "invoice 12345678901234567890 is already claimed for reimbursement by MarketMSP", 0},
		{"an endorsement failure without a code keeps the per-peer details",
			statusWithDetails(codes.Aborted, "failed to endorse transaction, see attached details for more info",
				&gateway.ErrorDetail{Address: "peer0.tax:8051", MspId: "TaxMSP", Message: "could not launch chaincode govchain: connection refused"},
				&gateway.ErrorDetail{Address: "peer0.notary:9051", MspId: "NotaryMSP", Message: "timeout expired while executing transaction"}),
			ledger.KindEndorsement, "", "the peers did not endorse the transaction", 2},
		{"no endorsing peer is unavailable",
			statusWithDetails(codes.Unavailable, "no peers available to evaluate chaincode govchain in channel govchannel"),
			ledger.KindUnavailable, "", "no peer could be reached", 0},
		{"a policy that cannot be satisfied is unavailable",
			statusWithDetails(codes.FailedPrecondition, "no combination of peers can be derived which satisfy the endorsement policy"),
			ledger.KindUnavailable, "", "no peer could be reached", 0},
		{"an access refusal is an endorsement failure",
			statusWithDetails(codes.FailedPrecondition, "access denied: channel [govchannel] creator org unknown, creator is malformed"),
			ledger.KindEndorsement, "", "the peers did not endorse the transaction", 0},
	}
	for _, c := range endorseCases {
		t.Run("endorse: "+c.name, func(t *testing.T) {
			gc, _ := dialFake(t, &fakeGateway{endorse: func(context.Context, *gateway.EndorseRequest, []string) (*gateway.EndorseResponse, error) {
				return nil, c.err
			}})
			_, err := gc.endorse(context.Background(), registerCall())
			le, ok := ledger.AsError(err)
			require.True(t, ok, "%T %v", err, err)
			require.Equal(t, c.kind, le.Kind, "%v", err)
			require.Equal(t, c.code, le.Code)
			require.Equal(t, c.msg, le.Message)
			require.Len(t, le.Details, c.details)
			require.Len(t, le.TransactionID, 64, "the transaction id is kept")
		})
	}

	t.Run("endorse: a deadline is a timeout", func(t *testing.T) {
		gc, _ := dialFake(t, &fakeGateway{endorse: func(ctx context.Context, _ *gateway.EndorseRequest, _ []string) (*gateway.EndorseResponse, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := gc.endorse(ctx, registerCall())
		le, ok := ledger.AsError(err)
		require.True(t, ok)
		require.Equal(t, ledger.KindTimeout, le.Kind)
	})

	t.Run("evaluate: the chaincode's NOT_FOUND", func(t *testing.T) {
		gc, _ := dialFake(t, &fakeGateway{evaluate: func(context.Context, string, []string) (*gateway.EvaluateResponse, error) {
			// As Fabric v2.5's gateway answers a chaincode error on evaluate.
			return nil, statusWithDetails(codes.Unknown, "evaluate call to endorser returned error: chaincode response 500, NOT_FOUND: business 91430111MA4L41YT1U is not registered",
				&gateway.ErrorDetail{Address: "peer0.market:7051", MspId: "MarketMSP", Message: "chaincode response 500, NOT_FOUND: business 91430111MA4L41YT1U is not registered"})
		}})
		_, err := gc.evaluate(context.Background(), registerCall())
		le, ok := ledger.AsError(err)
		require.True(t, ok)
		require.Equal(t, ledger.KindContract, le.Kind)
		require.Equal(t, "NOT_FOUND", le.Code)
		require.Equal(t, "business 91430111MA4L41YT1U is not registered", le.Message)
	})

	submitCases := []struct {
		name      string
		err       error
		kind      ledger.Kind
		code      string
		transient bool
	}{
		{"no Raft leader is worth a resubmission",
			statusWithDetails(codes.Aborted, "received unsuccessful response from orderer: status=SERVICE_UNAVAILABLE, info=no Raft leader",
				&gateway.ErrorDetail{Address: "orderer0:7050", MspId: "OrdererMSP", Message: "received unsuccessful response from orderer: status=SERVICE_UNAVAILABLE, info=no Raft leader"}),
			ledger.KindSubmit, "SERVICE_UNAVAILABLE", true},
		{"no orderer reachable is worth a resubmission",
			statusWithDetails(codes.Unavailable, "no orderers could successfully process transaction"),
			ledger.KindUnavailable, "", true},
		{"a bad request is final",
			statusWithDetails(codes.Aborted, "received unsuccessful response from orderer: status=BAD_REQUEST, info=bad envelope"),
			ledger.KindSubmit, "BAD_REQUEST", false},
	}
	for _, c := range submitCases {
		t.Run("submit: "+c.name, func(t *testing.T) {
			gc, _ := dialFake(t, &fakeGateway{submit: func(context.Context, *gateway.SubmitRequest) (*gateway.SubmitResponse, error) {
				return nil, c.err
			}})
			p, err := gc.endorse(context.Background(), registerCall())
			require.NoError(t, err)
			err = gc.submit(context.Background(), p)
			le, ok := ledger.AsError(err)
			require.True(t, ok)
			require.Equal(t, c.kind, le.Kind, "%v", err)
			require.Equal(t, c.code, le.Code)
			require.Equal(t, p.TxID, le.TransactionID)
			require.Equal(t, c.transient, transientSubmit(err))
		})
	}

	t.Run("commit status: a timeout is a timeout with the transaction id", func(t *testing.T) {
		gc, _ := dialFake(t, &fakeGateway{commitStatus: func(ctx context.Context, _ *gateway.CommitStatusRequest) (*gateway.CommitStatusResponse, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		_, err := gc.commitStatus(ctx, "abc")
		le, ok := ledger.AsError(err)
		require.True(t, ok)
		require.Equal(t, ledger.KindTimeout, le.Kind)
		require.Equal(t, "abc", le.TransactionID)
	})

	t.Run("a commit failure names its validation code", func(t *testing.T) {
		le := commitError("abc", peer.TxValidationCode_MVCC_READ_CONFLICT, 3)
		require.Equal(t, ledger.KindCommit, le.Kind)
		require.Equal(t, "MVCC_READ_CONFLICT", le.Code)
		require.True(t, transientCommit(peer.TxValidationCode_MVCC_READ_CONFLICT))
		require.True(t, transientCommit(peer.TxValidationCode_PHANTOM_READ_CONFLICT))
		require.False(t, transientCommit(peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE))
	})
}
