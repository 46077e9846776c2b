package domain

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Validate checks an Issue request completely, including that the stated totals equal
// the computed ones. INVALID for malformed fields, UNPROCESSABLE for a wrong USCC check
// character, a disallowed tax rate, non-positive quantities or prices, overflow or totals
// that do not add up.
func (r *IssueInvoiceRequest) Validate() error {
	if err := ValidateInvoiceNumber("number", r.Number); err != nil {
		return err
	}
	if err := validateUSCCField("seller_uscc", r.SellerUSCC); err != nil {
		return err
	}
	if r.BuyerUSCC != "" {
		if err := validateUSCCField("buyer_uscc", r.BuyerUSCC); err != nil {
			return err
		}
	}
	if err := (textRule{field: "buyer_name", max: MaxNameLen, required: true}).check(r.BuyerName); err != nil {
		return err
	}
	if err := checkDate("issued_on", r.IssuedOn); err != nil {
		return err
	}
	_, err := checkItemsAndTotals(r.Items, Totals{r.TotalAmountFen, r.TotalTaxFen, r.TotalFen})
	return err
}

// Validate checks a Reverse request on its own (like IssueInvoiceRequest.Validate, plus a
// reason). Whether it fits the original is checked by ReverseInvoice.
func (r *ReverseInvoiceRequest) Validate() error {
	if err := ValidateInvoiceNumber("number", r.Number); err != nil {
		return err
	}
	if err := checkReason(r.Reason); err != nil {
		return err
	}
	if err := checkDate("issued_on", r.IssuedOn); err != nil {
		return err
	}
	_, err := checkItemsAndTotals(r.Items, Totals{r.TotalAmountFen, r.TotalTaxFen, r.TotalFen})
	return err
}

// Validate checks a reimbursement claim's optional fields.
func (r *ClaimReimbursementRequest) Validate() error {
	if err := (textRule{field: "reference", max: MaxReferenceLen}).check(r.Reference); err != nil {
		return err
	}
	return textRule{field: "note", max: MaxLongTextLen, multiline: true}.check(r.Note)
}

func checkItemsAndTotals(items []InvoiceItemRequest, stated Totals) ([]InvoiceItem, error) {
	if len(items) == 0 {
		return nil, Errorf(CodeInvalid, "items must contain at least one line")
	}
	if len(items) > MaxInvoiceItems {
		return nil, Errorf(CodeInvalid, "items has %d lines; at most %d allowed", len(items), MaxInvoiceItems)
	}
	for i, it := range items {
		rule := textRule{field: "items[" + strconv.Itoa(i) + "].description", max: MaxNameLen, required: true}
		if err := rule.check(it.Description); err != nil {
			return nil, err
		}
	}
	lines, computed, err := ComputeInvoice(items)
	if err != nil {
		return nil, err
	}
	if err := CheckStatedTotals(stated, computed); err != nil {
		return nil, err
	}
	return lines, nil
}

// NewBlueInvoice builds the record of a validated Issue request, created by a.
func NewBlueInvoice(r IssueInvoiceRequest, a Actor) (Invoice, error) {
	lines, err := checkItemsAndTotals(r.Items, Totals{r.TotalAmountFen, r.TotalTaxFen, r.TotalFen})
	if err != nil {
		return Invoice{}, err
	}
	return Invoice{
		Number:                r.Number,
		SellerUSCC:            r.SellerUSCC,
		BuyerUSCC:             r.BuyerUSCC,
		BuyerName:             r.BuyerName,
		IssuedOn:              r.IssuedOn,
		Items:                 lines,
		TotalAmountFen:        r.TotalAmountFen,
		TotalTaxFen:           r.TotalTaxFen,
		TotalFen:              r.TotalFen,
		Kind:                  KindBlue,
		Status:                InvoiceIssued,
		Reversals:             []Reversal{},
		RemainingTotalFen:     r.TotalFen,
		ReimbursementReleases: []ReimbursementRelease{},
		RecordMeta:            NewRecordMeta(a),
	}, nil
}

// CheckSellerCanIssue refuses a seller that is not ACTIVE (CONFLICT naming its status).
func CheckSellerCanIssue(seller *Business) error {
	if seller.Status != StatusActive {
		return Errorf(CodeConflict, "seller %s is %s; only ACTIVE businesses may issue invoices", seller.USCC, seller.Status)
	}
	return nil
}

// ReverseInvoice issues the red invoice for a validated Reverse request against orig and
// updates orig (reversals, reversed and remaining totals, status). earlier are the red
// invoices already issued against orig, in the order of orig.Reversals (RemainingByRate
// derives what remains from them). A red invoice, a fully reversed invoice or one under a
// reimbursement claim cannot be reversed (CONFLICT).
//
// Like a red-letter invoice mirrors the original's lines, the reversal may never take, at
// any tax rate, more amount or more tax than remains of the original at that rate
// (UNPROCESSABLE naming the rate and what remains); a rate the original does not have
// cannot be reversed at all. When a reversal takes all the amount that remains at a rate,
// it takes exactly the tax that remains there too: the difference to its lines' own
// rounding (at most half a fen per line involved) is settled on its last lines at that
// rate, so that a partial then full reversal always ends at zero. The red invoice carries
// the settled taxes and totals. orig is untouched on error.
func ReverseInvoice(orig *Invoice, earlier []Invoice, r ReverseInvoiceRequest, a Actor) (Invoice, error) {
	if orig.Kind == KindRed {
		return Invoice{}, Errorf(CodeConflict, "invoice %s is a red invoice (reversing %s); a red invoice cannot be reversed", orig.Number, orig.OriginalNumber)
	}
	if orig.Status == InvoiceReversed {
		return Invoice{}, Errorf(CodeConflict, "invoice %s is already fully REVERSED", orig.Number)
	}
	if c := orig.Reimbursement; c != nil {
		return Invoice{}, Errorf(CodeConflict, "invoice %s is claimed for reimbursement by %s (CN=%s) at %s; it cannot be reversed", orig.Number, c.Org, c.By, c.At)
	}
	if r.Number == orig.Number {
		return Invoice{}, Errorf(CodeConflict, "red invoice number %s is the original's number; a red invoice needs a new number", r.Number)
	}
	lines, err := checkItemsAndTotals(r.Items, Totals{r.TotalAmountFen, r.TotalTaxFen, r.TotalFen})
	if err != nil {
		return Invoice{}, err
	}
	balances, err := RemainingByRate(orig, earlier)
	if err != nil {
		return Invoice{}, err
	}
	if err := fitReversal(orig, balances, lines); err != nil {
		return Invoice{}, err
	}
	var t Totals
	for _, l := range lines {
		t.AmountFen += l.AmountFen // bounded by MaxMoneyFen: checkItemsAndTotals
		t.TaxFen += l.TaxFen
	}
	t.TotalFen = t.AmountFen + t.TaxFen
	if t.TotalFen > orig.RemainingTotalFen {
		return Invoice{}, Errorf(CodeUnprocessable, "reversal total_fen %d exceeds the %d fen that remain of invoice %s", t.TotalFen, orig.RemainingTotalFen, orig.Number)
	}
	red := Invoice{
		Number:                r.Number,
		SellerUSCC:            orig.SellerUSCC,
		BuyerUSCC:             orig.BuyerUSCC,
		BuyerName:             orig.BuyerName,
		IssuedOn:              r.IssuedOn,
		Items:                 negateItems(lines),
		TotalAmountFen:        -t.AmountFen,
		TotalTaxFen:           -t.TaxFen,
		TotalFen:              -t.TotalFen,
		Kind:                  KindRed,
		Status:                InvoiceIssued,
		OriginalNumber:        orig.Number,
		Reason:                r.Reason,
		Reversals:             []Reversal{},
		ReimbursementReleases: []ReimbursementRelease{},
		RecordMeta:            NewRecordMeta(a),
	}
	orig.Reversals = append(append([]Reversal{}, orig.Reversals...), Reversal{Number: red.Number, TotalFen: red.TotalFen, At: a.At, TxID: a.TxID})
	orig.ReversedTotalFen += t.TotalFen
	orig.RemainingTotalFen = orig.TotalFen - orig.ReversedTotalFen
	orig.Status = InvoicePartiallyReversed
	if orig.RemainingTotalFen == 0 {
		orig.Status = InvoiceReversed
	}
	orig.Touch(a)
	return red, nil
}

// RateBalance is what remains of an original invoice at one tax rate: its amount and tax at
// that rate less what its red invoices reversed there. Lines counts the original's and the
// red invoices' lines at that rate (each rounded its tax by at most half a fen).
type RateBalance struct {
	TaxRateBP int64 `json:"tax_rate_bp"`
	AmountFen int64 `json:"amount_fen"`
	TaxFen    int64 `json:"tax_fen"`
	Lines     int   `json:"-"`
}

// RemainingByRate derives, per tax rate of orig (highest rate first), the amount and tax
// that remain after the red invoices earlier, which must be exactly the reversals recorded
// on orig, in order (an internal error otherwise: the ledger would be inconsistent). It
// depends on nothing but the two records, so every endorser derives the same balances.
func RemainingByRate(orig *Invoice, earlier []Invoice) ([]RateBalance, error) {
	if len(earlier) != len(orig.Reversals) {
		return nil, fmt.Errorf("invoice %s records %d reversals, %d red invoices were given", orig.Number, len(orig.Reversals), len(earlier))
	}
	byRate := map[int64]*RateBalance{}
	add := func(items []InvoiceItem, sign int64) {
		for _, it := range items {
			b := byRate[it.TaxRateBP]
			if b == nil {
				b = &RateBalance{TaxRateBP: it.TaxRateBP}
				byRate[it.TaxRateBP] = b
			}
			b.AmountFen += sign * it.AmountFen
			b.TaxFen += sign * it.TaxFen
			b.Lines++
		}
	}
	add(orig.Items, 1)
	for i, red := range earlier {
		rv := orig.Reversals[i]
		if red.Number != rv.Number || red.Kind != KindRed || red.OriginalNumber != orig.Number || red.TotalFen != rv.TotalFen {
			return nil, fmt.Errorf("invoice %s: reversal %d is %s (%d fen), but red invoice %s (%s of %q, %d fen) was given",
				orig.Number, i, rv.Number, rv.TotalFen, red.Number, red.Kind, red.OriginalNumber, red.TotalFen)
		}
		add(red.Items, 1) // red lines are negative
	}
	out := make([]RateBalance, 0, len(byRate))
	for _, rate := range allowedTaxRatesBP {
		if b := byRate[rate]; b != nil {
			out = append(out, *b)
			delete(byRate, rate)
		}
	}
	if len(byRate) > 0 { // a stored rate that is not allowed (any more): keep it, ordered
		var rest []int64
		for rate := range byRate {
			rest = append(rest, rate)
		}
		sort.Slice(rest, func(i, j int) bool { return rest[i] > rest[j] })
		for _, rate := range rest {
			out = append(out, *byRate[rate])
		}
	}
	return out, nil
}

// fitReversal checks the reversal's lines against the balances per rate and settles the
// tax of every rate the reversal closes (see ReverseInvoice), in lines.
func fitReversal(orig *Invoice, balances []RateBalance, lines []InvoiceItem) error {
	var have []string
	for _, b := range balances {
		have = append(have, formatTaxRate(b.TaxRateBP))
	}
	for _, rate := range allowedTaxRatesBP {
		var amount, tax int64
		var idx []int
		for i, l := range lines {
			if l.TaxRateBP == rate {
				amount += l.AmountFen
				tax += l.TaxFen
				idx = append(idx, i)
			}
		}
		if len(idx) == 0 {
			continue
		}
		pct := formatTaxRate(rate)
		var bal *RateBalance
		for i := range balances {
			if balances[i].TaxRateBP == rate {
				bal = &balances[i]
			}
		}
		if bal == nil {
			return Errorf(CodeUnprocessable, "invoice %s has no lines at %s; a reversal may only reverse the tax rates of the original (%s)", orig.Number, pct, strings.Join(have, ", "))
		}
		if amount > bal.AmountFen {
			return Errorf(CodeUnprocessable, "lines at %s: the reversal's amount of %d fen exceeds the %d fen of amount that remain at %s on invoice %s", pct, amount, max(bal.AmountFen, 0), pct, orig.Number)
		}
		if amount < bal.AmountFen {
			if tax > bal.TaxFen {
				return Errorf(CodeUnprocessable, "lines at %s: the reversal's tax of %d fen exceeds the %d fen of tax that remain at %s on invoice %s (a reversal of all %d fen of amount that remain at %s takes exactly the tax that remains)",
					pct, tax, max(bal.TaxFen, 0), pct, orig.Number, bal.AmountFen, pct)
			}
			continue
		}
		// The reversal closes this rate: it takes exactly the tax that remains.
		diff := tax - bal.TaxFen
		if diff == 0 {
			continue
		}
		if bal.TaxFen < 0 || 2*abs64(diff) > int64(bal.Lines+len(idx)) {
			return Errorf(CodeUnprocessable, "lines at %s: the reversal takes all %d fen of amount that remain at %s on invoice %s, so it must take the %d fen of tax that remain there; its lines' tax adds up to %d fen, more than rounding explains",
				pct, amount, pct, orig.Number, max(bal.TaxFen, 0), tax)
		}
		settleTax(lines, idx, diff)
	}
	return nil
}

// settleTax removes diff fen of tax from the lines idx (last first, none below zero) or,
// for a negative diff, adds -diff to the last of them.
func settleTax(lines []InvoiceItem, idx []int, diff int64) {
	if diff < 0 {
		lines[idx[len(idx)-1]].TaxFen -= diff
		return
	}
	for k := len(idx) - 1; k >= 0 && diff > 0; k-- {
		l := &lines[idx[k]]
		take := min(diff, l.TaxFen)
		l.TaxFen -= take
		diff -= take
	}
}

// formatTaxRate formats an allowed rate in basis points as a percentage ("13%", "0%"); any
// other value as "N bp".
func formatTaxRate(bp int64) string {
	if bp%100 != 0 || bp < 0 {
		return strconv.FormatInt(bp, 10) + " bp"
	}
	return strconv.FormatInt(bp/100, 10) + "%"
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func negateItems(items []InvoiceItem) []InvoiceItem {
	out := make([]InvoiceItem, len(items))
	for i, it := range items {
		it.Quantity, it.AmountFen, it.TaxFen = -it.Quantity, -it.AmountFen, -it.TaxFen
		out[i] = it
	}
	return out
}

// ClaimReimbursement puts a's claim on inv. A second claim (by anyone) is CONFLICT naming
// the holder; red and fully reversed invoices cannot be claimed (CONFLICT).
func ClaimReimbursement(inv *Invoice, r ClaimReimbursementRequest, a Actor) error {
	if c := inv.Reimbursement; c != nil {
		return Errorf(CodeConflict, "invoice %s is already claimed for reimbursement by %s (CN=%s) at %s", inv.Number, c.Org, c.By, c.At)
	}
	if inv.Kind == KindRed {
		return Errorf(CodeConflict, "invoice %s is a red invoice; it cannot be claimed for reimbursement", inv.Number)
	}
	if inv.Status == InvoiceReversed {
		return Errorf(CodeConflict, "invoice %s is REVERSED; nothing is left to reimburse", inv.Number)
	}
	inv.Reimbursement = &Reimbursement{Org: a.Org, By: a.By, At: a.At, TxID: a.TxID, Reference: r.Reference, Note: r.Note}
	inv.Touch(a)
	return nil
}

// ReleaseReimbursement removes the claim on inv. Only the claiming organisation may release
// it (FORBIDDEN otherwise); an unclaimed invoice is CONFLICT; a reason is required.
func ReleaseReimbursement(inv *Invoice, reason string, a Actor) error {
	if err := checkReason(reason); err != nil {
		return err
	}
	c := inv.Reimbursement
	if c == nil {
		return Errorf(CodeConflict, "invoice %s is not claimed for reimbursement", inv.Number)
	}
	if c.Org != a.Org {
		return Errorf(CodeForbidden, "invoice %s is claimed by %s; only finance of %s may release the claim (caller is %s)", inv.Number, c.Org, c.Org, a.Org)
	}
	inv.ReimbursementReleases = append(append([]ReimbursementRelease{}, inv.ReimbursementReleases...), ReimbursementRelease{
		Reason: reason, Org: a.Org, By: a.By, At: a.At, TxID: a.TxID, Claim: *c,
	})
	inv.Reimbursement = nil
	inv.Touch(a)
	return nil
}
