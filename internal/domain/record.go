package domain

// RecordMeta are the common fields of every record. Times are the transaction timestamp in
// RFC 3339 UTC; *_by is the submitter's certificate subject CN. Embedded last in each
// record, so its fields come last in the JSON.
type RecordMeta struct {
	OwnerOrg     string `json:"owner_org"`
	CreatedAt    string `json:"created_at"`
	CreatedByOrg string `json:"created_by_org"`
	CreatedBy    string `json:"created_by"`
	CreatedTxID  string `json:"created_tx_id"`
	UpdatedAt    string `json:"updated_at"`
	UpdatedByOrg string `json:"updated_by_org"`
	UpdatedBy    string `json:"updated_by"`
	LastTxID     string `json:"last_tx_id"`
}

// Actor is who does something, when, in which transaction.
type Actor struct {
	Org  string // MSP ID
	By   string // certificate subject CN
	At   string // transaction timestamp, RFC 3339 UTC
	TxID string
}

// NewRecordMeta returns the metadata of a record created by a, owned by a's org.
func NewRecordMeta(a Actor) RecordMeta {
	return RecordMeta{
		OwnerOrg:     a.Org,
		CreatedAt:    a.At,
		CreatedByOrg: a.Org,
		CreatedBy:    a.By,
		CreatedTxID:  a.TxID,
		UpdatedAt:    a.At,
		UpdatedByOrg: a.Org,
		UpdatedBy:    a.By,
		LastTxID:     a.TxID,
	}
}

// Touch records that a updated the record.
func (m *RecordMeta) Touch(a Actor) {
	m.UpdatedAt = a.At
	m.UpdatedByOrg = a.Org
	m.UpdatedBy = a.By
	m.LastTxID = a.TxID
}
