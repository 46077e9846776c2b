package domain_test

import (
	"fmt"
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

var taxClerk = domain.Actor{Org: domain.TaxMSP, By: "issuer@tax", At: "2026-03-01T08:00:00Z", TxID: "txI"}

func validIssue() domain.IssueInvoiceRequest {
	return domain.IssueInvoiceRequest{
		Number:     "24442000000000000001",
		SellerUSCC: "91430111MA4L41YT1U",
		BuyerUSCC:  "91350200776049653A",
		BuyerName:  "厦门示例有限公司",
		IssuedOn:   "2026-03-01",
		Items: []domain.InvoiceItemRequest{
			{Description: "服务费", Quantity: 2, UnitPriceFen: 50000, TaxRateBP: 600}, // 100000 + 6000
			{Description: "材料", Quantity: 1, UnitPriceFen: 333, TaxRateBP: 1300},   // 333 + 43.29 → 43
		},
		TotalAmountFen: 100333,
		TotalTaxFen:    6043,
		TotalFen:       106376,
	}
}

func TestIssueInvoiceRequestValidate(t *testing.T) {
	cases := []struct {
		name     string
		mutate   func(r *domain.IssueInvoiceRequest)
		code     domain.Code
		contains string
	}{
		{"valid", func(r *domain.IssueInvoiceRequest) {}, "", ""},
		{"buyer USCC is optional", func(r *domain.IssueInvoiceRequest) { r.BuyerUSCC = "" }, "", ""},
		{"number not 20 digits", func(r *domain.IssueInvoiceRequest) { r.Number = "123" }, domain.CodeInvalid, "number must be exactly 20 digits"},
		{"seller wrong check character", func(r *domain.IssueInvoiceRequest) { r.SellerUSCC = "91430111MA4L41YT1X" }, domain.CodeUnprocessable, "seller_uscc 91430111MA4L41YT1X: check character is X, expected U"},
		{"buyer bad format", func(r *domain.IssueInvoiceRequest) { r.BuyerUSCC = "abc" }, domain.CodeInvalid, "buyer_uscc"},
		{"missing buyer name", func(r *domain.IssueInvoiceRequest) { r.BuyerName = "" }, domain.CodeInvalid, "buyer_name is required"},
		{"bad issue date", func(r *domain.IssueInvoiceRequest) { r.IssuedOn = "01/03/2026" }, domain.CodeInvalid, "issued_on"},
		{"no items", func(r *domain.IssueInvoiceRequest) { r.Items = nil }, domain.CodeInvalid, "at least one line"},
		{"too many items", func(r *domain.IssueInvoiceRequest) {
			r.Items = make([]domain.InvoiceItemRequest, domain.MaxInvoiceItems+1)
		}, domain.CodeInvalid, "at most 1000"},
		{"item without description", func(r *domain.IssueInvoiceRequest) { r.Items[1].Description = "" }, domain.CodeInvalid, "items[1].description is required"},
		{"stated tax off by one fen", func(r *domain.IssueInvoiceRequest) { r.TotalTaxFen = 6044 }, domain.CodeUnprocessable, "total_tax_fen is 6044, but the items add up to 6043"},
		{"stated total wrong", func(r *domain.IssueInvoiceRequest) { r.TotalFen = 1 }, domain.CodeUnprocessable, "total_fen is 1"},
		{"negative price", func(r *domain.IssueInvoiceRequest) { r.Items[0].UnitPriceFen = -50000 }, domain.CodeUnprocessable, "items[0].unit_price_fen must be positive"},
		{"rate not allowed", func(r *domain.IssueInvoiceRequest) { r.Items[0].TaxRateBP = 1100 }, domain.CodeUnprocessable, "tax rate 1100 bp is not allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := validIssue()
			c.mutate(&r)
			err := r.Validate()
			require.Equal(t, c.code, domain.ErrorCode(err), "%v", err)
			if c.contains != "" {
				require.ErrorContains(t, err, c.contains)
			}
		})
	}
}

func TestNewBlueInvoice(t *testing.T) {
	inv, err := domain.NewBlueInvoice(validIssue(), taxClerk)
	require.NoError(t, err)
	require.Equal(t, domain.KindBlue, inv.Kind)
	require.Equal(t, domain.InvoiceIssued, inv.Status)
	require.Equal(t, int64(106376), inv.RemainingTotalFen)
	require.Equal(t, int64(43), inv.Items[1].TaxFen)
	require.Nil(t, inv.Reimbursement)
	require.NotNil(t, inv.Reversals)
	require.NotNil(t, inv.ReimbursementReleases)

	bad := validIssue()
	bad.TotalFen++
	_, err = domain.NewBlueInvoice(bad, taxClerk)
	require.Equal(t, domain.CodeUnprocessable, domain.ErrorCode(err))
}

func TestCheckSellerCanIssue(t *testing.T) {
	for _, st := range domain.BusinessStatuses() {
		t.Run(st, func(t *testing.T) {
			b := domain.Business{USCC: "91430111MA4L41YT1U", Status: st}
			err := domain.CheckSellerCanIssue(&b)
			if st == domain.StatusActive {
				require.NoError(t, err)
				return
			}
			require.Equal(t, domain.CodeConflict, domain.ErrorCode(err))
			require.ErrorContains(t, err, "is "+st)
		})
	}
}

func reversal(number string, amount int64) domain.ReverseInvoiceRequest {
	tax, _ := domain.LineTax(amount, 600)
	return domain.ReverseInvoiceRequest{
		Number: number, Reason: "退货", IssuedOn: "2026-03-05",
		Items:          []domain.InvoiceItemRequest{{Description: "服务费", Quantity: 1, UnitPriceFen: amount, TaxRateBP: 600}},
		TotalAmountFen: amount, TotalTaxFen: tax, TotalFen: amount + tax,
	}
}

func TestReverseInvoice(t *testing.T) {
	redClerk := domain.Actor{Org: domain.TaxMSP, By: "issuer@tax", At: "2026-03-05T08:00:00Z", TxID: "txR"}

	t.Run("partial then full reversal", func(t *testing.T) {
		orig, _ := domain.NewBlueInvoice(validIssue(), taxClerk)
		red, err := domain.ReverseInvoice(&orig, nil, reversal("24442000000000000002", 50000), redClerk) // 53000
		require.NoError(t, err)
		require.Equal(t, domain.KindRed, red.Kind)
		require.Equal(t, domain.InvoiceIssued, red.Status)
		require.Equal(t, orig.Number, red.OriginalNumber)
		require.Equal(t, orig.SellerUSCC, red.SellerUSCC)
		require.Equal(t, orig.BuyerName, red.BuyerName)
		require.Equal(t, "退货", red.Reason)
		require.Equal(t, int64(-53000), red.TotalFen)
		require.Equal(t, int64(-50000), red.TotalAmountFen)
		require.Equal(t, int64(-3000), red.TotalTaxFen)
		require.Equal(t, domain.InvoiceItem{Description: "服务费", Quantity: -1, UnitPriceFen: 50000, TaxRateBP: 600, AmountFen: -50000, TaxFen: -3000}, red.Items[0])
		require.Zero(t, red.RemainingTotalFen)

		require.Equal(t, domain.InvoicePartiallyReversed, orig.Status)
		require.Equal(t, int64(53000), orig.ReversedTotalFen)
		require.Equal(t, int64(106376-53000), orig.RemainingTotalFen)
		require.Equal(t, []domain.Reversal{{Number: red.Number, TotalFen: -53000, At: redClerk.At, TxID: "txR"}}, orig.Reversals)
		require.Equal(t, "txR", orig.LastTxID)

		// The rest: 53376 = 50333 amount + 3043 tax? Build it from the remaining lines exactly.
		rest := domain.ReverseInvoiceRequest{
			Number: "24442000000000000003", Reason: "全部退货", IssuedOn: "2026-03-06",
			Items: []domain.InvoiceItemRequest{
				{Description: "服务费", Quantity: 1, UnitPriceFen: 50000, TaxRateBP: 600},
				{Description: "材料", Quantity: 1, UnitPriceFen: 333, TaxRateBP: 1300},
			},
			TotalAmountFen: 50333, TotalTaxFen: 3043, TotalFen: 53376,
		}
		red2, err := domain.ReverseInvoice(&orig, []domain.Invoice{red}, rest, redClerk)
		require.NoError(t, err)
		require.Equal(t, int64(-53376), red2.TotalFen)
		require.Equal(t, domain.InvoiceReversed, orig.Status)
		require.Zero(t, orig.RemainingTotalFen)
		require.Len(t, orig.Reversals, 2)

		_, err = domain.ReverseInvoice(&orig, []domain.Invoice{red, red2}, reversal("24442000000000000004", 1), redClerk)
		require.Equal(t, domain.CodeConflict, domain.ErrorCode(err))
		require.ErrorContains(t, err, "already fully REVERSED")
	})

	refusals := []struct {
		name     string
		prepare  func(orig *domain.Invoice)
		req      domain.ReverseInvoiceRequest
		code     domain.Code
		contains string
	}{
		{"over-reversal", func(*domain.Invoice) {}, reversal("24442000000000000002", 100400), domain.CodeUnprocessable,
			"lines at 6%: the reversal's amount of 100400 fen exceeds the 100000 fen of amount that remain at 6% on invoice 24442000000000000001"},
		{"claimed original", func(o *domain.Invoice) {
			o.Reimbursement = &domain.Reimbursement{Org: domain.MarketMSP, By: "finance@market", At: "2026-03-02T00:00:00Z"}
		}, reversal("24442000000000000002", 1000), domain.CodeConflict, "claimed for reimbursement by MarketMSP (CN=finance@market) at 2026-03-02T00:00:00Z"},
		{"red original", func(o *domain.Invoice) { o.Kind = domain.KindRed; o.OriginalNumber = "24442000000000000009" }, reversal("24442000000000000002", 1000), domain.CodeConflict, "a red invoice cannot be reversed"},
		{"red number equals original", func(*domain.Invoice) {}, reversal("24442000000000000001", 1000), domain.CodeConflict, "needs a new number"},
		{"totals do not add up", func(*domain.Invoice) {}, func() domain.ReverseInvoiceRequest {
			r := reversal("24442000000000000002", 1000)
			r.TotalFen++
			return r
		}(), domain.CodeUnprocessable, "total_fen"},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			orig, _ := domain.NewBlueInvoice(validIssue(), taxClerk)
			c.prepare(&orig)
			before := orig
			_, err := domain.ReverseInvoice(&orig, nil, c.req, redClerk)
			require.Equal(t, c.code, domain.ErrorCode(err), "%v", err)
			require.ErrorContains(t, err, c.contains)
			require.Equal(t, before, orig, "the original is untouched on error")
		})
	}
}

func TestReverseInvoiceRequestValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(r *domain.ReverseInvoiceRequest)
		code   domain.Code
	}{
		{"valid", func(r *domain.ReverseInvoiceRequest) {}, ""},
		{"bad number", func(r *domain.ReverseInvoiceRequest) { r.Number = "x" }, domain.CodeInvalid},
		{"no reason", func(r *domain.ReverseInvoiceRequest) { r.Reason = "" }, domain.CodeInvalid},
		{"bad date", func(r *domain.ReverseInvoiceRequest) { r.IssuedOn = "" }, domain.CodeInvalid},
		{"negative quantity", func(r *domain.ReverseInvoiceRequest) { r.Items[0].Quantity = -1 }, domain.CodeUnprocessable},
		{"wrong totals", func(r *domain.ReverseInvoiceRequest) { r.TotalAmountFen = 0 }, domain.CodeUnprocessable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := reversal("24442000000000000002", 1000)
			c.mutate(&r)
			require.Equal(t, c.code, domain.ErrorCode(r.Validate()))
		})
	}
}

func TestReimbursement(t *testing.T) {
	market := domain.Actor{Org: domain.MarketMSP, By: "finance@market", At: "2026-11-27T10:00:00Z", TxID: "txC"}
	notary := domain.Actor{Org: domain.NotaryMSP, By: "finance@notary", At: "2026-11-28T10:00:00Z", TxID: "txD"}

	t.Run("claim, second claim refused, release by another org refused, release by owner", func(t *testing.T) {
		inv, _ := domain.NewBlueInvoice(validIssue(), taxClerk)
		require.NoError(t, domain.ClaimReimbursement(&inv, domain.ClaimReimbursementRequest{Reference: "BX-1"}, market))
		require.Equal(t, &domain.Reimbursement{Org: domain.MarketMSP, By: "finance@market", At: market.At, TxID: "txC", Reference: "BX-1"}, inv.Reimbursement)

		err := domain.ClaimReimbursement(&inv, domain.ClaimReimbursementRequest{}, notary)
		require.Equal(t, domain.CodeConflict, domain.ErrorCode(err))
		require.EqualError(t, err, "CONFLICT: invoice 24442000000000000001 is already claimed for reimbursement by MarketMSP (CN=finance@market) at 2026-11-27T10:00:00Z")

		err = domain.ReleaseReimbursement(&inv, "wrong", notary)
		require.Equal(t, domain.CodeForbidden, domain.ErrorCode(err))
		require.ErrorContains(t, err, "only finance of MarketMSP")

		err = domain.ReleaseReimbursement(&inv, "", market)
		require.Equal(t, domain.CodeInvalid, domain.ErrorCode(err))

		require.NoError(t, domain.ReleaseReimbursement(&inv, "报销单作废", market))
		require.Nil(t, inv.Reimbursement)
		require.Len(t, inv.ReimbursementReleases, 1)
		require.Equal(t, "BX-1", inv.ReimbursementReleases[0].Claim.Reference)
		require.Equal(t, "报销单作废", inv.ReimbursementReleases[0].Reason)

		err = domain.ReleaseReimbursement(&inv, "again", market)
		require.Equal(t, domain.CodeConflict, domain.ErrorCode(err))
		require.ErrorContains(t, err, "not claimed")

		require.NoError(t, domain.ClaimReimbursement(&inv, domain.ClaimReimbursementRequest{}, notary), "released invoices can be claimed again")
	})

	t.Run("red invoice cannot be claimed", func(t *testing.T) {
		inv, _ := domain.NewBlueInvoice(validIssue(), taxClerk)
		inv.Kind = domain.KindRed
		err := domain.ClaimReimbursement(&inv, domain.ClaimReimbursementRequest{}, market)
		require.Equal(t, domain.CodeConflict, domain.ErrorCode(err))
	})

	t.Run("reversed invoice cannot be claimed", func(t *testing.T) {
		inv, _ := domain.NewBlueInvoice(validIssue(), taxClerk)
		inv.Status = domain.InvoiceReversed
		err := domain.ClaimReimbursement(&inv, domain.ClaimReimbursementRequest{}, market)
		require.Equal(t, domain.CodeConflict, domain.ErrorCode(err))
	})

	t.Run("claim request validation", func(t *testing.T) {
		require.NoError(t, (&domain.ClaimReimbursementRequest{}).Validate())
		err := (&domain.ClaimReimbursementRequest{Reference: "\x00"}).Validate()
		require.Equal(t, domain.CodeInvalid, domain.ErrorCode(err))
		err = (&domain.ClaimReimbursementRequest{Note: "报销人 110101198001010037"}).Validate()
		require.Equal(t, domain.CodeUnprocessable, domain.ErrorCode(err))
	})
}

// blueOf issues a blue invoice with one line per (amount, rate) pair (quantity 1).
func blueOf(t *testing.T, lines ...[2]int64) domain.Invoice {
	t.Helper()
	r := validIssue()
	r.Items = nil
	for _, l := range lines {
		r.Items = append(r.Items, domain.InvoiceItemRequest{Description: "货物", Quantity: 1, UnitPriceFen: l[0], TaxRateBP: l[1]})
	}
	_, tot, err := domain.ComputeInvoice(r.Items)
	require.NoError(t, err)
	r.TotalAmountFen, r.TotalTaxFen, r.TotalFen = tot.AmountFen, tot.TaxFen, tot.TotalFen
	inv, err := domain.NewBlueInvoice(r, taxClerk)
	require.NoError(t, err)
	return inv
}

// redOf is a reversal request with one line per (amount, rate) pair, totals computed.
func redOf(t *testing.T, number string, lines ...[2]int64) domain.ReverseInvoiceRequest {
	t.Helper()
	r := domain.ReverseInvoiceRequest{Number: number, Reason: "退货", IssuedOn: "2026-03-05"}
	for _, l := range lines {
		r.Items = append(r.Items, domain.InvoiceItemRequest{Description: "货物", Quantity: 1, UnitPriceFen: l[0], TaxRateBP: l[1]})
	}
	_, tot, err := domain.ComputeInvoice(r.Items)
	require.NoError(t, err)
	r.TotalAmountFen, r.TotalTaxFen, r.TotalFen = tot.AmountFen, tot.TaxFen, tot.TotalFen
	return r
}

func redNumber(n int) string { return fmt.Sprintf("244420000000000001%02d", n) }

// TestReverseInvoicePerRate: a reversal may never take more amount or more tax than remains
// of the original at a tax rate, across partial reversals too (security review: only
// total_fen was limited, so tax could be reversed that the original never charged).
func TestReverseInvoicePerRate(t *testing.T) {
	redClerk := domain.Actor{Org: domain.TaxMSP, By: "issuer@tax", At: "2026-03-05T08:00:00Z", TxID: "txR"}
	type step struct {
		req      domain.ReverseInvoiceRequest
		contains string // "" = must succeed
	}
	cases := []struct {
		name  string
		orig  [][2]int64
		steps []step
	}{
		{"113 fen at 0% cannot be reversed as 100 fen at 13%", [][2]int64{{113, 0}}, []step{
			{redOf(t, redNumber(1), [2]int64{100, 1300}), "invoice 24442000000000000001 has no lines at 13%; a reversal may only reverse the tax rates of the original (0%)"},
		}},
		{"100 + 13 tax at 13% cannot be reversed as 113 fen at 0%", [][2]int64{{100, 1300}}, []step{
			{redOf(t, redNumber(1), [2]int64{113, 0}), "has no lines at 0%"},
		}},
		{"with both rates, the 0% amount is limited to the 0% lines", [][2]int64{{100, 0}, {100, 1300}}, []step{
			{redOf(t, redNumber(1), [2]int64{113, 0}), "lines at 0%: the reversal's amount of 113 fen exceeds the 100 fen of amount that remain at 0% on invoice 24442000000000000001"},
			{redOf(t, redNumber(2), [2]int64{100, 0}, [2]int64{100, 1300}), ""},
		}},
		{"tax rounded up line by line cannot exceed the original's tax", [][2]int64{{100, 1300}}, []step{
			// 24 lines of 4 fen: 0.52 → 1 fen each, 24 fen of tax against the 13 charged.
			{func() domain.ReverseInvoiceRequest {
				var ls [][2]int64
				for range 24 {
					ls = append(ls, [2]int64{4, 1300})
				}
				return redOf(t, redNumber(1), ls...)
			}(), "lines at 13%: the reversal's tax of 24 fen exceeds the 13 fen of tax that remain at 13%"},
		}},
		{"partial reversals are remembered per rate", [][2]int64{{100000, 600}, {333, 1300}}, []step{
			{redOf(t, redNumber(1), [2]int64{50000, 600}), ""},
			{redOf(t, redNumber(2), [2]int64{50001, 600}), "the reversal's amount of 50001 fen exceeds the 50000 fen of amount that remain at 6%"},
			{redOf(t, redNumber(3), [2]int64{333, 600}), ""}, // 6% amount, fits
			{redOf(t, redNumber(4), [2]int64{333, 1300}, [2]int64{49667, 600}), ""},
			{redOf(t, redNumber(5), [2]int64{1, 0}), "already fully REVERSED"},
		}},
		{"after a partial reversal, the rest of the tax only goes with the rest of the amount", [][2]int64{{10, 1300}}, []step{
			{redOf(t, redNumber(1), [2]int64{5, 1300}), ""}, // tax 0.65 → 1: all the tax is reversed
			{redOf(t, redNumber(2), [2]int64{4, 1300}), "the reversal's tax of 1 fen exceeds the 0 fen of tax that remain at 13% on invoice 24442000000000000001 (a reversal of all 5 fen of amount that remain at 13% takes exactly the tax that remains)"},
			{redOf(t, redNumber(3), [2]int64{5, 1300}), ""}, // closes 13%: its tax is settled to 0
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			orig := blueOf(t, c.orig...)
			var reds []domain.Invoice
			for i, s := range c.steps {
				before := orig
				red, err := domain.ReverseInvoice(&orig, reds, s.req, redClerk)
				if s.contains != "" {
					require.Error(t, err, "step %d", i)
					require.ErrorContains(t, err, s.contains, "step %d", i)
					require.Equal(t, before, orig, "the original is untouched on error")
					continue
				}
				require.NoError(t, err, "step %d", i)
				reds = append(reds, red)
				balances, err := domain.RemainingByRate(&orig, reds)
				require.NoError(t, err)
				var rest int64
				for _, b := range balances {
					require.GreaterOrEqual(t, b.AmountFen, int64(0), "rate %d", b.TaxRateBP)
					require.GreaterOrEqual(t, b.TaxFen, int64(0), "rate %d", b.TaxRateBP)
					rest += b.AmountFen + b.TaxFen
				}
				require.Equal(t, orig.RemainingTotalFen, rest, "remaining_total_fen is the sum of the per-rate balances")
			}
		})
	}
}

// TestReverseInvoiceSettlesRounding: the reversal that takes the last amount at a rate takes
// exactly the tax that remains there, so a partial then full reversal always ends at zero
// although each red line rounds its own tax.
func TestReverseInvoiceSettlesRounding(t *testing.T) {
	redClerk := domain.Actor{Org: domain.TaxMSP, By: "issuer@tax", At: "2026-03-05T08:00:00Z", TxID: "txR"}
	cases := []struct {
		name          string
		orig          [2]int64
		first, second int64
		secondTax     int64 // the settled tax of the second (closing) red invoice
	}{
		// 333 at 13% = 43.29 → 43; 150 → 19.5 → 20; 183 → 23.79 → 24, but only 23 remain.
		{"rounded up: the closing reversal takes less", [2]int64{333, 1300}, 150, 183, 23},
		// 20 at 13% = 2.6 → 3; 10 → 1.3 → 1; 10 → 1, but 2 remain.
		{"rounded down: the closing reversal takes more", [2]int64{20, 1300}, 10, 10, 2},
		{"no rounding difference", [2]int64{100000, 600}, 50000, 50000, 3000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			orig := blueOf(t, c.orig)
			red1, err := domain.ReverseInvoice(&orig, nil, redOf(t, redNumber(1), [2]int64{c.first, c.orig[1]}), redClerk)
			require.NoError(t, err)
			red2, err := domain.ReverseInvoice(&orig, []domain.Invoice{red1}, redOf(t, redNumber(2), [2]int64{c.second, c.orig[1]}), redClerk)
			require.NoError(t, err)
			require.Equal(t, -c.secondTax, red2.TotalTaxFen)
			require.Equal(t, -c.secondTax, red2.Items[0].TaxFen)
			require.Equal(t, -(c.second + c.secondTax), red2.TotalFen)
			require.Equal(t, domain.InvoiceReversed, orig.Status)
			require.Zero(t, orig.RemainingTotalFen)
			require.Equal(t, orig.TotalFen, orig.ReversedTotalFen)
			require.Equal(t, orig.TotalTaxFen, -(red1.TotalTaxFen + red2.TotalTaxFen), "exactly the original's tax is reversed")
		})
	}
}

func TestRemainingByRateRefusesInconsistentReversals(t *testing.T) {
	redClerk := domain.Actor{Org: domain.TaxMSP, By: "issuer@tax", At: "2026-03-05T08:00:00Z", TxID: "txR"}
	orig := blueOf(t, [2]int64{1000, 600})
	red, err := domain.ReverseInvoice(&orig, nil, redOf(t, redNumber(1), [2]int64{100, 600}), redClerk)
	require.NoError(t, err)
	other := red
	other.Number = redNumber(9)
	for name, earlier := range map[string][]domain.Invoice{"missing": nil, "another red invoice": {other}, "too many": {red, red}} {
		t.Run(name, func(t *testing.T) {
			_, err := domain.RemainingByRate(&orig, earlier)
			require.Error(t, err)
			require.Empty(t, domain.ErrorCode(err), "an inconsistent ledger is an internal error")
			before := orig
			_, err = domain.ReverseInvoice(&orig, earlier, redOf(t, redNumber(2), [2]int64{100, 600}), redClerk)
			require.Error(t, err)
			require.Equal(t, before, orig)
		})
	}
}
