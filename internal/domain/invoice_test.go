package domain_test

import (
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
		red, err := domain.ReverseInvoice(&orig, reversal("24442000000000000002", 50000), redClerk) // 53000
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
		_, err = domain.ReverseInvoice(&orig, rest, redClerk)
		require.NoError(t, err)
		require.Equal(t, domain.InvoiceReversed, orig.Status)
		require.Zero(t, orig.RemainingTotalFen)
		require.Len(t, orig.Reversals, 2)

		_, err = domain.ReverseInvoice(&orig, reversal("24442000000000000004", 1), redClerk)
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
		{"over-reversal", func(*domain.Invoice) {}, reversal("24442000000000000002", 100400), domain.CodeUnprocessable, "reversal total_fen 106424 exceeds the 106376 fen that remain"},
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
			_, err := domain.ReverseInvoice(&orig, c.req, redClerk)
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
