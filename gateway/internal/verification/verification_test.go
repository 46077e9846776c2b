package verification

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/govchain/govchain/internal/ledgerfetch"
	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// peer serves real blocks of a dev network (internal/ledgerverify/testdata/devnet).
type peer struct {
	mu     sync.Mutex
	name   string
	blocks [][]byte
	err    error
	reads  int
}

func (p *peer) Name() (string, string) { return p.name, "AuditMSP" }

func (p *peer) Info(context.Context) (*cb.BlockchainInfo, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return nil, p.err
	}
	return &cb.BlockchainInfo{Height: uint64(len(p.blocks))}, nil
}

func (p *peer) Block(_ context.Context, n uint64) (*cb.Block, []byte, error) {
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

func devnet(t *testing.T) [][]byte {
	t.Helper()
	paths, _ := filepath.Glob("../../../internal/ledgerverify/testdata/devnet/*.block")
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

func tamper(t *testing.T, raw []byte) []byte {
	b := &cb.Block{}
	if err := proto.Unmarshal(raw, b); err != nil {
		t.Fatal(err)
	}
	b.Data.Data[0][30] ^= 1
	out, _ := proto.Marshal(b)
	return out
}

func TestService(t *testing.T) {
	blocks := devnet(t)
	statePath := filepath.Join(t.TempDir(), "verification.json")
	own := &peer{name: "peer0.audit", blocks: blocks[:3]}
	other := &peer{name: "peer0.market", blocks: blocks[:3]}
	svc, err := New(Config{Source: own, Peers: []ledgerfetch.Reader{own, other}, State: statePath})
	if err != nil {
		t.Fatal(err)
	}
	if r := svc.Report(); r.Status != StatusPending || r.CheckedAt != nil {
		t.Fatalf("before any run: %+v", r)
	}

	t.Run("first run verifies from block 0 and compares peers", func(t *testing.T) {
		r, err := svc.Run(context.Background())
		if err != nil || r.Status != StatusVerified || r.VerifiedHeight != 3 || r.LedgerHeight != 3 || r.LastRunBlocks != 3 {
			t.Fatalf("%+v %v", r, err)
		}
		if len(r.Peers) != 2 || !r.Peers[0].Match || !r.Peers[1].Match {
			t.Fatalf("peers %+v", r.Peers)
		}
	})
	t.Run("a restarted service resumes from the checkpoint", func(t *testing.T) {
		own.blocks, other.blocks = blocks, blocks
		svc2, err := New(Config{Source: own, Peers: []ledgerfetch.Reader{own, other}, State: statePath})
		if err != nil {
			t.Fatal(err)
		}
		r, err := svc2.Run(context.Background())
		if err != nil || r.Status != StatusVerified || r.VerifiedHeight != uint64(len(blocks)) || r.LastRunBlocks != uint64(len(blocks)-3) {
			t.Fatalf("%+v %v", r, err)
		}
		svc = svc2
	})
	t.Run("nothing new: nothing re-read but the head", func(t *testing.T) {
		r, _ := svc.Run(context.Background())
		if r.Status != StatusVerified || r.LastRunBlocks != 0 {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("a peer holding a different block is a fault", func(t *testing.T) {
		forked := append([][]byte(nil), blocks...)
		b := &cb.Block{}
		_ = proto.Unmarshal(forked[len(forked)-1], b)
		b.Header.DataHash[0] ^= 1
		forked[len(forked)-1], _ = proto.Marshal(b)
		other.blocks = forked
		r, _ := svc.Run(context.Background())
		if r.Status != StatusFault || r.Fault == nil || r.Fault.Kind != FaultPeerDivergence || !strings.Contains(r.Fault.Detail, "peer0.market") {
			t.Fatalf("%+v", r)
		}
		other.blocks = blocks
	})
	t.Run("an unreachable peer is reported, not a fault", func(t *testing.T) {
		other.err = errors.New("connection refused")
		r, _ := svc.Run(context.Background())
		if r.Status != StatusVerified || r.Peers[1].Match || !strings.Contains(r.Peers[1].Error, "refused") {
			t.Fatalf("%+v", r)
		}
		other.err = nil
	})
	t.Run("a source that cannot be read keeps the last report and says why", func(t *testing.T) {
		own.err = errors.New("peer down")
		r, err := svc.Run(context.Background())
		if err != nil || r.Status != StatusVerified || !strings.Contains(r.Error, "peer down") {
			t.Fatalf("%+v %v", r, err)
		}
		own.err = nil
	})
}

func TestServiceFault(t *testing.T) {
	blocks := devnet(t)
	bad := append([][]byte(nil), blocks...)
	bad[3] = tamper(t, bad[3])
	statePath := filepath.Join(t.TempDir(), "verification.json")
	own := &peer{name: "peer0.audit", blocks: bad}
	svc, err := New(Config{Source: own, Peers: []ledgerfetch.Reader{own}, State: statePath})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := svc.Run(context.Background())
	if r.Status != StatusFault || r.Fault == nil || r.Fault.Block != 3 || r.VerifiedHeight != 3 {
		t.Fatalf("%+v", r)
	}
	// The next run starts at the faulty block again (blocks 0-2 are kept verified) and
	// finds the same fault.
	own.reads = 0
	r, _ = svc.Run(context.Background())
	if r.Status != StatusFault || r.Fault.Block != 3 || own.reads != 1 {
		t.Fatalf("%+v reads %d", r, own.reads)
	}
}

func TestCorruptState(t *testing.T) {
	statePath := filepath.Join(t.TempDir(), "verification.json")
	if err := os.WriteFile(statePath, []byte(`{"checkpoint":{"number":3,"header_hash":"AA==","config_block":""}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Source: &peer{name: "p"}, State: statePath}); err == nil {
		t.Fatal("a checkpoint that cannot be resumed must stop the start, not be ignored")
	}
}
