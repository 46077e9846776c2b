package contracts_test

import (
	"encoding/json"
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

// lastEvent returns the event of the last committed transaction, decoded.
func (h *harness) lastEvent(t *testing.T) (string, domain.EventPayload) {
	t.Helper()
	require.NotEmpty(t, h.ledger.events)
	ev := h.ledger.events[len(h.ledger.events)-1]
	return ev.name, decode[domain.EventPayload](t, string(ev.payload))
}

func TestEveryWriteEmitsOneDocumentedEvent(t *testing.T) {
	h := newHarness(t)
	seller := usccFor(t, 1)
	num, red := invoiceNumber(1), invoiceNumber(2)
	var evidenceID string

	steps := []struct {
		name     string
		run      func() string // returns the transaction payload
		event    string
		contract string
		key      func() string
		related  int
	}{
		{"register", func() string {
			return h.call(registrar, "business:Register", mustJSON(t, registration(seller, "事件公司"))).ok(t)
		},
			domain.EventBusinessRegistered, "business", func() string { return seller }, 1},
		{"amend", func() string {
			return h.call(registrar, "business:Amend", seller, `{"changes":{"address":"新址"},"reason":"迁址"}`).ok(t)
		}, domain.EventBusinessAmended, "business", func() string { return seller }, 1},
		{"change status", func() string { return h.call(registrar, "business:ChangeStatus", seller, "SUSPENDED", "x").ok(t) },
			domain.EventBusinessStatusChanged, "business", func() string { return seller }, 0},
		{"reactivate", func() string { return h.call(registrar, "business:ChangeStatus", seller, "ACTIVE", "y").ok(t) },
			domain.EventBusinessStatusChanged, "business", func() string { return seller }, 0},
		{"issue", func() string { return h.call(taxIssuer, "invoice:Issue", mustJSON(t, issueRequest(num, seller))).ok(t) },
			domain.EventInvoiceIssued, "invoice", func() string { return num }, 0},
		{"claim", func() string { return h.call(taxFinance, "invoice:ClaimReimbursement", num, `{}`).ok(t) },
			domain.EventInvoiceReimbursementClaimed, "invoice", func() string { return num }, 0},
		{"release", func() string { return h.call(taxFinance, "invoice:ReleaseReimbursement", num, "作废").ok(t) },
			domain.EventInvoiceReimbursementReleased, "invoice", func() string { return num }, 0},
		{"deposit", func() string {
			p := h.call(marketDepositor, "evidence:Deposit", mustJSON(t, depositRequest(hashOf('e')))).ok(t)
			evidenceID = decode[domain.Evidence](t, p).ID
			return p
		}, domain.EventEvidenceDeposited, "evidence", func() string { return evidenceID }, 0},
		{"certify", func() string {
			return h.call(notary, "evidence:Certify", evidenceID, `{"certificate_number":"1"}`).ok(t)
		},
			domain.EventEvidenceCertified, "evidence", func() string { return evidenceID }, 0},
		{"revoke", func() string { return h.call(marketDepositor, "evidence:Revoke", evidenceID, "撤回").ok(t) },
			domain.EventEvidenceRevoked, "evidence", func() string { return evidenceID }, 0},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			before := len(h.ledger.events)
			payload := s.run()
			require.Len(t, h.ledger.events, before+1, "exactly one event per transaction")
			name, ev := h.lastEvent(t)
			require.Equal(t, s.event, name)
			require.Equal(t, s.contract, ev.Contract)
			require.Equal(t, s.key(), ev.Key)
			require.JSONEq(t, payload, string(ev.State), "the event state is the returned record")
			require.NotNil(t, ev.Related)
			require.Len(t, ev.Related, s.related)
		})
	}

	t.Run("reverse: the original in key/state, the red invoice in related", func(t *testing.T) {
		payload := h.call(taxIssuer, "invoice:Reverse", num, mustJSON(t, reverseRequest(red, 1000))).ok(t)
		name, ev := h.lastEvent(t)
		require.Equal(t, domain.EventInvoiceReversed, name)
		require.Equal(t, num, ev.Key)
		require.Equal(t, h.call(auditor, "invoice:Get", num).ok(t), string(ev.State))
		require.Equal(t, []domain.RelatedRecord{{Key: red, State: json.RawMessage(payload)}}, ev.Related)
	})

	t.Run("batch: the first record in key/state, all records in related", func(t *testing.T) {
		payload := h.call(taxDepositor, "evidence:DepositBatch", mustJSON(t, domain.DepositBatchRequest{Items: []domain.DepositRequest{depositRequest(hashOf('8')), depositRequest(hashOf('9'))}})).ok(t)
		batch := decode[domain.EvidenceBatch](t, payload)
		name, ev := h.lastEvent(t)
		require.Equal(t, domain.EventEvidenceBatchDeposited, name)
		require.Equal(t, batch.Records[0].ID, ev.Key)
		require.Equal(t, batch.Records[0], decode[domain.Evidence](t, string(ev.State)))
		require.Len(t, ev.Related, 2)
		for i, r := range ev.Related {
			require.Equal(t, batch.Records[i].ID, r.Key)
			require.Equal(t, batch.Records[i], decode[domain.Evidence](t, string(r.State)))
		}
	})

	t.Run("the raw payload has the documented shape", func(t *testing.T) {
		h.call(registrar, "business:ChangeStatus", seller, "SUSPENDED", "z").ok(t)
		raw := string(h.ledger.events[len(h.ledger.events)-1].payload)
		require.Regexp(t, `^\{"contract":"business","key":"`+seller+`","state":\{"uscc":.*\},"related":\[\]\}$`, raw)
	})

	t.Run("reads emit nothing", func(t *testing.T) {
		res := h.call(auditor, "business:Get", seller)
		res.ok(t)
		require.Nil(t, res.stub.event)
		require.Empty(t, res.stub.writes)
	})
}
