package proofbundle

import (
	"context"
	"errors"
	"fmt"
	"github.com/govchain/govchain/internal/ledgerverify"
	"regexp"
	"sync"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// Source reads blocks of the channel (e.g. qscc GetBlockByNumber and
// GetBlockByTxID on the auditor's peer), marshalled as common.Block.
type Source interface {
	BlockByNumber(ctx context.Context, number uint64) ([]byte, error)
	BlockByTxID(ctx context.Context, txID string) ([]byte, error)
}

// ErrMalformedTxID: a transaction id is 64 lower-case hex digits.
var ErrMalformedTxID = errors.New("a transaction id is 64 lower-case hexadecimal digits")

var txIDPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidTxID reports whether id has the form of a Fabric transaction id.
func ValidTxID(id string) bool { return txIDPattern.MatchString(id) }

// Builder builds bundles, caching the config and definition blocks it reads
// by number (blocks never change; they are shared by every bundle of the same
// period). It is safe for concurrent use.
type Builder struct {
	mu    sync.Mutex
	cache map[uint64][]byte
}

// NewBuilder returns a Builder with an empty cache.
func NewBuilder() *Builder { return &Builder{cache: map[uint64][]byte{}} }

const maxCached = 64

func (bd *Builder) block(ctx context.Context, src Source, n uint64) (*cb.Block, error) {
	bd.mu.Lock()
	raw, ok := bd.cache[n]
	bd.mu.Unlock()
	if !ok {
		var err error
		if raw, err = src.BlockByNumber(ctx, n); err != nil {
			return nil, err
		}
		bd.mu.Lock()
		if len(bd.cache) >= maxCached {
			for k := range bd.cache {
				delete(bd.cache, k)
				break
			}
		}
		bd.cache[n] = raw
		bd.mu.Unlock()
	}
	b := &cb.Block{}
	if err := proto.Unmarshal(raw, b); err != nil {
		return nil, fmt.Errorf("block %d: %w", n, err)
	}
	return b, nil
}

// Build exports the bundle of transaction txID: its block, the block of the
// chaincode definition it read, and the config blocks in force for both. The
// bundle is derived (and so checked) as Verify would. Errors: ErrMalformedTxID,
// the Source's errors (e.g. its not-found), or a *Failure when the
// transaction cannot be proven (e.g. it is not a chaincode transaction).
func (bd *Builder) Build(ctx context.Context, src Source, txID string) ([]byte, *Bundle, error) {
	if !ValidTxID(txID) {
		return nil, nil, ErrMalformedTxID
	}
	raw, err := src.BlockByTxID(ctx, txID)
	if err != nil {
		return nil, nil, err
	}
	txb := &cb.Block{}
	if err := proto.Unmarshal(raw, txb); err != nil {
		return nil, nil, fmt.Errorf("block of %s: %w", txID, err)
	}
	// Which definition the transaction read.
	var defNum uint64
	found := false
	for _, env := range txb.GetData().GetData() {
		e, err := decodeEnvelope(env)
		if err != nil || e.chdr.TxId != txID {
			continue
		}
		tx, f := decodeEndorserTx(e)
		if f != nil {
			return nil, nil, f
		}
		if n := tx.ns(lifecycleNS); n != nil {
			for _, r := range n.kv.Reads {
				if r.Key == lifecycleKey(tx.chaincode.Name, definitionRead) && r.Version != nil {
					defNum, found = r.Version.BlockNum, true
				}
			}
		}
		break
	}
	if !found {
		return nil, nil, fail("definition", int64(txb.GetHeader().GetNumber()), "transaction %s read no chaincode definition (not a chaincode transaction?)", txID)
	}
	def, err := bd.block(ctx, src, defNum)
	if err != nil {
		return nil, nil, err
	}
	first, err := ledgerverify.LastConfigIndex(def)
	if err != nil {
		return nil, nil, err
	}
	last, err := ledgerverify.LastConfigIndex(txb)
	if err != nil {
		return nil, nil, err
	}
	// The config blocks from the one in force at the transaction back to the
	// one in force at the definition.
	var configs []*cb.Block
	for n := last; ; {
		c, err := bd.block(ctx, src, n)
		if err != nil {
			return nil, nil, err
		}
		configs = append([]*cb.Block{c}, configs...)
		if n <= first {
			break
		}
		prev, err := bd.block(ctx, src, n-1)
		if err != nil {
			return nil, nil, err
		}
		if n, err = ledgerverify.LastConfigIndex(prev); err != nil {
			return nil, nil, err
		}
	}
	var raws [][]byte
	for _, b := range append(configs, def, txb) {
		r, err := normalise(b)
		if err != nil {
			return nil, nil, err
		}
		raws = append(raws, r)
	}
	bundle, err := Derive(raws, txID)
	if err != nil {
		return nil, nil, err
	}
	out, err := Encode(bundle)
	if err != nil {
		return nil, nil, err
	}
	return out, bundle, nil
}

// normalise empties the metadata no signature covers (LAST_CONFIG, ORDERER,
// COMMIT_HASH) and marshals the block canonically.
func normalise(b *cb.Block) ([]byte, error) {
	c := proto.Clone(b).(*cb.Block)
	md := c.GetMetadata().GetMetadata()
	for len(md) < 5 {
		md = append(md, nil)
	}
	for _, i := range []cb.BlockMetadataIndex{cb.BlockMetadataIndex_LAST_CONFIG, cb.BlockMetadataIndex_ORDERER, cb.BlockMetadataIndex_COMMIT_HASH} {
		md[i] = nil
	}
	if c.Metadata == nil {
		c.Metadata = &cb.BlockMetadata{}
	}
	c.Metadata.Metadata = md
	return canon.Marshal(c)
}
