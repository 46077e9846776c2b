package contracts_test

import (
	"fmt"
	"strings"
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
			"UNPROCESSABLE: lines at 6%: the reversal's amount of 50400 fen exceeds the 50000 fen of amount that remain at 6% on invoice "+orig)

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

// lines builds invoice lines of quantity 1 from (unit price, rate) pairs.
func lines(pairs ...[2]int64) []domain.InvoiceItemRequest {
	var out []domain.InvoiceItemRequest
	for _, p := range pairs {
		out = append(out, domain.InvoiceItemRequest{Description: "货物", Quantity: 1, UnitPriceFen: p[0], TaxRateBP: p[1]})
	}
	return out
}

// issueLines issues a blue invoice with the given lines (totals computed).
func (h *harness) issueLines(number, seller string, items []domain.InvoiceItemRequest) domain.Invoice {
	h.t.Helper()
	r := issueRequest(number, seller)
	_, tot, err := domain.ComputeInvoice(items)
	require.NoError(h.t, err)
	r.Items, r.TotalAmountFen, r.TotalTaxFen, r.TotalFen = items, tot.AmountFen, tot.TaxFen, tot.TotalFen
	return decode[domain.Invoice](h.t, h.call(taxIssuer, "invoice:Issue", mustJSON(h.t, r)).ok(h.t))
}

// redRequest is a reversal request with the given lines (totals computed).
func redRequest(t *testing.T, number string, items []domain.InvoiceItemRequest) string {
	_, tot, err := domain.ComputeInvoice(items)
	require.NoError(t, err)
	return mustJSON(t, domain.ReverseInvoiceRequest{Number: number, Reason: "退货", IssuedOn: "2026-11-28", Items: items,
		TotalAmountFen: tot.AmountFen, TotalTaxFen: tot.TaxFen, TotalFen: tot.TotalFen})
}

// TestReversePerRate: through the contract, a reversal may never take more amount or tax at
// a rate than remains of the original there, across partial reversals (security review:
// only total_fen was limited).
func TestReversePerRate(t *testing.T) {
	h := newHarness(t)
	seller := usccFor(t, 1)
	h.register(seller, "销售方")

	t.Run("113 fen at 0% reversed as 100 fen at 13% is refused", func(t *testing.T) {
		orig := invoiceNumber(1)
		h.issueLines(orig, seller, lines([2]int64{113, 0}))
		h.call(taxIssuer, "invoice:Reverse", orig, redRequest(t, invoiceNumber(2), lines([2]int64{100, 1300}))).fails(t, domain.CodeUnprocessable,
			"UNPROCESSABLE: invoice "+orig+" has no lines at 13%; a reversal may only reverse the tax rates of the original (0%)")
	})
	t.Run("100 + 13 tax reversed as 113 fen at 0% is refused", func(t *testing.T) {
		orig := invoiceNumber(3)
		h.issueLines(orig, seller, lines([2]int64{100, 1300}))
		h.call(taxIssuer, "invoice:Reverse", orig, redRequest(t, invoiceNumber(4), lines([2]int64{113, 0}))).fails(t, domain.CodeUnprocessable,
			"has no lines at 0%")
	})
	t.Run("partial reversals are remembered per rate; partial then full ends at zero", func(t *testing.T) {
		orig := invoiceNumber(5)
		h.issueLines(orig, seller, lines([2]int64{100, 0}, [2]int64{333, 1300}))                                      // 100 + 333 + 43 tax
		h.call(taxIssuer, "invoice:Reverse", orig, redRequest(t, invoiceNumber(6), lines([2]int64{150, 1300}))).ok(t) // 150 + 20 tax
		h.call(taxIssuer, "invoice:Reverse", orig, redRequest(t, invoiceNumber(7), lines([2]int64{184, 1300}))).fails(t, domain.CodeUnprocessable,
			"lines at 13%: the reversal's amount of 184 fen exceeds the 183 fen of amount that remain at 13% on invoice "+orig)
		h.call(taxIssuer, "invoice:Reverse", orig, redRequest(t, invoiceNumber(7), lines([2]int64{101, 0}))).fails(t, domain.CodeUnprocessable,
			"lines at 0%: the reversal's amount of 101 fen exceeds the 100 fen of amount that remain at 0%")
		// 183 fen at 13% rounds to 24 fen of tax, but only 23 remain: closing the rate takes 23.
		red := decode[domain.Invoice](t, h.call(taxIssuer, "invoice:Reverse", orig, redRequest(t, invoiceNumber(7), lines([2]int64{100, 0}, [2]int64{183, 1300}))).ok(t))
		require.Equal(t, int64(-23), red.TotalTaxFen)
		require.Equal(t, int64(-306), red.TotalFen)
		blue := decode[domain.Invoice](t, h.call(auditor, "invoice:Get", orig).ok(t))
		require.Equal(t, domain.InvoiceReversed, blue.Status)
		require.Zero(t, blue.RemainingTotalFen)
		require.Len(t, blue.Reversals, 2)
	})
	t.Run("tax rounded up line by line cannot exceed the original's tax", func(t *testing.T) {
		orig := invoiceNumber(8)
		h.issueLines(orig, seller, lines([2]int64{100, 1300}))
		var four [][2]int64
		for range 24 {
			four = append(four, [2]int64{4, 1300}) // 0.52 → 1 fen of tax each
		}
		h.call(taxIssuer, "invoice:Reverse", orig, redRequest(t, invoiceNumber(9), lines(four...))).fails(t, domain.CodeUnprocessable,
			"lines at 13%: the reversal's tax of 24 fen exceeds the 13 fen of tax that remain at 13%")
	})
}

// TestAmountCaps: numbers above the business maxima (below 2^53) are refused before they
// reach the ledger (security review: 9007199254740993 × 1 fen was stored and read back by
// JavaScript clients as 9007199254740992).
func TestAmountCaps(t *testing.T) {
	h := newHarness(t)
	seller := usccFor(t, 1)
	h.register(seller, "销售方")
	big := domain.IssueInvoiceRequest{Number: invoiceNumber(1), SellerUSCC: seller, BuyerName: "买方", IssuedOn: "2026-11-27",
		Items:          []domain.InvoiceItemRequest{{Description: "货物", Quantity: 9007199254740993, UnitPriceFen: 1, TaxRateBP: 0}},
		TotalAmountFen: 9007199254740993, TotalTaxFen: 0, TotalFen: 9007199254740993}
	cases := []struct {
		name, fn string
		args     []string
		fragment string
	}{
		{"quantity above 2^53", "invoice:Issue", []string{mustJSON(t, big)}, "items[0].quantity is 9007199254740993; at most 1000000000 allowed"},
		{"unit price above the cap", "invoice:Issue", []string{strings.Replace(mustJSON(t, big), `"quantity":9007199254740993,"unit_price_fen":1`, `"quantity":1,"unit_price_fen":9007199254740993`, 1)},
			"items[0].unit_price_fen is 9007199254740993 fen; at most 1000000000000000 fen"},
		{"registered capital above the cap", "business:Register", []string{func() string {
			r := registration(usccFor(t, 2), "大公司")
			r.RegisteredCapitalFen = 9007199254740993
			return mustJSON(t, r)
		}()}, "registered_capital_fen is 9007199254740993 fen; at most 1000000000000000 fen"},
		{"amended capital above the cap", "business:Amend", []string{seller, `{"changes":{"registered_capital_fen":1000000000000001},"reason":"增资"}`}, "at most 1000000000000000 fen"},
		{"evidence size above the cap", "evidence:Deposit", []string{func() string {
			r := depositRequest(hashOf('a'))
			r.SizeBytes = 9007199254740993
			return mustJSON(t, r)
		}()}, "size_bytes is 9007199254740993; at most 1000000000000000 (1 PB) allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := taxIssuer
			switch c.fn {
			case "business:Register", "business:Amend":
				id = registrar
			case "evidence:Deposit":
				id = marketDepositor
			}
			h.call(id, c.fn, c.args...).fails(t, domain.CodeUnprocessable, c.fragment)
		})
	}
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
