// Package indextest has a small ledger of index blocks and a fake block source for tests.
package indextest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/govchain/govchain/gateway/internal/index"
)

// T0 is the time of block 0.
var T0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

// Amount points at n.
func Amount(n int64) *int64 { return &n }

// TxID is the id of transaction i of block b.
func TxID(b uint64, i int) string { return fmt.Sprintf("%062d%02d", b, i) }

// Blocks is a small ledger: block 0 config, then businesses, invoices, an evidence, a
// grant, an amendment and an invalid transaction.
func Blocks() []index.Block {
	tx := func(b uint64, i int, creator, fn string, code int32) index.Tx {
		name := "VALID"
		if code == 11 {
			name = "MVCC_READ_CONFLICT"
		}
		return index.Tx{TxID: TxID(b, i), Block: b, TxIndex: i, Timestamp: T0.Add(time.Duration(b) * time.Hour).Add(time.Duration(i) * time.Second),
			CreatorMSP: creator, Endorsers: []string{"MarketMSP", "TaxMSP"}, Function: fn, ValidationCode: code, ValidationName: name}
	}
	rec := func(b uint64, i int, kind, id, uscc, name, agency string, amt *int64, status string) index.Record {
		ts := T0.Add(time.Duration(b) * time.Hour)
		return index.Record{Kind: kind, ID: id, USCC: uscc, Name: name, Agency: agency, AmountFen: amt, Status: status,
			CreatedAt: T0, UpdatedAt: ts, Block: b, TxIndex: i, TxID: TxID(b, i)}
	}
	return []index.Block{
		{Number: 0, Time: T0, Txs: []index.Tx{{TxID: TxID(0, 0), Timestamp: T0, Function: "CONFIG", ValidationName: "VALID", Endorsers: []string{}}}},
		{Number: 1, Time: T0.Add(time.Hour), Txs: []index.Tx{tx(1, 0, "MarketMSP", "business:Register", 0), tx(1, 1, "MarketMSP", "business:Register", 0)},
			Records: []index.Record{
				rec(1, 0, "business", "91350200MA2Y00010L", "91350200MA2Y00010L", "Xiamen Harbour Trading Co., Ltd.", "MarketMSP", Amount(500000000), "ACTIVE"),
				rec(1, 1, "business", "91430111MA4L41YT1U", "91430111MA4L41YT1U", "长沙 100%_Tea Co.", "MarketMSP", Amount(1000), "ACTIVE"),
			}},
		{Number: 2, Time: T0.Add(2 * time.Hour), Txs: []index.Tx{tx(2, 0, "TaxMSP", "invoice:Issue", 0), tx(2, 1, "MarketMSP", "business:Amend", 11), tx(2, 2, "NotaryMSP", "evidence:Deposit", 0)},
			Records: []index.Record{
				rec(2, 0, "invoice", "26350200000000000001", "91350200MA2Y00010L", "City Library", "TaxMSP", Amount(395500), "ISSUED"),
				rec(2, 2, "evidence", "0123456789abcdef0123456789abcdef", "", "contract.pdf", "NotaryMSP", nil, "DEPOSITED"),
			}},
		{Number: 3, Time: T0.Add(3 * time.Hour), Txs: []index.Tx{tx(3, 0, "MarketMSP", "business:ChangeStatus", 0), tx(3, 1, "MarketMSP", "grant:Create", 0)},
			Records: []index.Record{
				rec(3, 0, "business", "91350200MA2Y00010L", "91350200MA2Y00010L", "Xiamen Harbour Trading Co., Ltd.", "MarketMSP", Amount(500000000), "SUSPENDED"),
				rec(3, 1, "grant", "fedcba9876543210fedcba9876543210", "91350200MA2Y00010L", "TAX_IDENTITY_CHECK", "MarketMSP", nil, "ACTIVE"),
			}},
	}
}

// Source is a fake index.Source serving Blocks (or any blocks). Its stream stays open until
// the context ends, like a peer's; Starts records where each stream began.
type Source struct {
	mu     sync.Mutex
	blocks []index.Block
	Starts []uint64
	more   chan struct{}
}

// NewSource serves blocks.
func NewSource(blocks []index.Block) *Source {
	return &Source{blocks: blocks, more: make(chan struct{})}
}

// Append adds blocks to the ledger; open streams send them.
func (s *Source) Append(bs ...index.Block) {
	s.mu.Lock()
	s.blocks = append(s.blocks, bs...)
	close(s.more)
	s.more = make(chan struct{})
	s.mu.Unlock()
}

// Replace replaces block n (a ledger the index no longer matches).
func (s *Source) Replace(b index.Block) {
	s.mu.Lock()
	s.blocks[b.Number] = b
	s.mu.Unlock()
}

// StartsSeen returns where the streams began.
func (s *Source) StartsSeen() []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]uint64(nil), s.Starts...)
}

func (s *Source) Height(context.Context) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return uint64(len(s.blocks)), nil
}

func (s *Source) Blocks(ctx context.Context, start uint64) (<-chan index.Block, <-chan error, error) {
	s.mu.Lock()
	s.Starts = append(s.Starts, start)
	s.mu.Unlock()
	out := make(chan index.Block)
	errc := make(chan error, 1)
	go func() {
		defer close(out)
		next := start
		for {
			s.mu.Lock()
			var b *index.Block
			if next < uint64(len(s.blocks)) {
				b = &s.blocks[next]
			}
			more := s.more
			s.mu.Unlock()
			if b == nil {
				select {
				case <-ctx.Done():
					return
				case <-more:
					continue
				}
			}
			select {
			case out <- *b:
				next++
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, errc, nil
}
