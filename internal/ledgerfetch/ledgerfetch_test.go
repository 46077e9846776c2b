package ledgerfetch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/govchain/govchain/internal/ledgerverify"
	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// fakePeer serves a copy of the devnet blocks (real blocks of a dev network,
// internal/ledgerverify/testdata/devnet) the way qscc would.
type fakePeer struct {
	name   string
	blocks [][]byte
	err    error
	reads  atomic.Int32 // blocks read one by one
}

func (f *fakePeer) Name() (string, string) { return f.name, "AuditMSP" }

func (f *fakePeer) Info(context.Context) (*cb.BlockchainInfo, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &cb.BlockchainInfo{Height: uint64(len(f.blocks))}, nil
}

func (f *fakePeer) Block(_ context.Context, n uint64) (*cb.Block, []byte, error) {
	if f.err != nil {
		return nil, nil, f.err
	}
	if n >= uint64(len(f.blocks)) {
		return nil, nil, errors.New("no such block")
	}
	f.reads.Add(1)
	b := &cb.Block{}
	if err := proto.Unmarshal(f.blocks[n], b); err != nil {
		return nil, nil, err
	}
	return b, f.blocks[n], nil
}

func devnet(t *testing.T) [][]byte {
	t.Helper()
	paths, _ := filepath.Glob("../ledgerverify/testdata/devnet/*.block")
	if len(paths) < 3 {
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

func TestVerifyAndResume(t *testing.T) {
	blocks := devnet(t)
	src := &fakePeer{name: "peer0.audit", blocks: blocks[:3]}
	v := ledgerverify.New(ledgerverify.Options{})
	seen := 0
	run, err := Verify(context.Background(), src, v, func(uint64, []byte) error { seen++; return nil })
	if err != nil || !run.Verified || run.Fault != nil {
		t.Fatalf("run %+v err %v", run, err)
	}
	if run.From != 0 || run.Height != 3 || seen != 3 || run.Checkpoint.Number != 2 {
		t.Fatalf("run %+v seen %d", run, seen)
	}
	// The peer grows; a verifier resumed from the checkpoint reads only the new blocks.
	src.blocks = blocks
	v2, err := ledgerverify.Resume(run.Checkpoint, ledgerverify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	seen = 0
	run2, err := Verify(context.Background(), src, v2, func(uint64, []byte) error { seen++; return nil })
	if err != nil || !run2.Verified || run2.From != 3 || seen != len(blocks)-3 {
		t.Fatalf("resumed run %+v err %v seen %d", run2, err, seen)
	}
}

func TestVerifyReportsFault(t *testing.T) {
	blocks := devnet(t)
	bad := append([][]byte(nil), blocks...)
	b := &cb.Block{}
	if err := proto.Unmarshal(blocks[2], b); err != nil {
		t.Fatal(err)
	}
	b.Data.Data[0][20] ^= 1
	raw, _ := proto.Marshal(b)
	bad[2] = raw
	run, err := Verify(context.Background(), &fakePeer{name: "p", blocks: bad}, ledgerverify.New(ledgerverify.Options{}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if run.Verified || run.Fault == nil || run.Fault.Block != 2 {
		t.Fatalf("want a fault at block 2, got %+v", run)
	}
}

func TestVerifyReadError(t *testing.T) {
	_, err := Verify(context.Background(), &fakePeer{name: "p", err: errors.New("unavailable")}, ledgerverify.New(ledgerverify.Options{}), nil)
	if err == nil {
		t.Fatal("a peer that cannot be read must be an error, not a verified chain")
	}
}

func TestComparePeers(t *testing.T) {
	blocks := devnet(t)
	head := uint64(len(blocks) - 1)
	own := &fakePeer{name: "peer0.audit", blocks: blocks}
	hb, _, _ := own.Block(context.Background(), head)
	headHash := ledgerverify.HeaderHash(hb.Header)
	hashAt := func(ctx context.Context, n uint64) ([]byte, error) {
		b, _, err := own.Block(ctx, n)
		if err != nil {
			return nil, err
		}
		return ledgerverify.HeaderHash(b.Header), nil
	}
	forked := append([][]byte(nil), blocks...)
	fb := &cb.Block{}
	_ = proto.Unmarshal(blocks[head], fb)
	fb.Header.DataHash[0] ^= 1
	forked[head], _ = proto.Marshal(fb)

	peers := []Reader{
		own,
		&fakePeer{name: "same", blocks: blocks},
		&fakePeer{name: "behind", blocks: blocks[:2]},
		&fakePeer{name: "ahead", blocks: append(append([][]byte(nil), blocks...), blocks[0])},
		&fakePeer{name: "forked", blocks: forked},
		&fakePeer{name: "down", err: errors.New("connection refused")},
	}
	got := ComparePeers(context.Background(), peers, head, headHash, hashAt)
	cases := []struct {
		name     string
		match    bool
		compared uint64
		errHas   string
	}{
		{"peer0.audit", true, head, ""},
		{"same", true, head, ""},
		{"behind", true, 1, ""},
		{"ahead", true, head, ""},
		{"forked", false, head, "differs"},
		{"down", false, 0, "connection refused"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := got[i]
			if r.Peer != c.name || r.Match != c.match || r.ComparedBlock != c.compared || !strings.Contains(r.Error, c.errHas) {
				t.Fatalf("got %+v, want match=%v compared=%d error~%q", r, c.match, c.compared, c.errHas)
			}
		})
	}
}

// streamPeer also streams its blocks, like a *Source over the Deliver service.
type streamPeer struct {
	fakePeer
	order []int // indexes of the blocks to send, in this order (nil: all, in order)
}

func (s *streamPeer) Stream(ctx context.Context, start uint64) (<-chan *cb.Block, error) {
	ch := make(chan *cb.Block)
	order := s.order
	if order == nil {
		for i := int(start); i < len(s.blocks); i++ {
			order = append(order, i)
		}
	}
	go func() {
		defer close(ch)
		for _, i := range order {
			b := &cb.Block{}
			_ = proto.Unmarshal(s.blocks[i], b)
			select {
			case ch <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}

func TestVerifyFromStream(t *testing.T) {
	blocks := devnet(t)
	cases := []struct {
		name    string
		order   []int
		wantErr string
	}{
		{"in order", nil, ""},
		{"a block skipped", []int{0, 1, 3}, "block 3 where 2 was due"},
		{"the stream ends early", []int{0, 1}, "ended before block 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := &streamPeer{fakePeer: fakePeer{name: "peer0.audit", blocks: blocks}, order: c.order}
			var kept []uint64
			run, err := Verify(context.Background(), src, ledgerverify.New(ledgerverify.Options{}), func(n uint64, raw []byte) error {
				b := &cb.Block{}
				if err := proto.Unmarshal(raw, b); err != nil || b.Header.Number != n {
					t.Fatalf("block %d handed on as %v (%v)", n, b.Header, err)
				}
				kept = append(kept, n)
				return nil
			})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("want %q, got %v", c.wantErr, err)
				}
				return
			}
			if err != nil || !run.Verified || len(kept) != len(blocks) || src.fakePeer.reads.Load() != 0 {
				t.Fatalf("verified %v err %v kept %v; blocks read one by one: %d", run.Verified, err, kept, src.fakePeer.reads.Load())
			}
		})
	}
}
