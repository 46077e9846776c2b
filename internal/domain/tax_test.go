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
		{"quantity × price overflows", line(math.MaxInt64/2, 3, 0), "overflows"},
		{"tax overflows", line(math.MaxInt64/1000, 1, 1300), "too large"},
		{"amount sum overflows", []domain.InvoiceItemRequest{
			{Description: "a", Quantity: 1, UnitPriceFen: math.MaxInt64, TaxRateBP: 0},
			{Description: "b", Quantity: 1, UnitPriceFen: 1, TaxRateBP: 0},
		}, "items[1]: invoice totals overflow"},
		{"amount + tax overflows", []domain.InvoiceItemRequest{
			{Description: "a", Quantity: 1, UnitPriceFen: math.MaxInt64 - 10, TaxRateBP: 0},
			{Description: "b", Quantity: 1, UnitPriceFen: 7000, TaxRateBP: 100},
		}, "overflow"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := domain.ComputeInvoice(c.items)
			require.Equal(t, domain.CodeUnprocessable, domain.ErrorCode(err), "%v", err)
			require.ErrorContains(t, err, c.contains)
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
