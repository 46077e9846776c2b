package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

func TestToHTTP(t *testing.T) {
	peers := []ledger.PeerDetail{
		{Address: "peer0.tax:8051", MSPID: "TaxMSP", Message: "could not launch chaincode"},
		{Address: "peer0.notary:9051", MSPID: "NotaryMSP", Message: "timeout expired"},
	}
	secret := errors.New("dial tcp 10.0.0.7:7051: private detail")
	cases := []struct {
		name    string
		err     error
		status  int
		code    string
		msg     string
		txID    string
		details []errorDetail
	}{
		{"chaincode INVALID", &ledger.Error{Kind: ledger.KindContract, Code: "INVALID", Message: "uscc must be 18 characters", TransactionID: "t1"}, 400, "INVALID", "uscc must be 18 characters", "t1", nil},
		{"chaincode UNPROCESSABLE", &ledger.Error{Kind: ledger.KindContract, Code: "UNPROCESSABLE", Message: "total_fen is wrong"}, 422, "UNPROCESSABLE", "total_fen is wrong", "", nil},
		{"chaincode FORBIDDEN", &ledger.Error{Kind: ledger.KindContract, Code: "FORBIDDEN", Message: "AuditMSP is read-only"}, 403, "FORBIDDEN", "AuditMSP is read-only", "", nil},
		{"chaincode NOT_FOUND", &ledger.Error{Kind: ledger.KindContract, Code: "NOT_FOUND", Message: "business x is not registered"}, 404, "NOT_FOUND", "business x is not registered", "", nil},
		{"chaincode CONFLICT", &ledger.Error{Kind: ledger.KindContract, Code: "CONFLICT", Message: "already claimed", TransactionID: "t2"}, 409, "CONFLICT", "already claimed", "t2", nil},
		{"endorsement failure with per-peer detail", &ledger.Error{Kind: ledger.KindEndorsement, Message: "the peers did not endorse the transaction", TransactionID: "t3", Details: peers, Err: secret},
			502, "ENDORSEMENT_FAILED", "the peers did not endorse the transaction", "t3",
			[]errorDetail{{Org: "TaxMSP", Message: "could not launch chaincode"}, {Org: "NotaryMSP", Message: "timeout expired"}}},
		{"orderer refusal", &ledger.Error{Kind: ledger.KindSubmit, Code: "BAD_REQUEST", Message: "the orderer refused the transaction", Err: secret}, 502, "SUBMIT_FAILED", "the orderer refused the transaction", "", nil},
		{"no peer reachable", &ledger.Error{Kind: ledger.KindUnavailable, Message: "no peer could be reached", Err: secret}, 503, "UNAVAILABLE", "no peer could be reached", "", nil},
		{"a timeout", &ledger.Error{Kind: ledger.KindTimeout, Message: "not confirmed in time", TransactionID: "t4", Err: secret}, 504, "TIMEOUT", "not confirmed in time", "t4", nil},
		{"MVCC after the retries", &ledger.Error{Kind: ledger.KindCommit, Code: "MVCC_READ_CONFLICT", Message: "conflict", TransactionID: "t5"}, 409, "MVCC_READ_CONFLICT", "conflict", "t5", nil},
		{"PHANTOM after the retries", &ledger.Error{Kind: ledger.KindCommit, Code: "PHANTOM_READ_CONFLICT", Message: "conflict"}, 409, "PHANTOM_READ_CONFLICT", "conflict", "", nil},
		{"another commit failure", &ledger.Error{Kind: ledger.KindCommit, Code: "ENDORSEMENT_POLICY_FAILURE", Message: "policy"}, 502, "ENDORSEMENT_POLICY_FAILURE", "policy", "", nil},
		{"an unknown transaction", &ledger.Error{Kind: ledger.KindNotFound, Message: "no such transaction"}, 404, "NOT_FOUND", "no such transaction", "", nil},
		{"an internal ledger error shows nothing", &ledger.Error{Kind: ledger.KindInternal, Message: "boom", Err: secret}, 500, "INTERNAL", "internal error", "", nil},
		{"a wrapped ledger error", fmt.Errorf("op: %w", &ledger.Error{Kind: ledger.KindContract, Code: "CONFLICT", Message: "dup"}), 409, "CONFLICT", "dup", "", nil},
		{"a domain error from the gateway's validation", domain.Errorf(domain.CodeUnprocessable, "check character is W, expected U"), 422, "UNPROCESSABLE", "check character is W, expected U", "", nil},
		{"an unknown API key", &httpError{Code: codeUnauthenticated, Message: "unknown API key"}, 401, "UNAUTHENTICATED", "unknown API key", "", nil},
		{"an oversized body", tooLarge(10), 400, "INVALID", "the request body exceeds the limit of 10 bytes", "", nil},
		{"anything else", secret, 500, "INTERNAL", "internal error", "", nil},
		{"a contract error with an unknown code", &ledger.Error{Kind: ledger.KindContract, Code: "WEIRD", Message: "x"}, 500, "INTERNAL", "internal error", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body := toHTTP(c.err)
			require.Equal(t, c.status, status)
			require.Equal(t, c.code, body.Error.Code)
			require.Equal(t, c.msg, body.Error.Message)
			require.Equal(t, c.txID, body.Error.TransactionID)
			require.Equal(t, c.details, body.Error.Details)
			require.NotContains(t, string(mustJSON(body)), "10.0.0.7", "no internal detail beyond the per-peer messages")
		})
	}
}

// TestErrorAnswers checks the mapping end to end through a route and the log line.
func TestErrorAnswers(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		status int
	}{
		{"403 from the chaincode's own check", &ledger.Error{Kind: ledger.KindContract, Code: "FORBIDDEN", Message: "invoice:ReleaseReimbursement: the claim is held by TaxMSP"}, 403},
		{"404", &ledger.Error{Kind: ledger.KindContract, Code: "NOT_FOUND", Message: "invoice 24442000000000000001 does not exist"}, 404},
		{"409", &ledger.Error{Kind: ledger.KindContract, Code: "CONFLICT", Message: "invoice 24442000000000000001 is already claimed"}, 409},
		{"422", &ledger.Error{Kind: ledger.KindContract, Code: "UNPROCESSABLE", Message: "x"}, 422},
		{"502", &ledger.Error{Kind: ledger.KindEndorsement, Message: "the peers did not endorse the transaction", Details: []ledger.PeerDetail{{MSPID: "TaxMSP", Message: "could not launch chaincode"}}}, 502},
		{"503", &ledger.Error{Kind: ledger.KindUnavailable, Message: "no peer could be reached"}, 503},
		{"504", &ledger.Error{Kind: ledger.KindTimeout, Message: "late", TransactionID: txID}, 504},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, &fakeLedger{submit: func(ledger.Call, []ledger.PreparedHook) (*ledger.Committed, error) { return nil, c.err }})
			w := h.do(request{method: "POST", path: "/api/v1/invoices/" + invoiceNumber + "/reimbursement", key: keyFinance})
			require.Equal(t, c.status, w.Code, w.Body.String())
			le, _ := ledger.AsError(c.err)
			require.Equal(t, le.TransactionID, errorOf(t, w).TransactionID)
		})
	}

	t.Run("a 5xx is logged with its cause, request id and transaction id; the answer is not", func(t *testing.T) {
		h := newHarness(t, &fakeLedger{evaluate: func(ledger.Call) ([]byte, error) {
			return nil, &ledger.Error{Kind: ledger.KindUnavailable, Message: "no peer could be reached", TransactionID: txID, Err: errors.New("dial tcp 10.0.0.7:7051")}
		}})
		w := h.do(request{method: "GET", path: "/api/v1/businesses/" + uscc, key: keyAuditor, header: map[string]string{"X-Request-ID": "req-1"}})
		require.Equal(t, http.StatusServiceUnavailable, w.Code)
		require.NotContains(t, w.Body.String(), "10.0.0.7")
		logs := h.logs.String()
		require.Contains(t, logs, "10.0.0.7")
		require.Contains(t, logs, `"request_id":"req-1"`)
		require.Contains(t, logs, `"tx_id":"`+txID+`"`)
	})

	t.Run("logs carry neither API keys nor bodies", func(t *testing.T) {
		h := newHarness(t, nil)
		w := h.do(request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: registerBody})
		require.Equal(t, http.StatusCreated, w.Code)
		logs := h.logs.String()
		require.NotContains(t, logs, keyRegistrar)
		require.NotContains(t, logs, "张三")
		require.Contains(t, logs, `"org":"market"`)
		require.Contains(t, logs, `"route":"/api/v1/businesses"`)
	})

	t.Run("a panic is a 500 without detail", func(t *testing.T) {
		h := newHarness(t, &fakeLedger{evaluate: func(ledger.Call) ([]byte, error) { panic("secret state") }})
		w := h.do(request{method: "GET", path: "/api/v1/businesses/" + uscc, key: keyAuditor})
		require.Equal(t, http.StatusInternalServerError, w.Code)
		require.NotContains(t, w.Body.String(), "secret")
		require.True(t, strings.Contains(h.logs.String(), "panic"))
	})
}
