package contracts_test

import (
	"fmt"
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

func TestIssue(t *testing.T) {
	h := newHarness(t)
	seller := usccFor(t, 1)
	h.register(seller, "销售方公司")
	payload := h.call(taxIssuer, "invoice:Issue", mustJSON(t, issueRequest(invoiceNumber(1), seller))).ok(t)
	inv := decode[domain.Invoice](t, payload)
	require.Equal(t, domain.KindBlue, inv.Kind)
	require.Equal(t, domain.InvoiceIssued, inv.Status)
	require.Equal(t, int64(106376), inv.RemainingTotalFen)
	require.Equal(t, int64(100000), inv.Items[0].AmountFen)
	require.Equal(t, int64(43), inv.Items[1].TaxFen)
	require.Equal(t, domain.TaxMSP, inv.OwnerOrg)
	require.Equal(t, "issuer@tax", inv.CreatedBy)
	require.Equal(t, at(2), inv.CreatedAt)
	require.Equal(t, payload, h.call(notaryFinance, "invoice:Get", invoiceNumber(1)).ok(t))
	require.Contains(t, payload, `"buyer_uscc":"","buyer_name"`)
	require.Contains(t, payload, `"reimbursement":null,"reimbursement_releases":[]`)
}

func TestIssueRefusals(t *testing.T) {
	h := newHarness(t)
	active, suspended, revoked, deregistered, unknown := usccFor(t, 1), usccFor(t, 2), usccFor(t, 3), usccFor(t, 4), usccFor(t, 5)
	h.register(active, "正常公司")
	h.register(suspended, "异常公司")
	h.call(registrar, "business:ChangeStatus", suspended, "SUSPENDED", "经营异常").ok(t)
	h.register(revoked, "吊销公司")
	h.call(registrar, "business:ChangeStatus", revoked, "REVOKED", "吊销").ok(t)
	h.register(deregistered, "注销公司")
	h.call(registrar, "business:ChangeStatus", deregistered, "DEREGISTERED", "注销").ok(t)
	h.issue(invoiceNumber(1), active)

	req := func(mutate func(r *domain.IssueInvoiceRequest)) string {
		r := issueRequest(invoiceNumber(2), active)
		mutate(&r)
		return mustJSON(t, r)
	}
	cases := []struct {
		name      string
		request   string
		code      domain.Code
		fragments []string
	}{
		{"unknown seller", req(func(r *domain.IssueInvoiceRequest) { r.SellerUSCC = unknown }), domain.CodeNotFound, []string{"seller " + unknown + " is not a registered business"}},
		{"suspended seller", req(func(r *domain.IssueInvoiceRequest) { r.SellerUSCC = suspended }), domain.CodeConflict, []string{"seller " + suspended + " is SUSPENDED"}},
		{"revoked seller", req(func(r *domain.IssueInvoiceRequest) { r.SellerUSCC = revoked }), domain.CodeConflict, []string{"is REVOKED"}},
		{"deregistered seller", req(func(r *domain.IssueInvoiceRequest) { r.SellerUSCC = deregistered }), domain.CodeConflict, []string{"is DEREGISTERED"}},
		{"seller check character", req(func(r *domain.IssueInvoiceRequest) { r.SellerUSCC = active[:17] + "0" }), domain.CodeUnprocessable, []string{"check character"}},
		{"stated total does not add up", req(func(r *domain.IssueInvoiceRequest) { r.TotalFen = 106375 }), domain.CodeUnprocessable, []string{"total_fen is 106375, but the items add up to 106376"}},
		{"stated tax does not add up", req(func(r *domain.IssueInvoiceRequest) { r.TotalTaxFen = 6042 }), domain.CodeUnprocessable, []string{"total_tax_fen"}},
		{"negative amount", req(func(r *domain.IssueInvoiceRequest) { r.Items[0].UnitPriceFen = -1 }), domain.CodeUnprocessable, []string{"unit_price_fen must be positive"}},
		{"tax rate not allowed", req(func(r *domain.IssueInvoiceRequest) { r.Items[0].TaxRateBP = 1700 }), domain.CodeUnprocessable, []string{"1700 bp"}},
		{"duplicate number", req(func(r *domain.IssueInvoiceRequest) { r.Number = invoiceNumber(1) }), domain.CodeConflict, []string{"invoice " + invoiceNumber(1) + " already exists"}},
		{"number not 20 digits", req(func(r *domain.IssueInvoiceRequest) { r.Number = "123" }), domain.CodeInvalid, []string{"exactly 20 digits"}},
		{"amount_fen is not a request field", `{"number":"` + invoiceNumber(3) + `","items":[{"amount_fen":1}]}`, domain.CodeInvalid, []string{`unknown field "amount_fen"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.call(taxIssuer, "invoice:Issue", c.request).fails(t, c.code, c.fragments...)
		})
	}
}

func TestReimbursement(t *testing.T) {
	h := newHarness(t)
	seller := usccFor(t, 1)
	h.register(seller, "销售方") // tx1
	num := invoiceNumber(1)
	h.issue(num, seller) // tx2

	claimed := decode[domain.Invoice](t, h.call(marketFinance, "invoice:ClaimReimbursement", num, `{"reference":"BX-2026-001","note":"差旅"}`).ok(t)) // tx3
	require.Equal(t, &domain.Reimbursement{Org: domain.MarketMSP, By: "finance@market", At: at(3), TxID: txIDFor(3), Reference: "BX-2026-001", Note: "差旅"}, claimed.Reimbursement)

	t.Run("a second claim by another org is refused naming org, who and when", func(t *testing.T) {
		h.call(notaryFinance, "invoice:ClaimReimbursement", num, `{}`).fails(t, domain.CodeConflict,
			"CONFLICT: invoice "+num+" is already claimed for reimbursement by MarketMSP (CN=finance@market) at "+at(3))
	})
	t.Run("a second claim by the same org is refused too", func(t *testing.T) {
		h.call(marketFinance2, "invoice:ClaimReimbursement", num, ``).fails(t, domain.CodeConflict, "already claimed")
	})
	t.Run("release by another org is refused", func(t *testing.T) {
		h.call(taxFinance, "invoice:ReleaseReimbursement", num, "误操作").fails(t, domain.CodeForbidden, "only finance of MarketMSP may release", "caller is TaxMSP")
	})
	t.Run("release needs a reason", func(t *testing.T) {
		h.call(marketFinance, "invoice:ReleaseReimbursement", num, "").fails(t, domain.CodeInvalid, "reason is required")
	})
	t.Run("unknown invoice", func(t *testing.T) {
		h.call(marketFinance, "invoice:ClaimReimbursement", invoiceNumber(9), `{}`).fails(t, domain.CodeNotFound, "does not exist")
		h.call(marketFinance, "invoice:ClaimReimbursement", "9", `{}`).fails(t, domain.CodeInvalid)
		h.call(marketFinance, "invoice:ClaimReimbursement", num, `{"amount":1}`).fails(t, domain.CodeInvalid, "unknown field")
		h.call(marketFinance, "invoice:ClaimReimbursement", num, `{"note":"\u0007"}`).fails(t, domain.CodeInvalid, "note")
		h.call(marketFinance, "invoice:ReleaseReimbursement", "9", "x").fails(t, domain.CodeInvalid)
	})
	t.Run("release by another finance identity of the claiming org, then another org may claim", func(t *testing.T) {
		released := decode[domain.Invoice](t, h.call(marketFinance2, "invoice:ReleaseReimbursement", num, "报销单作废").ok(t))
		require.Nil(t, released.Reimbursement)
		require.Len(t, released.ReimbursementReleases, 1)
		require.Equal(t, "finance2@market", released.ReimbursementReleases[0].By)
		require.Equal(t, "finance@market", released.ReimbursementReleases[0].Claim.By)
		h.call(marketFinance, "invoice:ReleaseReimbursement", num, "again").fails(t, domain.CodeConflict, "is not claimed")
		h.call(notaryFinance, "invoice:ClaimReimbursement", num, "").ok(t)
	})
}

func TestReverse(t *testing.T) {
	h := newHarness(t)
	seller := usccFor(t, 1)
	h.register(seller, "销售方")
	orig := invoiceNumber(1)
	h.issue(orig, seller) // 106376 fen

	t.Run("partial then full reversal", func(t *testing.T) {
		red := decode[domain.Invoice](t, h.call(taxIssuer, "invoice:Reverse", orig, mustJSON(t, reverseRequest(invoiceNumber(2), 50000))).ok(t))
		require.Equal(t, domain.KindRed, red.Kind)
		require.Equal(t, orig, red.OriginalNumber)
		require.Equal(t, int64(-53000), red.TotalFen)
		require.Equal(t, int64(-1), red.Items[0].Quantity)

		blue := decode[domain.Invoice](t, h.call(auditor, "invoice:Get", orig).ok(t))
		require.Equal(t, domain.InvoicePartiallyReversed, blue.Status)
		require.Equal(t, int64(53000), blue.ReversedTotalFen)
		require.Equal(t, int64(53376), blue.RemainingTotalFen)
		require.Equal(t, []domain.Reversal{{Number: invoiceNumber(2), TotalFen: -53000, At: red.CreatedAt, TxID: red.CreatedTxID}}, blue.Reversals)

		h.call(taxIssuer, "invoice:Reverse", orig, mustJSON(t, reverseRequest(invoiceNumber(3), 50400))).fails(t, domain.CodeUnprocessable,
			"reversal total_fen 53424 exceeds the 53376 fen that remain of invoice "+orig)

		rest := domain.ReverseInvoiceRequest{
			Number: invoiceNumber(3), Reason: "全部退货", IssuedOn: "2026-11-29",
			Items: []domain.InvoiceItemRequest{
				{Description: "服务费", Quantity: 1, UnitPriceFen: 50000, TaxRateBP: 600},
				{Description: "材料", Quantity: 1, UnitPriceFen: 333, TaxRateBP: 1300},
			},
			TotalAmountFen: 50333, TotalTaxFen: 3043, TotalFen: 53376,
		}
		h.call(taxIssuer, "invoice:Reverse", orig, mustJSON(t, rest)).ok(t)
		blue = decode[domain.Invoice](t, h.call(auditor, "invoice:Get", orig).ok(t))
		require.Equal(t, domain.InvoiceReversed, blue.Status)
		require.Zero(t, blue.RemainingTotalFen)
		require.Len(t, blue.Reversals, 2)

		h.call(taxIssuer, "invoice:Reverse", orig, mustJSON(t, reverseRequest(invoiceNumber(4), 1))).fails(t, domain.CodeConflict, "already fully REVERSED")
		h.call(marketFinance, "invoice:ClaimReimbursement", orig, "{}").fails(t, domain.CodeConflict, "is REVERSED")
	})

	t.Run("refusals", func(t *testing.T) {
		second := invoiceNumber(10)
		h.issue(second, seller)
		h.call(marketFinance, "invoice:ClaimReimbursement", second, `{}`).ok(t)
		third := invoiceNumber(11)
		h.issue(third, seller)

		cases := []struct {
			name      string
			original  string
			request   string
			code      domain.Code
			fragments []string
		}{
			{"claimed original", second, mustJSON(t, reverseRequest(invoiceNumber(12), 1000)), domain.CodeConflict, []string{"claimed for reimbursement by MarketMSP (CN=finance@market)", "cannot be reversed"}},
			{"a red invoice cannot be reversed", invoiceNumber(2), mustJSON(t, reverseRequest(invoiceNumber(12), 1000)), domain.CodeConflict, []string{"a red invoice cannot be reversed"}},
			{"red number already used", third, mustJSON(t, reverseRequest(invoiceNumber(2), 1000)), domain.CodeConflict, []string{"invoice " + invoiceNumber(2) + " already exists"}},
			{"red number equals the original", third, mustJSON(t, reverseRequest(third, 1000)), domain.CodeConflict, []string{"needs a new number"}},
			{"unknown original", invoiceNumber(99), mustJSON(t, reverseRequest(invoiceNumber(12), 1000)), domain.CodeNotFound, []string{"invoice " + invoiceNumber(99) + " does not exist"}},
			{"bad original number", "1", mustJSON(t, reverseRequest(invoiceNumber(12), 1000)), domain.CodeInvalid, []string{"originalNumber"}},
			{"totals do not add up", third, func() string {
				r := reverseRequest(invoiceNumber(12), 1000)
				r.TotalFen = 5
				return mustJSON(t, r)
			}(), domain.CodeUnprocessable, []string{"total_fen is 5"}},
			{"negative quantities are refused (amounts are stated positive)", third, func() string {
				r := reverseRequest(invoiceNumber(12), 1000)
				r.Items[0].Quantity = -1
				return mustJSON(t, r)
			}(), domain.CodeUnprocessable, []string{"quantity must be positive"}},
			{"bad JSON", third, `{`, domain.CodeInvalid, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				h.call(taxIssuer, "invoice:Reverse", c.original, c.request).fails(t, c.code, c.fragments...)
			})
		}
	})
}

func TestInvoiceListAndHistory(t *testing.T) {
	h := newHarness(t)
	a, b := usccFor(t, 1), usccFor(t, 2)
	h.register(a, "甲")
	h.register(b, "乙")
	for _, n := range []int{5, 1, 3} {
		h.issue(invoiceNumber(n), a)
	}
	h.issue(invoiceNumber(2), b)
	h.call(taxIssuer, "invoice:Reverse", invoiceNumber(1), mustJSON(t, reverseRequest(invoiceNumber(4), 1000))).ok(t) // red of a's invoice

	numbers := func(p domain.InvoicePage) []string {
		out := []string{}
		for _, r := range p.Records {
			out = append(out, r.Number)
		}
		return out
	}
	list := func(seller string, size int, bookmark string) domain.InvoicePage {
		return decode[domain.InvoicePage](t, h.call(auditor, "invoice:List", seller, fmt.Sprint(size), bookmark).ok(t))
	}

	t.Run("by seller, including the red invoice, by number", func(t *testing.T) {
		require.Equal(t, []string{invoiceNumber(1), invoiceNumber(3), invoiceNumber(4), invoiceNumber(5)}, numbers(list(a, 0, "")))
		require.Equal(t, []string{invoiceNumber(2)}, numbers(list(b, 0, "")))
		require.Empty(t, numbers(list(usccFor(t, 3), 0, "")))
	})
	t.Run("by seller across pages", func(t *testing.T) {
		p1 := list(a, 3, "")
		require.Equal(t, 3, p1.Fetched)
		p2 := list(a, 3, p1.Bookmark)
		require.Equal(t, []string{invoiceNumber(5)}, numbers(p2))
		require.Empty(t, p2.Bookmark)
	})
	t.Run("all invoices across pages", func(t *testing.T) {
		var got []string
		bookmark := ""
		for {
			p := list("", 2, bookmark)
			got = append(got, numbers(p)...)
			if bookmark = p.Bookmark; bookmark == "" {
				break
			}
		}
		require.Equal(t, []string{invoiceNumber(1), invoiceNumber(2), invoiceNumber(3), invoiceNumber(4), invoiceNumber(5)}, got)
	})
	t.Run("a seller bookmark does not work for another seller", func(t *testing.T) {
		h.call(auditor, "invoice:List", b, "0", list(a, 1, "").Bookmark).fails(t, domain.CodeInvalid, "does not belong")
	})
	t.Run("bad seller", func(t *testing.T) {
		h.call(auditor, "invoice:List", "x", "0", "").fails(t, domain.CodeInvalid, "sellerUSCC")
	})
	t.Run("history of the reversed original", func(t *testing.T) {
		p := decode[domain.HistoryPage](t, h.call(auditor, "invoice:History", invoiceNumber(1), "0", "").ok(t))
		require.Equal(t, 2, p.Fetched)
		require.Equal(t, domain.InvoicePartiallyReversed, decode[domain.Invoice](t, string(p.Entries[0].Value)).Status)
		require.Equal(t, domain.InvoiceIssued, decode[domain.Invoice](t, string(p.Entries[1].Value)).Status)
		require.Equal(t, "issuer@tax", p.Entries[0].Submitter)
		h.call(auditor, "invoice:History", "1", "0", "").fails(t, domain.CodeInvalid)
		h.call(auditor, "invoice:History", invoiceNumber(77), "0", "").fails(t, domain.CodeNotFound)
	})
	t.Run("get refusals", func(t *testing.T) {
		h.call(auditor, "invoice:Get", invoiceNumber(77)).fails(t, domain.CodeNotFound, "does not exist")
		h.call(auditor, "invoice:Get", "77").fails(t, domain.CodeInvalid)
	})
}
