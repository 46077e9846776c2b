package verification

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govchain/govchain/internal/ledgerfetch"
	"github.com/govchain/govchain/internal/ledgerfetch/fetchtest"
	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

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
	blocks := fetchtest.Devnet(t)
	statePath := filepath.Join(t.TempDir(), "verification.json")
	own := fetchtest.NewPeer("peer0.audit", blocks[:3])
	other := fetchtest.NewPeer("peer0.market", blocks[:3])
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
		own.Set(blocks, nil)
		other.Set(blocks, nil)
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
		other.Set(forked, nil)
		r, _ := svc.Run(context.Background())
		if r.Status != StatusFault || r.Fault == nil || r.Fault.Kind != FaultPeerDivergence || !strings.Contains(r.Fault.Detail, "peer0.market") {
			t.Fatalf("%+v", r)
		}
		other.Set(blocks, nil)
	})
	t.Run("an unreachable peer is reported, not a fault", func(t *testing.T) {
		other.Set(blocks, errors.New("connection refused"))
		r, _ := svc.Run(context.Background())
		if r.Status != StatusVerified || r.Peers[1].Match || !strings.Contains(r.Peers[1].Error, "refused") {
			t.Fatalf("%+v", r)
		}
		other.Set(blocks, nil)
	})
	t.Run("a source that cannot be read keeps the last report and says why", func(t *testing.T) {
		own.Set(blocks, errors.New("peer down"))
		r, err := svc.Run(context.Background())
		if err != nil || r.Status != StatusVerified || !strings.Contains(r.Error, "peer down") {
			t.Fatalf("%+v %v", r, err)
		}
		own.Set(blocks, nil)
	})
}

func TestServiceFault(t *testing.T) {
	blocks := fetchtest.Devnet(t)
	bad := append([][]byte(nil), blocks...)
	bad[3] = tamper(t, bad[3])
	statePath := filepath.Join(t.TempDir(), "verification.json")
	own := fetchtest.NewPeer("peer0.audit", bad)
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
	before := own.Reads()
	r, _ = svc.Run(context.Background())
	if r.Status != StatusFault || r.Fault.Block != 3 || own.Reads()-before != 1 {
		t.Fatalf("%+v reads %d", r, own.Reads()-before)
	}
}

func TestCorruptState(t *testing.T) {
	statePath := filepath.Join(t.TempDir(), "verification.json")
	if err := os.WriteFile(statePath, []byte(`{"checkpoint":{"number":3,"header_hash":"AA==","config_block":""}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Source: fetchtest.NewPeer("p", nil), State: statePath}); err == nil {
		t.Fatal("a checkpoint that cannot be resumed must stop the start, not be ignored")
	}
}
