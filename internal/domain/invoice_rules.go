package domain

import "strconv"

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
// updates orig (reversals, reversed and remaining totals, status). A red invoice, a fully
// reversed invoice or one under a reimbursement claim cannot be reversed (CONFLICT); the
// reversal may not exceed what remains (UNPROCESSABLE). orig is untouched on error.
func ReverseInvoice(orig *Invoice, r ReverseInvoiceRequest, a Actor) (Invoice, error) {
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
	if r.TotalFen > orig.RemainingTotalFen {
		return Invoice{}, Errorf(CodeUnprocessable, "reversal total_fen %d exceeds the %d fen that remain of invoice %s", r.TotalFen, orig.RemainingTotalFen, orig.Number)
	}
	red := Invoice{
		Number:                r.Number,
		SellerUSCC:            orig.SellerUSCC,
		BuyerUSCC:             orig.BuyerUSCC,
		BuyerName:             orig.BuyerName,
		IssuedOn:              r.IssuedOn,
		Items:                 negateItems(lines),
		TotalAmountFen:        -r.TotalAmountFen,
		TotalTaxFen:           -r.TotalTaxFen,
		TotalFen:              -r.TotalFen,
		Kind:                  KindRed,
		Status:                InvoiceIssued,
		OriginalNumber:        orig.Number,
		Reason:                r.Reason,
		Reversals:             []Reversal{},
		ReimbursementReleases: []ReimbursementRelease{},
		RecordMeta:            NewRecordMeta(a),
	}
	orig.Reversals = append(append([]Reversal{}, orig.Reversals...), Reversal{Number: red.Number, TotalFen: red.TotalFen, At: a.At, TxID: a.TxID})
	orig.ReversedTotalFen += r.TotalFen
	orig.RemainingTotalFen = orig.TotalFen - orig.ReversedTotalFen
	orig.Status = InvoicePartiallyReversed
	if orig.RemainingTotalFen == 0 {
		orig.Status = InvoiceReversed
	}
	orig.Touch(a)
	return red, nil
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
