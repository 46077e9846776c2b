package domain

// Evidence statuses.
const (
	EvidenceDeposited = "DEPOSITED"
	EvidenceCertified = "CERTIFIED"
	EvidenceRevoked   = "REVOKED"
)

// MaxBatchItems is the largest evidence:DepositBatch.
const MaxBatchItems = 500

// DepositRequest is the argument of evidence:Deposit and one item of a batch. Only the
// digest goes on the ledger; the file stays with its owner.
type DepositRequest struct {
	Hash          string `json:"hash"`
	HashAlgorithm string `json:"hash_algorithm"`
	FileName      string `json:"file_name"`
	MediaType     string `json:"media_type"`
	SizeBytes     int64  `json:"size_bytes"`
	Category      string `json:"category"`
	Description   string `json:"description"`
	Location      string `json:"location,omitempty"`
}

// DepositBatchRequest is the argument of evidence:DepositBatch (1..500 items, all or nothing).
type DepositBatchRequest struct {
	Items []DepositRequest `json:"items"`
}

// CertifyRequest is the second argument of evidence:Certify.
type CertifyRequest struct {
	CertificateNumber string `json:"certificate_number"`
	Notes             string `json:"notes,omitempty"`
}

// Evidence is the evidence record (key: its id).
type Evidence struct {
	ID            string         `json:"id"`
	Hash          string         `json:"hash"`
	HashAlgorithm string         `json:"hash_algorithm"`
	FileName      string         `json:"file_name"`
	MediaType     string         `json:"media_type"`
	SizeBytes     int64          `json:"size_bytes"`
	Category      string         `json:"category"`
	Description   string         `json:"description"`
	Location      string         `json:"location"`
	Status        string         `json:"status"`
	Certification *Certification `json:"certification"`
	Revocation    *Revocation    `json:"revocation"`
	RecordMeta
}

// Certification is a notary's certification of an evidence record.
type Certification struct {
	CertificateNumber string `json:"certificate_number"`
	Notes             string `json:"notes"`
	Org               string `json:"org"`
	By                string `json:"by"`
	At                string `json:"at"`
	TxID              string `json:"tx_id"`
}

// Revocation is the depositor's withdrawal of an evidence record.
type Revocation struct {
	Reason string `json:"reason"`
	Org    string `json:"org"`
	By     string `json:"by"`
	At     string `json:"at"`
	TxID   string `json:"tx_id"`
}

// EvidenceBatch is the result of evidence:DepositBatch.
type EvidenceBatch struct {
	Records []Evidence `json:"records"`
}
