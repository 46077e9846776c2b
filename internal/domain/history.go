package domain

import "encoding/json"

// HistoryEntry is one version of a record, as returned by every contract's History.
// Value is the record JSON (null for a delete); SubmitterOrg/Submitter come from the
// version's updated_by_org/updated_by.
type HistoryEntry struct {
	TxID         string          `json:"tx_id"`
	Timestamp    string          `json:"timestamp"`
	IsDelete     bool            `json:"is_delete"`
	SubmitterOrg string          `json:"submitter_org"`
	Submitter    string          `json:"submitter"`
	Value        json.RawMessage `json:"value"`
}

// HistoryPage is the result of History: newest version first (Fabric's order).
type HistoryPage struct {
	Entries  []HistoryEntry `json:"entries"`
	Bookmark string         `json:"bookmark"`
	Fetched  int            `json:"fetched"`
}

// Page sizes of List and History.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// PageSize returns the effective page size: 0 means DefaultPageSize, 1..100 as given,
// anything else is INVALID.
func PageSize(n int32) (int32, error) {
	if n == 0 {
		return DefaultPageSize, nil
	}
	if n < 1 || n > MaxPageSize {
		return 0, Errorf(CodeInvalid, "pageSize must be 1..%d (0 = %d), got %d", MaxPageSize, DefaultPageSize, n)
	}
	return n, nil
}
