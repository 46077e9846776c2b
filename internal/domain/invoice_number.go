package domain

// InvoiceNumberLength is the length of a fully digital invoice number (数电票号码).
const InvoiceNumberLength = 20

// ValidateInvoiceNumber checks that s is exactly 20 ASCII digits (INVALID otherwise). The
// inner structure (year, region, channel, sequence) is not verified, on purpose.
func ValidateInvoiceNumber(field, s string) error {
	if len(s) != InvoiceNumberLength {
		return Errorf(CodeInvalid, "%s must be exactly %d digits, got %q", field, InvoiceNumberLength, s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return Errorf(CodeInvalid, "%s must be exactly %d digits, got %q", field, InvoiceNumberLength, s)
		}
	}
	return nil
}
