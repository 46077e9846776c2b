// Package index is the gateway's searchable index of the ledger: a copy of the public record
// writes and of every transaction's facts, kept in a SQL database from the block stream of
// the audit office's own peer, so that auditors can search records by USCC, name, agency,
// status, date and amount and list invalid transactions. It is a convenience the gateway
// derives: the chain verification (internal/ledgerverify) is the proof.
//
// This package holds the index's values, the Store and Source seams, and the Service that
// follows the ledger and answers queries. It imports no Fabric, SQL or HTTP package: the SQL
// store is index/sqlstore, the block source and decoder are in gateway/internal/fabric.
package index

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/govchain/govchain/internal/domain"
)

// Kinds of indexed records.
const (
	KindBusiness = "business"
	KindInvoice  = "invoice"
	KindEvidence = "evidence"
	KindGrant    = "grant"
)

// Kinds lists the indexed record kinds.
func Kinds() []string { return []string{KindBusiness, KindInvoice, KindEvidence, KindGrant} }

// Record is one version of a public record: what the index keeps of it. Personal data is
// never indexed (the public record only binds it by hash, and that is left out too).
type Record struct {
	Kind   string
	ID     string // USCC, invoice number, evidence id, grant id
	USCC   string // the business the record is about (seller, granted record)
	Name   string // business name, invoice buyer, evidence file name, grant purpose
	Agency string // MSP ID of the owner org
	// AmountFen: registered capital (business) or total (invoice); nil for the others.
	AmountFen *int64
	Status    string
	CreatedAt time.Time
	UpdatedAt time.Time
	Block     uint64
	TxIndex   int
	TxID      string
}

// Tx is one transaction of a block, valid or not.
type Tx struct {
	TxID       string
	Block      uint64
	TxIndex    int
	Timestamp  time.Time
	CreatorMSP string
	Endorsers  []string // MSP IDs, sorted, each once
	Function   string   // "contract:Function", "CONFIG" for a configuration transaction
	// ValidationCode is Fabric's code number; ValidationName its name (VALID, MVCC_READ_CONFLICT…).
	ValidationCode int32
	ValidationName string
}

// Valid reports whether the transaction committed valid.
func (t Tx) Valid() bool { return t.ValidationCode == 0 }

// Block is one block's rows: its transactions and, from its valid transactions, the record
// versions they wrote, in ledger order.
type Block struct {
	Number  uint64
	Time    time.Time // the first transaction's timestamp
	Txs     []Tx
	Records []Record
}

// RecordFromWrite turns a public state write of the govchain chaincode into a Record, or
// reports false for keys that are not records (index entries, access records) and values that
// do not decode. Block, TxIndex, TxID and the times (when the value carries none) are the
// caller's to fill.
func RecordFromWrite(key string, value []byte) (Record, bool) {
	var meta domain.RecordMeta
	r := Record{}
	switch {
	case strings.HasPrefix(key, "biz~"):
		var b domain.Business
		if json.Unmarshal(value, &b) != nil || b.USCC == "" {
			return Record{}, false
		}
		amount := b.RegisteredCapitalFen
		r = Record{Kind: KindBusiness, ID: b.USCC, USCC: b.USCC, Name: b.Name, AmountFen: &amount, Status: b.Status}
		meta = b.RecordMeta
	case strings.HasPrefix(key, "inv~"):
		var inv domain.Invoice
		if json.Unmarshal(value, &inv) != nil || inv.Number == "" {
			return Record{}, false
		}
		amount := inv.TotalFen
		r = Record{Kind: KindInvoice, ID: inv.Number, USCC: inv.SellerUSCC, Name: inv.BuyerName, AmountFen: &amount, Status: inv.Status}
		meta = inv.RecordMeta
	case strings.HasPrefix(key, "evi~"):
		var e domain.Evidence
		if json.Unmarshal(value, &e) != nil || e.ID == "" {
			return Record{}, false
		}
		r = Record{Kind: KindEvidence, ID: e.ID, Name: e.FileName, Status: e.Status}
		meta = e.RecordMeta
	case strings.HasPrefix(key, "grt~"):
		var g domain.Grant
		if json.Unmarshal(value, &g) != nil || g.ID == "" {
			return Record{}, false
		}
		r = Record{Kind: KindGrant, ID: g.ID, USCC: g.Record, Name: g.Purpose, Status: g.Status}
		meta = g.RecordMeta
	default:
		return Record{}, false
	}
	r.Agency = meta.OwnerOrg
	r.CreatedAt = parseTime(meta.CreatedAt)
	r.UpdatedAt = parseTime(meta.UpdatedAt)
	return r, true
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// RecordQuery selects records. Empty fields do not filter.
type RecordQuery struct {
	Kind       string
	USCC       string
	Name       string // case-insensitive substring
	Agency     string // MSP ID
	Status     string
	From, To   *time.Time // on UpdatedAt, inclusive
	MinAmount  *int64
	MaxAmount  *int64
	PageSize   int
	After      *RecordKey // keyset bookmark: records after this one
	AllColumns bool
}

// RecordKey is a record's place in the stable order (kind, id).
type RecordKey struct {
	Kind string `json:"k"`
	ID   string `json:"i"`
}

// TxQuery selects transactions. Empty fields do not filter.
type TxQuery struct {
	Valid    *bool
	Code     string // validation code name or number
	Agency   string // creator's MSP ID
	Function string
	From, To *time.Time
	PageSize int
	After    *TxKey
}

// TxKey is a transaction's place in the ledger order (block, index).
type TxKey struct {
	Block uint64 `json:"b"`
	Index int    `json:"i"`
}

// StatsQuery counts blocks and transactions per bucket and agency (the creator's org).
type StatsQuery struct {
	Bucket   time.Duration // an hour or a day
	From, To time.Time
}

// Bucket is one time bucket's counts for one agency.
type Bucket struct {
	Start        time.Time
	Agency       string // MSP ID of the transactions' creators
	Blocks       int64  // blocks with at least one of its transactions
	Transactions int64
	Invalid      int64
}

// Store is the index database.
type Store interface {
	// Driver names the database (sqlite, postgres).
	Driver() string
	// Height is the number of blocks indexed: the next block to index.
	Height(ctx context.Context) (uint64, error)
	// LastBlockTime is the time of the last block indexed (zero when none).
	LastBlockTime(ctx context.Context) (time.Time, error)
	// Apply writes one block's rows and the checkpoint in one database transaction. A block
	// below the height was indexed already and is skipped; a block above it is refused.
	Apply(ctx context.Context, b Block) error
	// Reset empties the index (height 0).
	Reset(ctx context.Context) error
	Records(ctx context.Context, q RecordQuery) ([]Record, error)
	Transactions(ctx context.Context, q TxQuery) ([]Tx, error)
	Stats(ctx context.Context, q StatsQuery) ([]Bucket, error)
	// Dump lists every row about blocks below height, canonically, for the self-check.
	Dump(ctx context.Context, below uint64) (Dump, error)
	Close() error
}

// Dump is the index's content below a height: one line per row, sorted.
type Dump struct {
	Transactions []string
	Versions     []string
	Records      map[string]string // "kind/id" → latest version below the height
}

// Source is the ledger the index follows.
type Source interface {
	// Height is the ledger's block height.
	Height(ctx context.Context) (uint64, error)
	// Blocks streams decoded blocks from start on, in order, until ctx ends or the stream
	// breaks (the channel closes; the error channel then says why, if it knows).
	Blocks(ctx context.Context, start uint64) (<-chan Block, <-chan error, error)
}
