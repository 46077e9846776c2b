package domain

// Invoice kinds and statuses.
const (
	KindBlue = "BLUE" // normal invoice
	KindRed  = "RED"  // red-letter (reversal) invoice

	InvoiceIssued            = "ISSUED"
	InvoicePartiallyReversed = "PARTIALLY_REVERSED"
	InvoiceReversed          = "REVERSED"
)

// MaxInvoiceItems is the largest number of lines on one invoice.
const MaxInvoiceItems = 1000

// InvoiceItemRequest is one line of an Issue or Reverse request.
type InvoiceItemRequest struct {
	Description  string `json:"description"`
	Quantity     int64  `json:"quantity"`
	UnitPriceFen int64  `json:"unit_price_fen"`
	TaxRateBP    int64  `json:"tax_rate_bp"`
}

// IssueInvoiceRequest is the argument of invoice:Issue.
type IssueInvoiceRequest struct {
	Number         string               `json:"number"`
	SellerUSCC     string               `json:"seller_uscc"`
	BuyerUSCC      string               `json:"buyer_uscc,omitempty"`
	BuyerName      string               `json:"buyer_name"`
	IssuedOn       string               `json:"issued_on"`
	Items          []InvoiceItemRequest `json:"items"`
	TotalAmountFen int64                `json:"total_amount_fen"`
	TotalTaxFen    int64                `json:"total_tax_fen"`
	TotalFen       int64                `json:"total_fen"`
}

// ReverseInvoiceRequest is the second argument of invoice:Reverse: the reversed portion,
// with positive quantities and prices.
type ReverseInvoiceRequest struct {
	Number         string               `json:"number"`
	Reason         string               `json:"reason"`
	IssuedOn       string               `json:"issued_on"`
	Items          []InvoiceItemRequest `json:"items"`
	TotalAmountFen int64                `json:"total_amount_fen"`
	TotalTaxFen    int64                `json:"total_tax_fen"`
	TotalFen       int64                `json:"total_fen"`
}

// ClaimReimbursementRequest is the second argument of invoice:ClaimReimbursement.
type ClaimReimbursementRequest struct {
	Reference string `json:"reference,omitempty"`
	Note      string `json:"note,omitempty"`
}

// InvoiceItem is one stored line: the request line plus its computed amount and tax
// (negative on a red invoice, with a negative quantity).
type InvoiceItem struct {
	Description  string `json:"description"`
	Quantity     int64  `json:"quantity"`
	UnitPriceFen int64  `json:"unit_price_fen"`
	TaxRateBP    int64  `json:"tax_rate_bp"`
	AmountFen    int64  `json:"amount_fen"`
	TaxFen       int64  `json:"tax_fen"`
}

// Invoice is the invoice record (key: the 20-digit number).
type Invoice struct {
	Number                string                 `json:"number"`
	SellerUSCC            string                 `json:"seller_uscc"`
	BuyerUSCC             string                 `json:"buyer_uscc"`
	BuyerName             string                 `json:"buyer_name"`
	IssuedOn              string                 `json:"issued_on"`
	Items                 []InvoiceItem          `json:"items"`
	TotalAmountFen        int64                  `json:"total_amount_fen"`
	TotalTaxFen           int64                  `json:"total_tax_fen"`
	TotalFen              int64                  `json:"total_fen"`
	Kind                  string                 `json:"kind"`
	Status                string                 `json:"status"`
	OriginalNumber        string                 `json:"original_number"`
	Reason                string                 `json:"reason"`
	Reversals             []Reversal             `json:"reversals"`
	ReversedTotalFen      int64                  `json:"reversed_total_fen"`
	RemainingTotalFen     int64                  `json:"remaining_total_fen"`
	Reimbursement         *Reimbursement         `json:"reimbursement"`
	ReimbursementReleases []ReimbursementRelease `json:"reimbursement_releases"`
	RecordMeta
}

// Reversal is a red invoice issued against a blue one; TotalFen is the red invoice's
// (negative) total_fen.
type Reversal struct {
	Number   string `json:"number"`
	TotalFen int64  `json:"total_fen"`
	At       string `json:"at"`
	TxID     string `json:"tx_id"`
}

// Reimbursement is a claim on an invoice: at most one at a time, across all organisations.
type Reimbursement struct {
	Org       string `json:"org"`
	By        string `json:"by"`
	At        string `json:"at"`
	TxID      string `json:"tx_id"`
	Reference string `json:"reference"`
	Note      string `json:"note"`
}

// ReimbursementRelease records who released which claim, when and why.
type ReimbursementRelease struct {
	Reason string        `json:"reason"`
	Org    string        `json:"org"`
	By     string        `json:"by"`
	At     string        `json:"at"`
	TxID   string        `json:"tx_id"`
	Claim  Reimbursement `json:"claim"`
}

// InvoicePage is the result of invoice:List.
type InvoicePage struct {
	Records  []Invoice `json:"records"`
	Bookmark string    `json:"bookmark"`
	Fetched  int       `json:"fetched"`
}
