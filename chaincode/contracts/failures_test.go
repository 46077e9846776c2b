package contracts_test

import (
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/stretchr/testify/require"
)

// Ledger failures are internal errors: no code prefix, so the gateway answers 500/502
// instead of blaming the request.
func TestLedgerFailuresAreInternalErrors(t *testing.T) {
	type call struct {
		id   identity
		fn   string
		args func(h *harness) []string
	}
	var seller, evidenceID string // set by setup
	setup := func(t *testing.T) *harness {
		h := newHarness(t)
		seller = usccFor(t, 1)
		h.register(seller, "故障公司")
		h.issue(invoiceNumber(1), seller)
		evidenceID = h.deposit(marketDepositor, hashOf('a')).ID
		return h
	}
	newBiz := func(h *harness) []string { return []string{mustJSON(h.t, registration(usccFor(h.t, 2), "新公司"))} }
	calls := map[string]call{
		"register":     {registrar, "business:Register", newBiz},
		"amend":        {registrar, "business:Amend", func(*harness) []string { return []string{seller, `{"changes":{"name":"改名"},"reason":"r"}`} }},
		"status":       {registrar, "business:ChangeStatus", func(*harness) []string { return []string{seller, "SUSPENDED", "r"} }},
		"get business": {auditor, "business:Get", func(*harness) []string { return []string{seller} }},
		"list":         {auditor, "business:List", func(*harness) []string { return []string{"", "", "0", ""} }},
		"list status":  {auditor, "business:List", func(*harness) []string { return []string{"ACTIVE", "", "0", ""} }},
		"history":      {auditor, "business:History", func(*harness) []string { return []string{seller, "0", ""} }},
		"issue":        {taxIssuer, "invoice:Issue", func(h *harness) []string { return []string{mustJSON(h.t, issueRequest(invoiceNumber(2), seller))} }},
		"reverse": {taxIssuer, "invoice:Reverse", func(h *harness) []string {
			return []string{invoiceNumber(1), mustJSON(h.t, reverseRequest(invoiceNumber(3), 10))}
		}},
		"claim":         {marketFinance, "invoice:ClaimReimbursement", func(*harness) []string { return []string{invoiceNumber(1), "{}"} }},
		"get invoice":   {auditor, "invoice:Get", func(*harness) []string { return []string{invoiceNumber(1)} }},
		"list invoices": {auditor, "invoice:List", func(*harness) []string { return []string{seller, "0", ""} }},
		"list all":      {auditor, "invoice:List", func(*harness) []string { return []string{"", "0", ""} }},
		"deposit":       {marketDepositor, "evidence:Deposit", func(h *harness) []string { return []string{mustJSON(h.t, depositRequest(hashOf('b')))} }},
		"batch": {marketDepositor, "evidence:DepositBatch", func(h *harness) []string {
			return []string{mustJSON(h.t, domain.DepositBatchRequest{Items: []domain.DepositRequest{depositRequest(hashOf('c'))}})}
		}},
		"certify":      {notary, "evidence:Certify", func(*harness) []string { return []string{evidenceID, `{"certificate_number":"1"}`} }},
		"get evidence": {auditor, "evidence:Get", func(*harness) []string { return []string{evidenceID} }},
		"verify":       {auditor, "evidence:VerifyByHash", func(*harness) []string { return []string{"sha256", hashOf('a')} }},
	}
	cases := []struct {
		fail  string
		calls []string
	}{
		{"GetState", []string{"register", "amend", "status", "get business", "list", "issue", "reverse", "claim", "get invoice", "list invoices", "deposit", "batch", "certify", "get evidence", "verify"}},
		{"PutState", []string{"register", "amend", "status", "issue", "reverse", "claim", "deposit", "certify"}},
		{"PutState:idx", []string{"register", "status", "amend", "issue", "deposit"}},
		{"DelState", []string{"amend", "status"}},
		{"SetStateValidationParameter", []string{"register", "issue", "reverse", "deposit"}},
		{"SetEvent", []string{"register", "amend", "status", "issue", "reverse", "claim", "deposit", "batch", "certify"}},
		{"GetTxTimestamp", []string{"register", "issue", "deposit"}},
		{"GetStateByRangeWithPagination", []string{"list", "list invoices"}},
		{"GetHistoryForKey", []string{"history"}},
	}
	for _, c := range cases {
		for _, name := range c.calls {
			t.Run(c.fail+" during "+name, func(t *testing.T) {
				h := setup(t)
				cl := calls[name]
				args := cl.args(h)
				h.ledger.fail = c.fail
				res := h.call(cl.id, cl.fn, args...)
				require.NotEqual(t, int32(shim.OK), res.status)
				_, coded := domain.ParseError(res.message)
				require.False(t, coded, "an internal error must carry no code: %q", res.message)
				require.Contains(t, res.message, "peer unavailable")
			})
		}
	}
}

func TestCorruptRecordsAreInternalErrors(t *testing.T) {
	h := newHarness(t)
	seller := usccFor(t, 1)
	h.register(seller, "损坏公司")
	h.issue(invoiceNumber(1), seller)
	h.ledger.state["biz~"+seller] = []byte("{not json")
	h.ledger.state["inv~"+invoiceNumber(1)] = []byte("[]")
	for _, c := range []struct {
		fn   string
		args []string
	}{
		{"business:ChangeStatus", []string{seller, "SUSPENDED", "r"}},
		{"business:List", []string{"", "", "0", ""}},
		{"invoice:List", []string{"", "0", ""}},
		{"invoice:ClaimReimbursement", []string{invoiceNumber(1), "{}"}},
	} {
		t.Run(c.fn, func(t *testing.T) {
			id := registrar
			if c.fn == "invoice:ClaimReimbursement" {
				id = marketFinance
			}
			if c.fn == "business:List" || c.fn == "invoice:List" {
				id = auditor
			}
			res := h.call(id, c.fn, c.args...)
			require.NotEqual(t, int32(shim.OK), res.status)
			_, coded := domain.ParseError(res.message)
			require.False(t, coded, res.message)
			require.Contains(t, res.message, "decode")
		})
	}
}
