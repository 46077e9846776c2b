package domain

import (
	"math"
	"strconv"
)

// allowedTaxRatesBP are the VAT rates in basis points (13%, 9%, 6%, 3%, 1%, 0%).
var allowedTaxRatesBP = [...]int64{1300, 900, 600, 300, 100, 0}

// AllowedTaxRatesBP returns the allowed VAT rates in basis points, highest first.
func AllowedTaxRatesBP() []int64 {
	return append([]int64(nil), allowedTaxRatesBP[:]...)
}

// IsAllowedTaxRate reports whether rateBP is one of AllowedTaxRatesBP.
func IsAllowedTaxRate(rateBP int64) bool {
	for _, r := range allowedTaxRatesBP {
		if r == rateBP {
			return true
		}
	}
	return false
}

// LineTax is THE rounding rule of govchain: tax = amountFen × rateBP / 10000, rounded half
// up to the fen. amountFen must be ≥ 0 and rateBP allowed (UNPROCESSABLE otherwise, also on
// overflow). Negative (red-letter) lines are computed on their positive counterpart and
// negated, so rounding is symmetric.
func LineTax(amountFen, rateBP int64) (int64, error) {
	if !IsAllowedTaxRate(rateBP) {
		return 0, Errorf(CodeUnprocessable, "tax rate %d bp is not allowed; allowed rates: %v", rateBP, allowedTaxRatesBP)
	}
	if amountFen < 0 {
		return 0, Errorf(CodeUnprocessable, "amount %d fen is negative", amountFen)
	}
	if rateBP == 0 {
		return 0, nil
	}
	if amountFen > (math.MaxInt64-5000)/rateBP {
		return 0, Errorf(CodeUnprocessable, "amount %d fen is too large to compute tax", amountFen)
	}
	return (amountFen*rateBP + 5000) / 10000, nil
}

// Totals are the sums over an invoice's lines, in fen.
type Totals struct {
	AmountFen int64
	TaxFen    int64
	TotalFen  int64
}

// ComputeInvoice computes every line's amount (quantity × unit price) and tax (LineTax) and
// the invoice totals (sums; total = amount + tax). Quantities and unit prices must be
// positive, quantities at most MaxQuantity, and every unit price, line amount and total at
// most MaxMoneyFen (UNPROCESSABLE otherwise); bounds are checked before each product or
// sum is formed, so nothing can overflow. Error messages name the line as items[i].
func ComputeInvoice(items []InvoiceItemRequest) ([]InvoiceItem, Totals, error) {
	out := make([]InvoiceItem, 0, len(items))
	var t Totals
	for i, it := range items {
		if it.Quantity <= 0 {
			return nil, Totals{}, Errorf(CodeUnprocessable, "items[%d].quantity must be positive, got %d", i, it.Quantity)
		}
		if it.Quantity > MaxQuantity {
			return nil, Totals{}, Errorf(CodeUnprocessable, "items[%d].quantity is %d; at most %d allowed", i, it.Quantity, MaxQuantity)
		}
		if it.UnitPriceFen <= 0 {
			return nil, Totals{}, Errorf(CodeUnprocessable, "items[%d].unit_price_fen must be positive, got %d", i, it.UnitPriceFen)
		}
		if err := checkMoney("items["+strconv.Itoa(i)+"].unit_price_fen", it.UnitPriceFen); err != nil {
			return nil, Totals{}, err
		}
		amount, ok := MulMoney(it.Quantity, it.UnitPriceFen)
		if !ok {
			return nil, Totals{}, Errorf(CodeUnprocessable, "items[%d]: quantity %d × unit_price_fen %d exceeds the maximum line amount of %d fen", i, it.Quantity, it.UnitPriceFen, MaxMoneyFen)
		}
		tax, err := LineTax(amount, it.TaxRateBP)
		if err != nil {
			return nil, Totals{}, Errorf(CodeUnprocessable, "items[%d]: %s", i, err.(*Error).Message)
		}
		sumA, okA := AddMoney(t.AmountFen, amount)
		sumT, okT := AddMoney(t.TaxFen, tax)
		if !okA || !okT {
			return nil, Totals{}, Errorf(CodeUnprocessable, "items[%d]: the invoice totals exceed the maximum of %d fen", i, MaxMoneyFen)
		}
		t.AmountFen, t.TaxFen = sumA, sumT
		out = append(out, InvoiceItem{
			Description:  it.Description,
			Quantity:     it.Quantity,
			UnitPriceFen: it.UnitPriceFen,
			TaxRateBP:    it.TaxRateBP,
			AmountFen:    amount,
			TaxFen:       tax,
		})
	}
	total, ok := AddMoney(t.AmountFen, t.TaxFen)
	if !ok {
		return nil, Totals{}, Errorf(CodeUnprocessable, "total_fen (amount %d + tax %d fen) exceeds the maximum of %d fen", t.AmountFen, t.TaxFen, MaxMoneyFen)
	}
	t.TotalFen = total
	return out, t, nil
}

// CheckStatedTotals compares the totals a request states with the computed ones
// (UNPROCESSABLE naming the first that differs and the expected value).
func CheckStatedTotals(stated, computed Totals) error {
	checks := [...]struct {
		field          string
		stated, wanted int64
	}{
		{"total_amount_fen", stated.AmountFen, computed.AmountFen},
		{"total_tax_fen", stated.TaxFen, computed.TaxFen},
		{"total_fen", stated.TotalFen, computed.TotalFen},
	}
	for _, c := range checks {
		if c.stated != c.wanted {
			return Errorf(CodeUnprocessable, "%s is %d, but the items add up to %d", c.field, c.stated, c.wanted)
		}
	}
	return nil
}
