package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/stretchr/testify/require"
)

// TestRoutes covers every route: the chaincode call it makes (function and argument order)
// and the refusals made before anything reaches Fabric.
func TestRoutes(t *testing.T) {
	cases := []routeCase{
		// businesses
		{"register a business", request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: registerBody}, 201, "", "business:Register", nil},
		{"get a business", request{method: "GET", path: "/api/v1/businesses/" + uscc, key: keyAuditor}, 200, "", "business:Get", []string{uscc}},
		{"get a business with a malformed USCC", request{method: "GET", path: "/api/v1/businesses/123", key: keyAuditor}, 400, "INVALID", "", nil},
		{"get a business with a lower-case USCC", request{method: "GET", path: "/api/v1/businesses/91430111ma4l41yt1u", key: keyAuditor}, 400, "INVALID", "", nil},
		{"amend a business", request{method: "PATCH", path: "/api/v1/businesses/" + uscc, key: keyRegistrar, body: amendBody}, 200, "", "business:Amend", nil},
		{"amend without any change", request{method: "PATCH", path: "/api/v1/businesses/" + uscc, key: keyRegistrar, body: `{"changes":{},"reason":"x"}`}, 400, "INVALID", "", nil},
		{"change a business's status", request{method: "POST", path: "/api/v1/businesses/" + uscc + "/status", key: keyRegistrar, body: `{"status":"SUSPENDED","reason":"年报逾期"}`}, 200, "", "business:ChangeStatus", []string{uscc, "SUSPENDED", "年报逾期"}},
		{"change to an unknown status", request{method: "POST", path: "/api/v1/businesses/" + uscc + "/status", key: keyRegistrar, body: `{"status":"ASLEEP","reason":"x"}`}, 400, "INVALID", "", nil},
		{"list businesses", request{method: "GET", path: "/api/v1/businesses?status=ACTIVE&name_prefix=%E9%95%BF&page_size=10&bookmark=bm", key: keyAuditor}, 200, "", "business:List", []string{"ACTIVE", "长", "10", "bm"}},
		{"list businesses with defaults", request{method: "GET", path: "/api/v1/businesses", key: keyAuditor}, 200, "", "business:List", []string{"", "", "0", ""}},
		{"list with a bad status", request{method: "GET", path: "/api/v1/businesses?status=nope", key: keyAuditor}, 400, "INVALID", "", nil},
		{"list with a bad page size", request{method: "GET", path: "/api/v1/businesses?page_size=101", key: keyAuditor}, 400, "INVALID", "", nil},
		{"list with a non-numeric page size", request{method: "GET", path: "/api/v1/businesses?page_size=ten", key: keyAuditor}, 400, "INVALID", "", nil},
		{"business history", request{method: "GET", path: "/api/v1/businesses/" + uscc + "/history?page_size=5&bookmark=b", key: keyAuditor}, 200, "", "business:History", []string{uscc, "5", "b"}},

		// invoices
		{"issue an invoice", request{method: "POST", path: "/api/v1/invoices", key: keyIssuer, body: issueBody}, 201, "", "invoice:Issue", nil},
		{"issue an invoice whose totals do not add up", request{method: "POST", path: "/api/v1/invoices", key: keyIssuer, body: strings.Replace(issueBody, `"total_fen":106000`, `"total_fen":106001`, 1)}, 422, "UNPROCESSABLE", "", nil},
		{"get an invoice", request{method: "GET", path: "/api/v1/invoices/" + invoiceNumber, key: keyFinance}, 200, "", "invoice:Get", []string{invoiceNumber}},
		{"get an invoice with a 19-digit number", request{method: "GET", path: "/api/v1/invoices/2444200000000000000", key: keyFinance}, 400, "INVALID", "", nil},
		{"get an invoice with letters in the number", request{method: "GET", path: "/api/v1/invoices/2444200000000000000X", key: keyFinance}, 400, "INVALID", "", nil},
		{"claim reimbursement", request{method: "POST", path: "/api/v1/invoices/" + invoiceNumber + "/reimbursement", key: keyFinance, body: `{"reference":"BX-2026-001"}`}, 200, "", "invoice:ClaimReimbursement", []string{invoiceNumber, `{"reference":"BX-2026-001"}`}},
		{"claim reimbursement without a body", request{method: "POST", path: "/api/v1/invoices/" + invoiceNumber + "/reimbursement", key: keyFinance}, 200, "", "invoice:ClaimReimbursement", []string{invoiceNumber, `{}`}},
		{"release reimbursement, reason in the body", request{method: "DELETE", path: "/api/v1/invoices/" + invoiceNumber + "/reimbursement", key: keyFinance, body: `{"reason":"误报"}`}, 200, "", "invoice:ReleaseReimbursement", []string{invoiceNumber, "误报"}},
		{"release reimbursement, reason in the query", request{method: "DELETE", path: "/api/v1/invoices/" + invoiceNumber + "/reimbursement?reason=wrong", key: keyFinance}, 200, "", "invoice:ReleaseReimbursement", []string{invoiceNumber, "wrong"}},
		{"release reimbursement without a reason", request{method: "DELETE", path: "/api/v1/invoices/" + invoiceNumber + "/reimbursement", key: keyFinance}, 400, "INVALID", "", nil},
		{"reverse an invoice", request{method: "POST", path: "/api/v1/invoices/" + invoiceNumber + "/reversal", key: keyIssuer, body: reverseBody}, 201, "", "invoice:Reverse", nil},
		{"list invoices of a seller", request{method: "GET", path: "/api/v1/invoices?seller=" + uscc + "&page_size=3", key: keyAuditor}, 200, "", "invoice:List", []string{uscc, "3", ""}},
		{"list invoices of a malformed seller", request{method: "GET", path: "/api/v1/invoices?seller=x", key: keyAuditor}, 400, "INVALID", "", nil},
		{"invoice history", request{method: "GET", path: "/api/v1/invoices/" + invoiceNumber + "/history", key: keyAuditor}, 200, "", "invoice:History", []string{invoiceNumber, "0", ""}},

		// evidence
		{"deposit evidence as JSON", request{method: "POST", path: "/api/v1/evidence", key: keyDepositor, body: depositBody}, 201, "", "evidence:Deposit", nil},
		{"deposit evidence with a short hash", request{method: "POST", path: "/api/v1/evidence", key: keyDepositor, body: strings.Replace(depositBody, "9F86", "9F", 1)}, 400, "INVALID", "", nil},
		{"deposit a batch", request{method: "POST", path: "/api/v1/evidence/batch", key: keyDepositor, body: `{"items":[` + depositBody + `]}`}, 201, "", "evidence:DepositBatch", nil},
		{"deposit an empty batch", request{method: "POST", path: "/api/v1/evidence/batch", key: keyDepositor, body: `{"items":[]}`}, 400, "INVALID", "", nil},
		{"get evidence", request{method: "GET", path: "/api/v1/evidence/" + evidenceID, key: keyAuditor}, 200, "", "evidence:Get", []string{evidenceID}},
		{"get evidence with an upper-case id", request{method: "GET", path: "/api/v1/evidence/0123456789ABCDEF0123456789ABCDEF", key: keyAuditor}, 400, "INVALID", "", nil},
		{"get evidence with a short id", request{method: "GET", path: "/api/v1/evidence/0123", key: keyAuditor}, 400, "INVALID", "", nil},
		{"verify a hash", request{method: "POST", path: "/api/v1/evidence/verify", key: keyAuditor, body: `{"hash":"` + strings.ToUpper(sha) + `"}`}, 200, "", "evidence:VerifyByHash", []string{"sha256", sha}},
		{"certify evidence", request{method: "POST", path: "/api/v1/evidence/" + evidenceID + "/certification", key: keyNotary, body: `{"certificate_number":"(2026)湘长证字第1号"}`}, 200, "", "evidence:Certify", []string{evidenceID, `{"certificate_number":"(2026)湘长证字第1号"}`}},
		{"revoke evidence", request{method: "POST", path: "/api/v1/evidence/" + evidenceID + "/revocation", key: keyDepositor, body: `{"reason":"重复提交"}`}, 200, "", "evidence:Revoke", []string{evidenceID, "重复提交"}},
		{"revoke evidence without a reason", request{method: "POST", path: "/api/v1/evidence/" + evidenceID + "/revocation", key: keyDepositor, body: `{}`}, 400, "INVALID", "", nil},
		{"evidence history", request{method: "GET", path: "/api/v1/evidence/" + evidenceID + "/history", key: keyAuditor}, 200, "", "evidence:History", []string{evidenceID, "0", ""}},

		// transactions
		{"a malformed transaction id", request{method: "GET", path: "/api/v1/transactions/xyz", key: keyAuditor}, 400, "INVALID", "", nil},
		{"an unknown transaction", request{method: "GET", path: "/api/v1/transactions/" + txID, key: keyAuditor}, 404, "NOT_FOUND", "", nil},

		// authentication
		{"no API key", request{method: "GET", path: "/api/v1/businesses/" + uscc}, 401, "UNAUTHENTICATED", "", nil},
		{"an unknown API key", request{method: "GET", path: "/api/v1/businesses/" + uscc, key: "guess"}, 401, "UNAUTHENTICATED", "", nil},
		{"no API key on a write", request{method: "POST", path: "/api/v1/businesses", body: registerBody}, 401, "UNAUTHENTICATED", "", nil},

		// early permission checks (403 before Fabric)
		{"the audit office may not write", request{method: "POST", path: "/api/v1/evidence", key: keyAuditor, body: depositBody}, 403, "FORBIDDEN", "", nil},
		{"an admin may not write", request{method: "POST", path: "/api/v1/businesses", key: keyAdmin, body: registerBody}, 403, "FORBIDDEN", "", nil},
		{"a tax issuer may not register businesses", request{method: "POST", path: "/api/v1/businesses", key: keyIssuer, body: registerBody}, 403, "FORBIDDEN", "", nil},
		{"permission is checked before the body", request{method: "POST", path: "/api/v1/businesses", key: keyAuditor, body: `{"uscc":`}, 403, "FORBIDDEN", "", nil},
		{"a depositor may not certify", request{method: "POST", path: "/api/v1/evidence/" + evidenceID + "/certification", key: keyDepositor, body: `{"certificate_number":"1"}`}, 403, "FORBIDDEN", "", nil},

		// malformed bodies
		{"malformed JSON", request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: `{"uscc":`}, 400, "INVALID", "", nil},
		{"an unknown field", request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: strings.Replace(registerBody, `{"uscc"`, `{"colour":"red","uscc"`, 1)}, 400, "INVALID", "", nil},
		{"trailing data", request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: registerBody + `{}`}, 400, "INVALID", "", nil},
		{"a wrong type", request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: strings.Replace(registerBody, `100000000`, `"lots"`, 1)}, 400, "INVALID", "", nil},
		{"an empty body", request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar}, 400, "INVALID", "", nil},
		{"an oversized body", request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: `{"name":"` + strings.Repeat("x", 5000) + `"}`}, 400, "INVALID", "", nil},
		{"a body that is not JSON", request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: "uscc=1", contentType: "application/x-www-form-urlencoded"}, 415, "UNSUPPORTED_MEDIA_TYPE", "", nil},
		{"a bad async flag", request{method: "POST", path: "/api/v1/businesses?async=maybe", key: keyRegistrar, body: registerBody}, 400, "INVALID", "", nil},

		// routing
		{"an unknown route", request{method: "GET", path: "/api/v1/nothing", key: keyAuditor}, 404, "NOT_FOUND", "", nil},
		{"a wrong method", request{method: "PUT", path: "/api/v1/businesses/" + uscc, key: keyRegistrar}, 405, "METHOD_NOT_ALLOWED", "", nil},
	}
	runRouteCases(t, cases)
}

// routeCase is one request to the API over the fake ledger and what must come of it.
type routeCase struct {
	name   string
	req    request
	status int
	code   string   // error code for error answers
	call   string   // expected contract:Function ("" = no Fabric call)
	args   []string // expected arguments (nil = not checked)
}

// runRouteCases sends each case's request to a fresh server and checks the status, the error
// code, that every answer has a request id, and the one Fabric call made (or that none was),
// signed with the API key's identity.
func runRouteCases(t *testing.T, cases []routeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, nil)
			w := h.do(c.req)
			require.Equal(t, c.status, w.Code, w.Body.String())
			require.NotEmpty(t, w.Header().Get("X-Request-ID"))
			if c.code != "" {
				e := errorOf(t, w)
				require.Equal(t, c.code, e.Code)
				require.NotEmpty(t, e.Message)
			}
			calls := h.ledger.Calls()
			if c.call == "" {
				require.Empty(t, calls, "nothing may reach Fabric")
				return
			}
			require.Len(t, calls, 1)
			require.Equal(t, c.call, calls[0].Name())
			if c.args != nil {
				require.Equal(t, c.args, append([]string{}, calls[0].Args...))
			}
			p := testKeys()[hashKey(c.req.key)]
			require.Equal(t, ledger.Caller{Org: p.Org, Role: p.Role}, calls[0].Caller, "signed with the key's identity")
		})
	}
}

func TestWriteAnswers(t *testing.T) {
	t.Run("a committed write answers the record with transaction_id and block_number", func(t *testing.T) {
		h := newHarness(t, &fakeLedger{submit: func(call ledger.Call, hooks []ledger.PreparedHook) (*ledger.Committed, error) {
			return &ledger.Committed{TransactionID: txID, BlockNumber: 42, Result: []byte(`{"uscc":"` + uscc + `","status":"ACTIVE"}`)}, nil
		}})
		w := h.do(request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: registerBody})
		require.Equal(t, http.StatusCreated, w.Code)
		require.JSONEq(t, `{"uscc":"`+uscc+`","status":"ACTIVE","transaction_id":"`+txID+`","block_number":42}`, w.Body.String())
	})

	t.Run("the request sent to the chaincode is the normalised request", func(t *testing.T) {
		h := newHarness(t, nil)
		w := h.do(request{method: "POST", path: "/api/v1/evidence", key: keyDepositor, body: depositBody})
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
		var sent map[string]any
		require.NoError(t, json.Unmarshal([]byte(h.ledger.Calls()[0].Args[0]), &sent))
		require.Equal(t, sha, sent["hash"])
		require.Equal(t, "sha256", sent["hash_algorithm"])
	})

	t.Run("async answers 202 with the transaction id and a status URL", func(t *testing.T) {
		h := newHarness(t, &fakeLedger{transaction: func(_ ledger.Caller, id string) (*ledger.Transaction, error) {
			return &ledger.Transaction{TransactionID: id, Status: ledger.StatusPending}, nil
		}})
		w := h.do(request{method: "POST", path: "/api/v1/businesses?async=true", key: keyRegistrar, body: registerBody})
		require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
		m := jsonOf(t, w)
		id := m["transaction_id"].(string)
		require.Equal(t, "PENDING", m["status"])
		require.Equal(t, "/api/v1/transactions/"+id, m["status_url"])
		require.Equal(t, "/api/v1/transactions/"+id, w.Header().Get("Location"))

		poll := h.do(request{method: "GET", path: "/api/v1/transactions/" + id, key: keyRegistrar})
		require.Equal(t, http.StatusOK, poll.Code)
		require.Equal(t, "PENDING", jsonOf(t, poll)["status"])
	})

	t.Run("a transaction's ledger facts", func(t *testing.T) {
		block, code := uint64(9), int32(0)
		h := newHarness(t, &fakeLedger{transaction: func(_ ledger.Caller, id string) (*ledger.Transaction, error) {
			return &ledger.Transaction{TransactionID: id, Status: "VALID", ValidationCode: &code, BlockNumber: &block,
				Creator: &ledger.Signer{MSPID: "TaxMSP", Subject: "CN=invoice-issuer"}, EndorsingOrgs: []string{"MarketMSP", "TaxMSP"},
				Chaincode: "govchain", Function: "invoice:Issue"}, nil
		}})
		w := h.do(request{method: "GET", path: "/api/v1/transactions/" + txID, key: keyAuditor})
		require.Equal(t, http.StatusOK, w.Code)
		m := jsonOf(t, w)
		require.Equal(t, float64(9), m["block_number"])
		require.Equal(t, "invoice:Issue", m["function"])
		require.Equal(t, []any{"MarketMSP", "TaxMSP"}, m["endorsing_orgs"])
	})

	t.Run("verify answers found with the record", func(t *testing.T) {
		h := newHarness(t, &fakeLedger{evaluate: func(ledger.Call) ([]byte, error) { return []byte(`{"id":"` + evidenceID + `"}`), nil }})
		w := h.do(request{method: "POST", path: "/api/v1/evidence/verify", key: keyAuditor, body: `{"hash":"` + sha + `","hash_algorithm":"sm3"}`})
		require.Equal(t, http.StatusOK, w.Code)
		require.JSONEq(t, `{"found":true,"hash_algorithm":"sm3","hash":"`+sha+`","evidence":{"id":"`+evidenceID+`"}}`, w.Body.String())
	})

	t.Run("verify answers not found", func(t *testing.T) {
		h := newHarness(t, &fakeLedger{evaluate: func(ledger.Call) ([]byte, error) {
			return nil, &ledger.Error{Kind: ledger.KindContract, Code: "NOT_FOUND", Message: "no evidence with sha256 hash …"}
		}})
		w := h.do(request{method: "POST", path: "/api/v1/evidence/verify", key: keyAuditor, body: `{"hash":"` + sha + `"}`})
		require.Equal(t, http.StatusOK, w.Code)
		require.JSONEq(t, `{"found":false,"hash_algorithm":"sha256","hash":"`+sha+`"}`, w.Body.String())
	})
}

func TestRecordWithTx(t *testing.T) {
	cases := map[string]string{
		`{"a":1}`:       `{"a":1,"transaction_id":"t","block_number":3}`,
		` { "a" : 1 } `: `{ "a" : 1,"transaction_id":"t","block_number":3}`,
		`{}`:            `{"transaction_id":"t","block_number":3}`,
		`[1]`:           `{"result":[1],"transaction_id":"t","block_number":3}`,
		``:              `{"result":null,"transaction_id":"t","block_number":3}`,
	}
	for in, want := range cases {
		t.Run(in, func(t *testing.T) {
			got := recordWithTx([]byte(in), "t", 3)
			require.True(t, json.Valid(got), string(got))
			require.JSONEq(t, want, string(got))
		})
	}
}

// Regression (found by FuzzWriteBody and FuzzQueryAndPathParams): the gateway checked only
// that a reason was not blank; control characters, more than 2000 characters and personal ID
// numbers went to the peers in the proposal, for the chaincode to refuse.
func TestReasonsAreCheckedBeforeFabric(t *testing.T) {
	routes := []struct {
		name, method, path, key string
		body                    func(reason string) string
	}{
		{"business status", "POST", "/api/v1/businesses/" + uscc + "/status", keyRegistrar, func(r string) string { return `{"status":"SUSPENDED","reason":` + mustJSONString(r) + `}` }},
		{"reimbursement release", "DELETE", "/api/v1/invoices/" + invoiceNumber + "/reimbursement", keyFinance, func(r string) string { return `{"reason":` + mustJSONString(r) + `}` }},
		{"reimbursement release, reason in the query", "DELETE", "/api/v1/invoices/" + invoiceNumber + "/reimbursement?reason=", keyFinance, nil},
		{"evidence revocation", "POST", "/api/v1/evidence/" + evidenceID + "/revocation", keyDepositor, func(r string) string { return `{"reason":` + mustJSONString(r) + `}` }},
		{"grant revocation", "DELETE", "/api/v1/grants/0123456789abcdef0123456789abcdef", keyRegistrar, func(r string) string { return `{"reason":` + mustJSONString(r) + `}` }},
		{"personal data erasure", "DELETE", "/api/v1/businesses/" + uscc + "/personal", keyRegistrar, func(r string) string { return `{"reason":` + mustJSONString(r) + `}` }},
	}
	reasons := []struct {
		name, reason string
		status       int
	}{
		{"a control character", "a\x01b", http.StatusBadRequest},
		{"over 2000 characters", strings.Repeat("长", 2001), http.StatusBadRequest},
		{"a personal ID number", "应 11010519491231002X 本人申请", http.StatusUnprocessableEntity},
	}
	for _, rt := range routes {
		for _, rs := range reasons {
			t.Run(rt.name+" with "+rs.name, func(t *testing.T) {
				h := newHarness(t, nil, func(c *Config) { c.MaxJSONBytes = 64 << 10 })
				req := request{method: rt.method, path: rt.path, key: rt.key}
				if rt.body != nil {
					req.body = rt.body(rs.reason)
				} else {
					req.path += url.QueryEscape(rs.reason)
				}
				w := h.do(req)
				require.Equal(t, rs.status, w.Code, w.Body.String())
				require.Contains(t, errorOf(t, w).Message, "reason")
				require.Empty(t, h.ledger.Calls(), "nothing may reach Fabric")
			})
		}
	}
}

func mustJSONString(s string) string { return string(mustJSON(s)) }
