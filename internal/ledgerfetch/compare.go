package ledgerfetch

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/govchain/govchain/internal/ledgerverify"
	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
)

// PeerResult says whether one peer holds the verified chain.
type PeerResult struct {
	Peer   string `json:"peer"`
	MSPID  string `json:"org"`
	Height uint64 `json:"height"`
	// ComparedBlock is the block whose header hash was compared: the verified
	// head, or the peer's last block when it is behind.
	ComparedBlock uint64 `json:"compared_block"`
	Hash          string `json:"hash,omitempty"` // hex header hash of ComparedBlock on this peer
	Match         bool   `json:"match"`
	Error         string `json:"error,omitempty"`
}

// Reader is one peer's copy of the chain (a *Source).
type Reader interface {
	Name() (peer, mspID string)
	Info(ctx context.Context) (*cb.BlockchainInfo, error)
	Block(ctx context.Context, n uint64) (*cb.Block, []byte, error)
}

// HashAt returns the header hash of block n of the verified chain, read from
// the verified source (the caller has verified blocks up to head, so a block
// at or below it read from the same source carries that chain's hash).
type HashAt func(ctx context.Context, n uint64) ([]byte, error)

// ComparePeers reads, from every peer, the header of block head (the last
// verified block) — or of the peer's own last block when it is behind — hashes
// it here and compares it with the verified chain's hash of that block. Equal
// header hashes mean equal headers, and through each header's previous-hash
// link the same chain below it, provided that peer's copy is itself intact
// (this does not re-verify other peers' storage). The peers are read in
// parallel; one that cannot be read is reported with its error.
func ComparePeers(ctx context.Context, peers []Reader, head uint64, headHash []byte, hashAt HashAt) []PeerResult {
	out := make([]PeerResult, len(peers))
	var wg sync.WaitGroup
	for i, p := range peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = comparePeer(ctx, p, head, headHash, hashAt)
		}()
	}
	wg.Wait()
	return out
}

func comparePeer(ctx context.Context, p Reader, head uint64, headHash []byte, hashAt HashAt) PeerResult {
	var r PeerResult
	r.Peer, r.MSPID = p.Name()
	info, err := p.Info(ctx)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.Height = info.Height
	if info.Height == 0 {
		r.Error = "the peer has no blocks"
		return r
	}
	n := head
	if info.Height-1 < head {
		n = info.Height - 1
	}
	r.ComparedBlock = n
	want := headHash
	if n != head {
		if want, err = hashAt(ctx, n); err != nil {
			r.Error = fmt.Sprintf("verified chain, block %d: %v", n, err)
			return r
		}
	}
	b, _, err := p.Block(ctx, n)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	got := ledgerverify.HeaderHash(b.Header)
	r.Hash = hex.EncodeToString(got)
	r.Match = bytes.Equal(got, want)
	if !r.Match {
		r.Error = fmt.Sprintf("block %d header hash %x differs from the verified chain's %x", n, got, want)
	}
	return r
}
