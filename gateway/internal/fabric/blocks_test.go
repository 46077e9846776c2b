package fabric

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

func devnetBlocks(t *testing.T) []*common.Block {
	t.Helper()
	paths, err := filepath.Glob("../../../internal/ledgerverify/testdata/devnet/*.block")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no devnet blocks: %v", err)
	}
	var out []*common.Block
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b := &common.Block{}
		if err := proto.Unmarshal(raw, b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestDecodeDevnetBlocksDump(t *testing.T) {
	for _, b := range devnetBlocks(t) {
		blk, err := DecodeBlock(b, "govchain")
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("block %d time %s", blk.Number, blk.Time)
		for _, tx := range blk.Txs {
			t.Logf("  tx %+v", tx)
		}
		for _, r := range blk.Records {
			t.Logf("  rec %+v amount=%v", r, *r.AmountFen)
		}
	}
}
