package domain

// Business maxima of every number that govchain stores and returns as a JSON number. They
// are the one place where these limits live: request validation (chaincode and gateway
// alike, both through this package), the arithmetic below, docs/chaincode-api.md and the
// gateway's OpenAPI document (`maximum`) all follow them.
//
// Why: JSON numbers are read as IEEE-754 doubles by JavaScript (and many other) clients,
// which represent integers exactly only up to 2^53 − 1 = 9 007 199 254 740 991. A larger
// amount would be stored exactly on the ledger but read wrongly by such a client (e.g.
// 9007199254740993 reads as 9007199254740992). The caps keep every stored or derived
// number well below that.
const (
	// MaxSafeJSONInt is 2^53 − 1, the largest integer every JSON client reads exactly.
	MaxSafeJSONInt int64 = 1<<53 - 1

	// MaxMoneyFen caps every amount in fen: unit prices, line amounts and taxes, invoice
	// totals (each of amount, tax and total), registered capital. 10^15 fen = 10^13 yuan
	// (10 trillion yuan): far above the registered capital of any Chinese enterprise (the
	// largest are below one trillion yuan) and above a year's national VAT revenue, so no
	// real invoice or registration comes near it; and still 9 times below 2^53, so no
	// number the ledger derives from these amounts (reversed and remaining totals are
	// bounded by the invoice total) can pass it.
	MaxMoneyFen int64 = 1_000_000_000_000_000

	// MaxQuantity caps the quantity of one invoice line: 10^9 units. Quantities are whole
	// units here; 10^9 leaves room for bulk goods billed per unit while keeping
	// quantity × unit price checkable before it is computed.
	MaxQuantity int64 = 1_000_000_000

	// MaxSizeBytes caps the stated size of a deposited file: 10^15 bytes (1 PB), far above
	// any file whose digest is deposited, and below 2^53.
	MaxSizeBytes int64 = 1_000_000_000_000_000
)

// The caps must stay below 2^53; these constants do not compile otherwise.
const (
	_ = uint64(MaxSafeJSONInt - MaxMoneyFen)
	_ = uint64(MaxSafeJSONInt - MaxQuantity)
	_ = uint64(MaxSafeJSONInt - MaxSizeBytes)
)

// checkMoney refuses a fen amount outside 0..MaxMoneyFen (UNPROCESSABLE, naming field).
func checkMoney(field string, fen int64) error {
	if fen < 0 {
		return Errorf(CodeUnprocessable, "%s must not be negative, got %d", field, fen)
	}
	if fen > MaxMoneyFen {
		return Errorf(CodeUnprocessable, "%s is %d fen; at most %d fen (10 trillion yuan) allowed", field, fen, MaxMoneyFen)
	}
	return nil
}

// MulMoney returns quantity × unitFen when both are non-negative and the product is at most
// MaxMoneyFen; ok is false otherwise. The bound is checked before multiplying, so the
// product can never overflow.
func MulMoney(quantity, unitFen int64) (product int64, ok bool) {
	if quantity < 0 || unitFen < 0 {
		return 0, false
	}
	if quantity == 0 || unitFen == 0 {
		return 0, true
	}
	if quantity > MaxMoneyFen/unitFen {
		return 0, false
	}
	return quantity * unitFen, true
}

// AddMoney returns a + b when both are in 0..MaxMoneyFen and the sum is at most
// MaxMoneyFen; ok is false otherwise (checked before adding).
func AddMoney(a, b int64) (sum int64, ok bool) {
	if a < 0 || b < 0 || a > MaxMoneyFen || b > MaxMoneyFen-a {
		return 0, false
	}
	return a + b, true
}
