package contracts_test

import (
	"sort"
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

// scenario runs a mixed sequence of transactions touching every write path.
func scenario(t *testing.T) *harness {
	h := newHarness(t)
	a, b := usccFor(t, 1), usccFor(t, 2)
	h.register(a, "甲公司")
	h.register(b, "乙公司")
	h.call(registrar, "business:Amend", a, `{"changes":{"name":"甲新公司","address":"新址"},"reason":"变更"}`).ok(t)
	h.call(registrar, "business:ChangeStatus", b, "SUSPENDED", "异常").ok(t)
	h.issue(invoiceNumber(1), a)
	h.call(taxIssuer, "invoice:Reverse", invoiceNumber(1), mustJSON(t, reverseRequest(invoiceNumber(2), 700))).ok(t)
	h.call(notaryFinance, "invoice:ClaimReimbursement", invoiceNumber(1), `{"reference":"R1"}`).ok(t)
	h.call(notaryFinance, "invoice:ReleaseReimbursement", invoiceNumber(1), "作废").ok(t)
	e := h.deposit(marketDepositor, hashOf('f'))
	h.call(marketDepositor, "evidence:DepositBatch", mustJSON(t, domain.DepositBatchRequest{Items: []domain.DepositRequest{depositRequest(hashOf('1')), depositRequest(hashOf('2'))}})).ok(t)
	h.call(notary, "evidence:Certify", e.ID, `{"certificate_number":"C1"}`).ok(t)
	h.call(marketDepositor, "evidence:Revoke", e.ID, "撤回").ok(t)
	return h
}

func TestSameInputsGiveByteIdenticalLedgers(t *testing.T) {
	// Each run uses fresh certificates (new random keys): only the inputs that matter to
	// the ledger (MSP, CN, role, tx id, timestamp, args) are the same.
	creatorsMu.Lock()
	saved := creators
	creators = map[identity][]byte{}
	creatorsMu.Unlock()
	first := scenario(t)
	creatorsMu.Lock()
	creators = saved
	creatorsMu.Unlock()
	second := scenario(t)

	keys := func(m map[string][]byte) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	require.Equal(t, keys(first.ledger.state), keys(second.ledger.state))
	for k, v := range first.ledger.state {
		require.Equal(t, string(v), string(second.ledger.state[k]), "state of %q", k)
	}
	require.Equal(t, first.ledger.vparams, second.ledger.vparams)
	require.Equal(t, first.ledger.events, second.ledger.events)
	require.Greater(t, len(first.ledger.state), 15, "the scenario wrote records and indexes")
}
