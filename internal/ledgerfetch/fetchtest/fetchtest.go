// Package fetchtest is a fake peer for tests of code that reads the chain through a
// ledgerfetch.Reader, and the real dev-network blocks it serves.
package fetchtest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// Peer serves Blocks the way qscc would. Set Err to make every call fail. It is safe for
// concurrent use; change its fields with Set.
type Peer struct {
	mu     sync.Mutex
	name   string
	blocks [][]byte
	err    error
	reads  int
}

// NewPeer serves blocks as peer name.
func NewPeer(name string, blocks [][]byte) *Peer { return &Peer{name: name, blocks: blocks} }

// Set replaces the blocks served and the error every call fails with (nil: none).
func (p *Peer) Set(blocks [][]byte, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.blocks, p.err = blocks, err
}

// Reads is how many blocks were read one by one.
func (p *Peer) Reads() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reads
}

// Name is the peer's name and org.
func (p *Peer) Name() (string, string) { return p.name, "AuditMSP" }

// Info is the chain info: the height.
func (p *Peer) Info(context.Context) (*cb.BlockchainInfo, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return nil, p.err
	}
	return &cb.BlockchainInfo{Height: uint64(len(p.blocks))}, nil
}

// Block returns block n.
func (p *Peer) Block(_ context.Context, n uint64) (*cb.Block, []byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return nil, nil, p.err
	}
	if n >= uint64(len(p.blocks)) {
		return nil, nil, errors.New("no such block")
	}
	p.reads++
	b := &cb.Block{}
	if err := proto.Unmarshal(p.blocks[n], b); err != nil {
		return nil, nil, err
	}
	return b, p.blocks[n], nil
}

// Devnet returns the marshalled blocks of a real dev network
// (internal/ledgerverify/testdata/devnet).
func Devnet(t testing.TB) [][]byte {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	paths, _ := filepath.Glob(filepath.Join(filepath.Dir(here), "..", "..", "ledgerverify", "testdata", "devnet", "*.block"))
	if len(paths) < 4 {
		t.Fatal("no devnet blocks")
	}
	var out [][]byte
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, raw)
	}
	return out
}
