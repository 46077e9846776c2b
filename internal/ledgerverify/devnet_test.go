package ledgerverify

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// testdata/devnet holds blocks 0-4 of a real dev network's channel (the Fabric
// binaries of bin/VERSIONS, 3 Raft orderers), fetched from the audit peer with
// `govchain-audit verify -save-blocks`: the genesis block, the chaincode
// lifecycle transactions and two gateway writes. Each block's PreviousHash was
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
