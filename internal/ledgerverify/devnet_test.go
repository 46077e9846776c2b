package ledgerverify

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	mspb "github.com/hyperledger/fabric-protos-go-apiv2/msp"
	pb "github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

// testdata/devnet holds blocks 0-7 of a real dev network's channel (the Fabric
// binaries of bin/VERSIONS, 3 Raft orderers), fetched from the audit peer with
// `govchain-audit verify -save-blocks`: the genesis block; block 1, the four
// orgs' approvals of the chaincode definition (each in its org's implicit
// collection of _lifecycle); block 2, the commit of the definition (policy
// 2 of MarketMSP.peer, TaxMSP.peer, NotaryMSP.peer; collections
// personalMarket, personalTax, personalNotary each OR('<owner>.peer'));
// block 3, personal data staged in personalMarket (endorsed by the market
// bureau alone); block 4, the business registered (setting a key-level
// policy on its record); block 5, a grant (with a key-level policy); block
// 6, a logged read of personal data; block 7, the grant revoked (a write
// under the grant's key-level policy). Each block's PreviousHash was
// computed by Fabric itself, so the chain verifying shows HeaderBytes mirrors
// Fabric's encoding; its signatures were made by Fabric's orderers, peers and
// the gateway client.
func devnetBlocks(t *testing.T) []*cb.Block {
	paths, err := filepath.Glob("testdata/devnet/*.block")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no devnet blocks: %v", err)
	}
	var blocks []*cb.Block
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b := &cb.Block{}
		if err := proto.Unmarshal(raw, b); err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, b)
	}
	return blocks
}

func TestDevnetChain(t *testing.T) {
	blocks := devnetBlocks(t)
	v := New(Options{})
	if err := v.VerifyBlocks(blocks); err != nil {
		t.Fatal(err)
	}
	if st := v.Stats(); st.Blocks != uint64(len(blocks)) || st.Transactions == 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestDevnetTampered(t *testing.T) {
	cases := []struct {
		name   string
		mutate func([]*cb.Block)
		block  uint64
		kind   FaultKind
	}{
		{"a byte of a transaction", func(bs []*cb.Block) { d := bs[3].Data.Data[0]; d[len(d)-1] ^= 1 }, 3, FaultDataHash},
		{"an orderer signature", func(bs []*cb.Block) {
			md := &cb.Metadata{}
			if err := proto.Unmarshal(bs[2].Metadata.Metadata[cb.BlockMetadataIndex_SIGNATURES], md); err != nil {
				t.Fatal(err)
			}
			for _, s := range md.Signatures {
				s.Signature[len(s.Signature)-1] ^= 1
			}
			bs[2].Metadata.Metadata[cb.BlockMetadataIndex_SIGNATURES], _ = proto.Marshal(md)
		}, 2, FaultOrdererSignature},
		{"a previous hash", func(bs []*cb.Block) { bs[4].Header.PreviousHash[0] ^= 1 }, 4, FaultPreviousHash},
		// The filter is not signed: a peer marking the chaincode definition
		// invalid leaves the chaincode undefined for the blocks after it.
		{"the chaincode definition marked invalid", func(bs []*cb.Block) {
			bs[2].Metadata.Metadata[cb.BlockMetadataIndex_TRANSACTIONS_FILTER][0] = byte(pb.TxValidationCode_MVCC_READ_CONFLICT)
		}, 3, FaultEndorsementPolicy},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			blocks := devnetBlocks(t)
			tc.mutate(blocks)
			var f *Fault
			err := New(Options{}).VerifyBlocks(blocks)
			if !errors.As(err, &f) || f.Block != tc.block || f.Kind != tc.kind {
				t.Fatalf("got %v, want block %d %s", err, tc.block, tc.kind)
			}
		})
	}
}

// The real chain's policies, read back with the exported API a proof
// verifier uses, and the endorsements of its transactions checked against
// them (and against less than them).
func TestDevnetPolicies(t *testing.T) {
	blocks := devnetBlocks(t)
	cfg, err := ParseChannelConfig(blocks[0])
	if err != nil {
		t.Fatal(err)
	}
	defs, err := ChaincodeDefinitionsInTransaction(envelope(t, blocks[2], 0))
	if err != nil || len(defs) != 1 || defs[0].Name != "govchain" {
		t.Fatalf("definitions %v %v", defs, err)
	}
	def := defs[0]
	if got := cfg.DescribePolicy(def.ValidationParameter); got != "2 of MarketMSP.peer, TaxMSP.peer, NotaryMSP.peer" {
		t.Fatalf("chaincode policy %q", got)
	}
	for coll, want := range map[string]string{"personalMarket": "MarketMSP.peer", "personalTax": "TaxMSP.peer", "personalNotary": "NotaryMSP.peer"} {
		p, err := cfg.EndorsementPolicy(def, coll)
		if err != nil || cfg.DescribePolicy(p) != want {
			t.Fatalf("%s: %q %v", coll, cfg.DescribePolicy(p), err)
		}
	}
	// Block 4 registered the business with 2 endorsements; one is not enough.
	a, err := parseEndorserTx(envelope(t, blocks[4], 0).Payload)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.CheckEndorsementPolicy(def.ValidationParameter, a.prp, a.ends); err != nil {
		t.Fatal(err)
	}
	err = cfg.CheckEndorsementPolicy(def.ValidationParameter, a.prp, a.ends[:1])
	if err == nil || !strings.HasPrefix(err.Error(), "needs 2 of MarketMSP.peer, TaxMSP.peer, NotaryMSP.peer; got MarketMSP.peer") {
		t.Fatalf("got %v", err)
	}
	// Blocks 4 and 5 set key-level policies on the record and the grant:
	// both need the market bureau (the owner) and one more agency.
	v := New(Options{})
	if err := v.VerifyBlocks(blocks); err != nil {
		t.Fatal(err)
	}
	kps := v.Checkpoint().Policies.KeyPolicies
	if len(kps) != 1 || len(kps[0].Keys) != 2 {
		t.Fatalf("key policies %+v", kps)
	}
	kp := KeyPolicy{Policy: kps[0].Policy}
	if got := cfg.DescribePolicy(kp.ApplicationPolicy()); got != "all of MarketMSP.peer, (one of TaxMSP.peer, NotaryMSP.peer)" {
		t.Fatalf("%q", got)
	}
	set, err := KeyPoliciesInTransaction(envelope(t, blocks[5], 0))
	if err != nil || len(set) != 1 || !strings.HasPrefix(string(set[0].Key), "grt~") {
		t.Fatalf("key policies of block 5: %+v %v", set, err)
	}

	// One transaction at a time, as a proof verifier: block 7 revokes the
	// grant, a write under the grant's key-level policy (market bureau and
	// notary endorsed it).
	if f := cfg.CheckTransaction(envelope(t, blocks[7], 0), defs, set); f != nil {
		t.Fatal(f)
	}
	// Had the grant's policy named the tax bureau, the same endorsements
	// would not do.
	taxOnly := KeyPolicy{Namespace: set[0].Namespace, Key: set[0].Key, Policy: marshalOrPanic(nOutOfRole(1, mspb.MSPRole_PEER, []string{"TaxMSP"}))}
	f := cfg.CheckTransaction(envelope(t, blocks[7], 0), defs, []KeyPolicy{taxOnly})
	if f == nil || f.Kind != FaultEndorsementPolicy || !strings.Contains(f.Detail, "needs TaxMSP.peer; got MarketMSP.peer, NotaryMSP.peer") {
		t.Fatalf("got %v", f)
	}
	// Block 3 wrote personal data in personalMarket, endorsed by the market
	// bureau alone: enough for the collection, not without the definition.
	if f := cfg.CheckTransaction(envelope(t, blocks[3], 0), defs, nil); f != nil {
		t.Fatal(f)
	}
	if f := cfg.CheckTransaction(envelope(t, blocks[3], 0), nil, nil); f == nil || !strings.Contains(f.Detail, "chaincode govchain is not defined") {
		t.Fatalf("got %v", f)
	}
	// A config block is not an endorser transaction.
	if f := cfg.CheckTransaction(envelope(t, blocks[0], 0), defs, nil); f == nil || f.Kind != FaultMalformed {
		t.Fatalf("got %v", f)
	}
}

// Resuming the real chain after each block (through the checkpoint's JSON)
// verifies the rest as a full run does: the policy state carries over.
func TestDevnetResumeEverywhere(t *testing.T) {
	blocks := devnetBlocks(t)
	for cut := 1; cut < len(blocks); cut++ {
		v := New(Options{})
		if err := v.VerifyBlocks(blocks[:cut]); err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(v.Checkpoint())
		if err != nil {
			t.Fatal(err)
		}
		var cp Checkpoint
		if err := json.Unmarshal(raw, &cp); err != nil {
			t.Fatal(err)
		}
		r, err := Resume(cp, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.VerifyBlocks(blocks[cut:]); err != nil {
			t.Fatalf("resumed after block %d: %v", cut-1, err)
		}
		full := New(Options{})
		_ = full.VerifyBlocks(blocks)
		a, _ := json.Marshal(r.Checkpoint())
		b, _ := json.Marshal(full.Checkpoint())
		if string(a) != string(b) {
			t.Fatalf("resumed after block %d: checkpoint differs from a full run's", cut-1)
		}
	}
}

// CheckBlockSignatures, for a proof verifier: the real blocks' orderer
// signatures satisfy BlockValidation under the genesis configuration; a
// changed header does not.
func TestDevnetBlockSignatures(t *testing.T) {
	blocks := devnetBlocks(t)
	cfg, err := ParseChannelConfig(blocks[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks[1:] {
		if f := cfg.CheckBlockSignatures(b); f != nil {
			t.Fatalf("block %d: %v", b.Header.Number, f)
		}
	}
	blocks[5].Header.Number = 6
	if f := cfg.CheckBlockSignatures(blocks[5]); f == nil || f.Kind != FaultOrdererSignature {
		t.Fatalf("got %v", f)
	}
	if f := cfg.CheckBlockSignatures(blocks[0]); f == nil || !strings.Contains(f.Detail, "no orderer signature") {
		t.Fatalf("genesis: %v", f)
	}
}
