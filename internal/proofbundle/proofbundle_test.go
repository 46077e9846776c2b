package proofbundle

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// The devnet blocks of internal/ledgerverify/testdata (one transaction
// each from block 2): 0 genesis, 1 the four orgs' approvals, 2 the commit of
// the govchain definition (endorsed by all four orgs), 3 a personal-data
// write (collection personalMarket only, endorsed by MarketMSP), 4 a
// business registration endorsed by MarketMSP and NotaryMSP (setting the
// record's key-level policy), 5 a grant to TaxMSP endorsed by MarketMSP and
// TaxMSP (setting the grant's key-level policy), 6 a logged read by TaxMSP,
// 7 the grant revoked (a write under the key-level policy block 5 set).
const (
	txRegister = "11f773307d9f28f5b88e25db6b7ff612135d0072a324e393e7c5268e26df494a"
	txPersonal = "2548def36041d1394d229bdfb58b1d55a0948be4a13d22ae38b8b9e432b91e20"
	txGrant    = "d3d75993ffd48c8b657da615c801cfc4327f4df76c3fef09fd10ccfde2912e38"
	txRead     = "c5eaba2a62d40bacbb7dd28678fc45e35cfbe5953ef159136ffaec7b8398242d"
	txRevoke   = "78f306303aca57816795e424f98a24fdf069ddcddd5a367a8997c521dd705e74"
	txApprove  = "087afeb5f3506d67a925c24e7c0e1fbbf4eca467359f4cb079c9775670b201c0"
	txCommit   = "dfb7c75ec4b67079198f7bce4195f9942c6ee3edb78bcccf8b0c91765033e27f"
)

const (
	ccPolicy    = "OutOf(2, 'MarketMSP.peer', 'TaxMSP.peer', 'NotaryMSP.peer')"
	ownerPolicy = "OutOf(2, 'MarketMSP.peer', OutOf(1, 'TaxMSP.peer', 'NotaryMSP.peer'))"
)

type fileSource struct {
	blocks [][]byte
	calls  int
	mu     sync.Mutex
}

func devnetSource(t testing.TB) *fileSource {
	paths, err := filepath.Glob("../ledgerverify/testdata/devnet/*.block")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no devnet blocks: %v", err)
	}
	s := &fileSource{}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s.blocks = append(s.blocks, raw)
	}
	return s
}

var errNotFound = errors.New("not found")

func (s *fileSource) BlockByNumber(_ context.Context, n uint64) ([]byte, error) {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	if n >= uint64(len(s.blocks)) {
		return nil, errNotFound
	}
	return s.blocks[n], nil
}

func (s *fileSource) BlockByTxID(_ context.Context, id string) ([]byte, error) {
	for _, raw := range s.blocks {
		b := &cb.Block{}
		if err := proto.Unmarshal(raw, b); err != nil {
			return nil, err
		}
		for _, d := range b.Data.Data {
			e, err := decodeEnvelope(d)
			if err == nil && e.chdr.TxId == id {
				return raw, nil
			}
		}
	}
	return nil, errNotFound
}

func build(t testing.TB, txID string) []byte {
	t.Helper()
	raw, _, err := NewBuilder().Build(context.Background(), devnetSource(t), txID)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestBuildAndVerifyRegistration(t *testing.T) {
	raw := build(t, txRegister)
	res, err := Verify(raw, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Bundle.Summary
	if !res.Valid || s.Block != 4 || s.TxIndex != 0 || s.Chaincode != "govchain" || s.Definition.Block != 2 || s.Definition.Sequence != 1 {
		t.Fatalf("summary %+v", s)
	}
	if s.Definition.EndorsementPolicy != ccPolicy || s.Definition.TxID != txCommit || len(s.Definition.Collections) != 3 {
		t.Fatalf("policy %q", s.Definition.EndorsementPolicy)
	}
	if len(s.Policies) != 1 || !s.Policies[0].Satisfied || s.Policies[0].Scope != "chaincode govchain" {
		t.Fatalf("policies %+v", s.Policies)
	}
	if len(s.RecordKeys) != 1 || s.RecordKeys[0] != "biz~91350200MA2Y00010L" {
		t.Fatalf("record keys %v", s.RecordKeys)
	}
	if s.Creator.MSPID != "MarketMSP" || len(s.Endorsers) != 2 || s.Endorsers[0].MSPID != "MarketMSP" || s.Endorsers[1].MSPID != "NotaryMSP" {
		t.Fatalf("creator %+v endorsers %+v", s.Creator, s.Endorsers)
	}
	if len(s.KeyPoliciesSet) != 1 || s.KeyPoliciesSet[0].Key != "biz~91350200MA2Y00010L" || s.KeyPoliciesSet[0].Policy != ownerPolicy {
		t.Fatalf("key policies %+v", s.KeyPoliciesSet)
	}
	if len(res.Bundle.Writes) != 3 || !strings.Contains(*res.Bundle.Writes[0].ValueText, "Xiamen Harbour") {
		t.Fatalf("writes %+v", res.Bundle.Writes)
	}
	// No personal data in the bundle: the private values are only hashes.
	for _, secret := range []string{"11010519491231002X", "13912345678"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Fatalf("bundle contains %s", secret)
		}
	}
	if _, err := Verify(raw, VerifyOptions{TrustAnchor: s.TrustAnchor.HeaderHash}); err != nil {
		t.Fatal(err)
	}
	var f *Failure
	if _, err := Verify(raw, VerifyOptions{TrustAnchor: strings.Repeat("00", 32)}); !errors.As(err, &f) || f.Check != "trust-anchor" {
		t.Fatalf("wrong anchor: %v", err)
	}
}

func TestBuildAndVerifyPrivateWrite(t *testing.T) {
	res, err := Verify(build(t, txPersonal), VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Bundle.Summary
	// Only the personalMarket collection is written: its own policy applies.
	if len(s.Policies) != 1 || s.Policies[0].Scope != "collection personalMarket" || s.Policies[0].Policy != "OutOf(1, 'MarketMSP.peer')" || !s.Policies[0].Satisfied {
		t.Fatalf("policies %+v", s.Policies)
	}
	if s.Block != 3 || len(s.Endorsers) != 1 || s.Endorsers[0].MSPID != "MarketMSP" {
		t.Fatalf("summary %+v", s)
	}
	if len(res.Bundle.Writes) != 0 || len(s.PrivateWrites) != 4 || len(s.RecordKeys) != 0 {
		t.Fatalf("writes %+v private %+v", res.Bundle.Writes, s.PrivateWrites)
	}
}

// A grant sets the key-level policy of the grant record it creates. Fabric
// judges the creation by the chaincode's policy (the key had none: the
// grant read it as absent; the policy it sets applies from the next block),
// and so does the bundle; the policy set is shown.
func TestBuildAndVerifyGrant(t *testing.T) {
	res, err := Verify(build(t, txGrant), VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := res.Bundle.Summary
	if !res.Valid || s.Block != 5 || len(s.Endorsers) != 2 || s.Endorsers[1].MSPID != "TaxMSP" {
		t.Fatalf("summary %+v", s)
	}
	if len(s.Policies) != 1 || s.Policies[0].Scope != "chaincode govchain" || s.Policies[0].Policy != ccPolicy || !s.Policies[0].Satisfied {
		t.Fatalf("policies %+v", s.Policies)
	}
	if len(s.KeyPoliciesSet) != 1 || s.KeyPoliciesSet[0].Key != "grt~d3d75993ffd48c8b657da615c801cfc4" || s.KeyPoliciesSet[0].Policy != ownerPolicy {
		t.Fatalf("key policies %+v", s.KeyPoliciesSet)
	}
	if len(s.RecordKeys) != 1 || s.RecordKeys[0] != "grt~d3d75993ffd48c8b657da615c801cfc4" || len(res.Bundle.Writes) != 4 {
		t.Fatalf("record keys %v writes %d", s.RecordKeys, len(res.Bundle.Writes))
	}
}

// The revocation and the logged read write keys whose key-level policy an
// earlier block set (or may have): the bundle carries the chaincode
// definition, not that state, so the chaincode's policy is what it checks.
func TestBuildAndVerifyLaterWrites(t *testing.T) {
	for _, tc := range []struct {
		tx        string
		block     uint64
		endorsers string
		key       string
	}{
		{txRevoke, 7, "MarketMSP, NotaryMSP", "grt~d3d75993ffd48c8b657da615c801cfc4"},
		{txRead, 6, "TaxMSP, NotaryMSP", "acc~" + txRead},
	} {
		res, err := Verify(build(t, tc.tx), VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s := res.Bundle.Summary
		if !res.Valid || s.Block != tc.block || signerMSPs(s.Endorsers) != tc.endorsers || len(s.KeyPoliciesSet) != 0 {
			t.Fatalf("summary %+v", s)
		}
		if len(s.Policies) != 1 || s.Policies[0].Policy != ccPolicy || !s.Policies[0].Satisfied {
			t.Fatalf("policies %+v", s.Policies)
		}
		if len(s.RecordKeys) != 1 || s.RecordKeys[0] != tc.key {
			t.Fatalf("record keys %v", s.RecordKeys)
		}
	}
}

func TestBuildErrors(t *testing.T) {
	bd, src := NewBuilder(), devnetSource(t)
	if _, _, err := bd.Build(context.Background(), src, "XYZ"); !errors.Is(err, ErrMalformedTxID) {
		t.Fatalf("malformed: %v", err)
	}
	if _, _, err := bd.Build(context.Background(), src, strings.Repeat("ab", 32)); !errors.Is(err, errNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	// A _lifecycle approval is not a chaincode transaction with a definition.
	var f *Failure
	if _, _, err := bd.Build(context.Background(), src, txApprove); !errors.As(err, &f) || f.Check != "definition" {
		t.Fatalf("approval: %v", err)
	}
	// Nor is the commit of the definition.
	if _, _, err := bd.Build(context.Background(), src, txCommit); !errors.As(err, &f) || f.Check != "definition" {
		t.Fatalf("commit: %v", err)
	}
}

// mutate decodes a bundle, changes it, and re-encodes it canonically.
func mutate(t *testing.T, raw []byte, change func(b *Bundle)) []byte {
	t.Helper()
	b, err := decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	change(b)
	out, err := Encode(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func blockOf(t *testing.T, raw []byte) *cb.Block {
	b := &cb.Block{}
	if err := proto.Unmarshal(raw, b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestTampered(t *testing.T) {
	good := build(t, txRegister)
	src := devnetSource(t)
	wrongValue := []byte(`{"uscc":"91350200MA2Y00010L","name":"Someone Else Co., Ltd."}`)
	cases := []struct {
		name   string
		change func(b *Bundle)
		check  string
	}{
		{"wrong record value", func(b *Bundle) { b.Writes[0].Value = wrongValue; s := string(wrongValue); b.Writes[0].ValueText = &s }, "mismatch"},
		{"wrong record key", func(b *Bundle) { b.Writes[0].Key = "biz~91350200MA2Y00020L" }, "mismatch"},
		{"record dropped", func(b *Bundle) { b.Writes = b.Writes[1:] }, "mismatch"},
		{"summary says another endorser", func(b *Bundle) { b.Summary.Endorsers[1].MSPID = "TaxMSP" }, "mismatch"},
		{"validation code", func(b *Bundle) { b.Summary.ValidationCode = "MVCC_READ_CONFLICT" }, "mismatch"},
		{"missing definition block", func(b *Bundle) { b.Blocks = append(b.Blocks[:1], b.Blocks[2]) }, "format"},
		{"another block as definition", func(b *Bundle) { b.Blocks[1].Bytes = normalised(t, src.blocks[1]) }, "definition"},
		{"wrong config block", func(b *Bundle) { b.Blocks[0].Bytes = normalised(t, src.blocks[1]) }, "config"},
		{"transaction block replaced", func(b *Bundle) { b.Blocks[2].Bytes = normalised(t, src.blocks[3]) }, "transaction"},
		{"unknown tx id", func(b *Bundle) { b.Summary.TxID = txPersonal }, "transaction"},
		{"transaction marked invalid in its block", func(b *Bundle) {
			blk := blockOf(t, b.Blocks[2].Bytes)
			blk.Metadata.Metadata[cb.BlockMetadataIndex_TRANSACTIONS_FILTER][0] = 11
			b.Blocks[2].Bytes, _ = canon.Marshal(blk)
		}, "mismatch"},
		{"commit hash kept", func(b *Bundle) {
			blk := blockOf(t, b.Blocks[2].Bytes)
			blk.Metadata.Metadata[cb.BlockMetadataIndex_COMMIT_HASH] = []byte{1}
			b.Blocks[2].Bytes, _ = canon.Marshal(blk)
		}, "block"},
		{"format", func(b *Bundle) { b.Format = "govchain-proof-bundle/2" }, "format"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(mutate(t, good, tc.change), VerifyOptions{})
			var f *Failure
			if !errors.As(err, &f) || f.Check != tc.check {
				t.Fatalf("got %v, want a %s failure", err, tc.check)
			}
			t.Log(err)
		})
	}
	// Not canonical: same content, other layout.
	var v any
	_ = json.Unmarshal(good, &v)
	compact, _ := json.Marshal(v)
	if _, err := Verify(compact, VerifyOptions{}); err == nil {
		t.Fatal("a re-laid-out bundle verified")
	}
	if _, err := Verify(append(bytes.Clone(good), []byte("{}")...), VerifyOptions{}); err == nil {
		t.Fatal("trailing data verified")
	}
}

func normalised(t *testing.T, raw []byte) []byte {
	out, err := normalise(blockOf(t, raw))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestInvalidTransactionExported(t *testing.T) {
	src := devnetSource(t)
	blk := blockOf(t, src.blocks[4])
	blk.Metadata.Metadata[cb.BlockMetadataIndex_TRANSACTIONS_FILTER][0] = 11 // MVCC_READ_CONFLICT, as a peer would write it
	src.blocks[4], _ = proto.Marshal(blk)
	raw, _, err := NewBuilder().Build(context.Background(), src, txRegister)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Verify(raw, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Valid || res.Bundle.Summary.ValidationCode != "MVCC_READ_CONFLICT" {
		t.Fatalf("valid %v code %s", res.Valid, res.Bundle.Summary.ValidationCode)
	}
}

// TestEveryByteFlipped flips each byte of a real bundle (one bit) and requires
// each copy to fail verification. -short flips a sample (every byte of the
// every 6th byte of the JSON outside the block blobs and every 151st byte of the whole file).
func TestEveryByteFlipped(t *testing.T) {
	good := build(t, txRegister)
	inBlob := blobRanges(good)
	// Derive is a pure function of the blocks and the tx id: memoise it, so
	// that flips outside the blocks (which leave them unchanged) cost no
	// signature checks. Flips inside the blocks change its input.
	type memo struct {
		b   *Bundle
		err error
	}
	var mu sync.Mutex
	memos := map[[32]byte]memo{}
	defer func() { derive = Derive }()
	derive = func(raws [][]byte, txID string) (*Bundle, error) {
		h := sha256.New()
		for _, r := range raws {
			fmt.Fprintf(h, "%d:", len(r))
			h.Write(r)
		}
		h.Write([]byte(txID))
		var k [32]byte
		h.Sum(k[:0])
		mu.Lock()
		m, ok := memos[k]
		mu.Unlock()
		if !ok {
			m.b, m.err = Derive(raws, txID)
			mu.Lock()
			memos[k] = m
			mu.Unlock()
		}
		return m.b, m.err
	}
	var idx []int
	for i := range good {
		if !testing.Short() || (!inBlob(i) && i%6 == 0) || i%151 == 0 {
			idx = append(idx, i)
		}
	}
	workers := 2
	ch := make(chan int)
	errs := make(chan string, len(idx))
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := bytes.Clone(good)
			for i := range ch {
				buf[i] ^= 1
				if _, err := Verify(buf, VerifyOptions{}); err == nil {
					errs <- fmt.Sprintf("byte %d (%q) flipped: still verifies", i, good[max(0, i-20):min(len(good), i+20)])
				}
				buf[i] ^= 1
			}
		}()
	}
	for _, i := range idx {
		ch <- i
	}
	close(ch)
	wg.Wait()
	close(errs)
	n := 0
	for e := range errs {
		if n++; n <= 10 {
			t.Error(e)
		}
	}
	if n > 0 {
		t.Fatalf("%d of %d flipped copies verified", n, len(idx))
	}
	t.Logf("%d flipped copies of a %d-byte bundle all fail", len(idx), len(good))
}

// blobRanges reports which bytes of an encoded bundle are inside a "bytes" blob.
func blobRanges(raw []byte) func(int) bool {
	var ranges [][2]int
	key := []byte(`"bytes": "`)
	for off := 0; ; {
		i := bytes.Index(raw[off:], key)
		if i < 0 {
			break
		}
		start := off + i + len(key)
		end := start + bytes.IndexByte(raw[start:], '"')
		ranges = append(ranges, [2]int{start, end})
		off = end
	}
	return func(i int) bool {
		for _, r := range ranges {
			if i >= r[0] && i < r[1] {
				return true
			}
		}
		return false
	}
}

func BenchmarkVerify(b *testing.B) {
	raw := build(b, txRegister)
	for b.Loop() {
		if _, err := Verify(raw, VerifyOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
