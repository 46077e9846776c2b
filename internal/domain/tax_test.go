package domain_test

import (
	"math"
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

func TestLineTaxRoundsHalfUpToTheFen(t *testing.T) {
	cases := []struct {
		name         string
		amount, rate int64
		want         int64
	}{
		{"13% exact", 10000, 1300, 1300},
		{"13% of 1 fen rounds down (0.13)", 1, 1300, 0},
		{"9% of 50 fen is 4.5, rounds up", 50, 900, 5},
		{"6% of 25 fen is 1.5, rounds up", 25, 600, 2},
		{"3% of 49 fen is 1.47, rounds down", 49, 300, 1},
		{"1% of 150 fen is 1.5, rounds up", 150, 100, 2},
		{"1% of 149 fen is 1.49, rounds down", 149, 100, 1},
		{"0% is zero", 123456789, 0, 0},
		{"zero amount", 0, 1300, 0},
		{"large amount without overflow", math.MaxInt64 / 1300 / 2, 1300, (math.MaxInt64/1300/2*1300 + 5000) / 10000},
		{"0% of the largest amount", math.MaxInt64, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := domain.LineTax(c.amount, c.rate)
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}

func TestLineTaxRefusals(t *testing.T) {
	cases := []struct {
		name         string
		amount, rate int64
		contains     string
	}{
		{"rate not allowed", 100, 1700, "tax rate 1700 bp is not allowed"},
		{"negative rate", 100, -900, "not allowed"},
		{"negative amount", -1, 900, "negative"},
		{"overflow", math.MaxInt64 / 1000, 1300, "too large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := domain.LineTax(c.amount, c.rate)
			require.Equal(t, domain.CodeUnprocessable, domain.ErrorCode(err))
			require.ErrorContains(t, err, c.contains)
		})
	}
}

func TestAllowedTaxRates(t *testing.T) {
	rates := domain.AllowedTaxRatesBP()
	require.Equal(t, []int64{1300, 900, 600, 300, 100, 0}, rates)
	rates[0] = 5 // a copy: the allowed list cannot be changed from outside
	require.True(t, domain.IsAllowedTaxRate(1300))
	require.False(t, domain.IsAllowedTaxRate(5))
}

func TestComputeInvoice(t *testing.T) {
	items := []domain.InvoiceItemRequest{
		{Description: "steel", Quantity: 3, UnitPriceFen: 3333, TaxRateBP: 1300}, // 9999 → 1299.87 → 1300
		{Description: "freight", Quantity: 1, UnitPriceFen: 50, TaxRateBP: 900},  // 50 → 4.5 → 5
		{Description: "books", Quantity: 2, UnitPriceFen: 1000, TaxRateBP: 0},
	}
	lines, totals, err := domain.ComputeInvoice(items)
	require.NoError(t, err)
	require.Equal(t, []domain.InvoiceItem{
		{Description: "steel", Quantity: 3, UnitPriceFen: 3333, TaxRateBP: 1300, AmountFen: 9999, TaxFen: 1300},
		{Description: "freight", Quantity: 1, UnitPriceFen: 50, TaxRateBP: 900, AmountFen: 50, TaxFen: 5},
		{Description: "books", Quantity: 2, UnitPriceFen: 1000, TaxRateBP: 0, AmountFen: 2000, TaxFen: 0},
	}, lines)
	require.Equal(t, domain.Totals{AmountFen: 12049, TaxFen: 1305, TotalFen: 13354}, totals)
}

func TestComputeInvoiceRefusals(t *testing.T) {
	line := func(q, p, r int64) []domain.InvoiceItemRequest {
		return []domain.InvoiceItemRequest{{Description: "ok", Quantity: 1, UnitPriceFen: 1, TaxRateBP: 0}, {Description: "x", Quantity: q, UnitPriceFen: p, TaxRateBP: r}}
	}
	cases := []struct {
		name     string
		items    []domain.InvoiceItemRequest
		contains string
	}{
		{"zero quantity", line(0, 100, 1300), "items[1].quantity must be positive"},
		{"negative quantity", line(-2, 100, 1300), "items[1].quantity must be positive, got -2"},
		{"negative price", line(1, -100, 1300), "items[1].unit_price_fen must be positive"},
		{"rate not allowed", line(1, 100, 1600), "items[1]: tax rate 1600 bp"},
		{"quantity × price overflows int64", line(math.MaxInt64/2, 3, 0), "items[1].quantity is 4611686018427387903; at most 1000000000 allowed"},
		{"price beyond int64 tax range", line(1, math.MaxInt64/1000, 1300), "items[1].unit_price_fen is 9223372036854775 fen; at most 1000000000000000 fen"},
		// Security review: 9007199254740993 × 1 fen at 0 % was accepted, and JavaScript
		// clients read the stored amount as 9007199254740992.
		{"quantity above 2^53", line(9007199254740993, 1, 0), "items[1].quantity is 9007199254740993; at most 1000000000 allowed"},
		{"quantity just above the cap", line(domain.MaxQuantity+1, 1, 0), "at most 1000000000 allowed"},
		{"unit price above 2^53", line(1, 9007199254740993, 0), "items[1].unit_price_fen is 9007199254740993 fen"},
		{"unit price just above the cap", line(1, domain.MaxMoneyFen+1, 0), "at most 1000000000000000 fen"},
		{"line amount above the cap", line(domain.MaxQuantity, domain.MaxMoneyFen/domain.MaxQuantity+1, 0), "items[1]: quantity 1000000000 × unit_price_fen 1000001 exceeds the maximum line amount of 1000000000000000 fen"},
		{"amount sum above the cap", []domain.InvoiceItemRequest{
			{Description: "a", Quantity: 1, UnitPriceFen: domain.MaxMoneyFen, TaxRateBP: 0},
			{Description: "b", Quantity: 1, UnitPriceFen: 1, TaxRateBP: 0},
		}, "items[1]: the invoice totals exceed the maximum of 1000000000000000 fen"},
		{"amount + tax above the cap", []domain.InvoiceItemRequest{
			{Description: "a", Quantity: 1, UnitPriceFen: domain.MaxMoneyFen - 7000, TaxRateBP: 0},
			{Description: "b", Quantity: 1, UnitPriceFen: 7000, TaxRateBP: 100},
		}, "total_fen (amount 1000000000000000 + tax 70 fen) exceeds the maximum of 1000000000000000 fen"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := domain.ComputeInvoice(c.items)
			require.Equal(t, domain.CodeUnprocessable, domain.ErrorCode(err), "%v", err)
			require.ErrorContains(t, err, c.contains)
		})
	}
}

func TestComputeInvoiceAtTheCaps(t *testing.T) {
	cases := []struct {
		name  string
		items []domain.InvoiceItemRequest
		want  domain.Totals
	}{
		{"largest quantity", []domain.InvoiceItemRequest{{Description: "a", Quantity: domain.MaxQuantity, UnitPriceFen: 1, TaxRateBP: 0}},
			domain.Totals{AmountFen: 1e9, TaxFen: 0, TotalFen: 1e9}},
		{"largest line amount at 0%", []domain.InvoiceItemRequest{{Description: "a", Quantity: domain.MaxQuantity, UnitPriceFen: domain.MaxMoneyFen / domain.MaxQuantity, TaxRateBP: 0}},
			domain.Totals{AmountFen: domain.MaxMoneyFen, TaxFen: 0, TotalFen: domain.MaxMoneyFen}},
		{"total exactly at the cap", []domain.InvoiceItemRequest{{Description: "a", Quantity: 1, UnitPriceFen: 884955752212389, TaxRateBP: 1300}},
			domain.Totals{AmountFen: 884955752212389, TaxFen: 115044247787611, TotalFen: 1_000_000_000_000_000}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, got, err := domain.ComputeInvoice(c.items)
			require.NoError(t, err)
			require.Equal(t, c.want, got)
			require.LessOrEqual(t, got.TotalFen, domain.MaxSafeJSONInt)
		})
	}
}

func TestMoneyArithmetic(t *testing.T) {
	cases := []struct {
		name string
		a, b int64
		mul  int64
		mok  bool
		add  int64
		aok  bool
	}{
		{"small", 3, 4, 12, true, 7, true},
		{"zero", 0, domain.MaxMoneyFen, 0, true, domain.MaxMoneyFen, true},
		{"product at the cap", domain.MaxQuantity, domain.MaxMoneyFen / domain.MaxQuantity, domain.MaxMoneyFen, true, domain.MaxQuantity + domain.MaxMoneyFen/domain.MaxQuantity, true},
		{"product one above the cap", domain.MaxMoneyFen/7 + 1, 7, 0, false, domain.MaxMoneyFen/7 + 8, true},
		{"int64 overflow", math.MaxInt64, 2, 0, false, 0, false},
		{"negative", -1, 5, 0, false, 0, false},
		{"sum at the cap", domain.MaxMoneyFen - 1, 1, domain.MaxMoneyFen - 1, true, domain.MaxMoneyFen, true},
		{"sum above the cap", domain.MaxMoneyFen, 1, domain.MaxMoneyFen, true, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, ok := domain.MulMoney(c.a, c.b)
			require.Equal(t, c.mok, ok)
			if ok {
				require.Equal(t, c.mul, p)
			}
			s, ok := domain.AddMoney(c.a, c.b)
			require.Equal(t, c.aok, ok)
			if ok {
				require.Equal(t, c.add, s)
			}
		})
	}
}

func TestCheckStatedTotals(t *testing.T) {
	computed := domain.Totals{AmountFen: 100, TaxFen: 13, TotalFen: 113}
	cases := []struct {
		name     string
		stated   domain.Totals
		contains string
	}{
		{"all equal", computed, ""},
		{"amount differs", domain.Totals{AmountFen: 99, TaxFen: 13, TotalFen: 113}, "total_amount_fen is 99, but the items add up to 100"},
		{"tax differs", domain.Totals{AmountFen: 100, TaxFen: 12, TotalFen: 113}, "total_tax_fen is 12"},
		{"total differs", domain.Totals{AmountFen: 100, TaxFen: 13, TotalFen: 112}, "total_fen is 112, but the items add up to 113"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := domain.CheckStatedTotals(c.stated, computed)
			if c.contains == "" {
				require.NoError(t, err)
				return
			}
			require.Equal(t, domain.CodeUnprocessable, domain.ErrorCode(err))
			require.ErrorContains(t, err, c.contains)
		})
	}
}
