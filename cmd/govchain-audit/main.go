// Command govchain-audit lets an auditor verify the ledger themselves: it
// fetches every block from the identity's own peer (qscc GetBlockByNumber,
// evaluated with that identity through the Fabric Gateway) and verifies the
// chain offline with internal/ledgerverify.
//
//	govchain-audit verify -config data/gateway.yaml -identity audit/auditor \
//	    [-from-checkpoint FILE] [-save-checkpoint FILE] [-save-blocks DIR] [-progress N] [-peers=false] [-trust-anchor HEX]
//
// After the chain verifies, the hash of its head block is compared with the
// same block on every peer of the configuration (-peers=false skips it); a
// peer that is behind is compared at its own last block.
//
// Exit status: 0 the chain verifies (and no reachable peer disagrees), 1 a
// fault was found (printed with the block, transaction and what failed) or a
// peer holds a different block, 2 the blocks could not be fetched.
//
// It also exports and checks proof bundles (docs/proof-bundle.md):
//
//	govchain-audit proof -config data/gateway.yaml -identity audit/auditor -tx TXID [-o FILE]
//	govchain-audit verify-proof [-trust-anchor HEX | -genesis BLOCKFILE] FILE
//
// verify-proof needs no network. Exit status: 0 the bundle verifies and the
// transaction is VALID, 1 the bundle does not verify (the reason is printed),
// 3 the bundle verifies but the peer marked the transaction not valid (its
// writes never took effect), 2 usage or I/O errors.
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/govchain/govchain/internal/gatewayconfig"
	"github.com/govchain/govchain/internal/ledgerfetch"
	"github.com/govchain/govchain/internal/ledgerverify"
	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

const usage = `usage:
  govchain-audit verify -config FILE -identity ORG/ROLE [-from-checkpoint FILE] [-save-checkpoint FILE] [-save-blocks DIR] [-progress N] [-peers=false] [-trust-anchor HEX]
  govchain-audit proof -config FILE -identity ORG/ROLE -tx TXID [-o FILE]
  govchain-audit verify-proof [-trust-anchor HEX | -genesis BLOCKFILE] FILE`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	switch os.Args[1] {
	case "verify":
	case "proof":
		os.Exit(proofCmd(os.Args[2:]))
	case "verify-proof":
		os.Exit(verifyProofCmd(os.Args[2:]))
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	fs := flag.NewFlagSet("verify", flag.ExitOnError)
	cfgPath := fs.String("config", "data/gateway.yaml", "gateway configuration file")
	who := fs.String("identity", "audit/auditor", "ORG/ROLE of the identity that fetches the blocks")
	from := fs.String("from-checkpoint", "", "checkpoint JSON: verify only the blocks after it")
	save := fs.String("save-checkpoint", "", "write the checkpoint JSON here when the chain verifies")
	blocksDir := fs.String("save-blocks", "", "also keep each fetched block here as NNNNNNNNNN.block (marshalled common.Block)")
	every := fs.Uint64("progress", 100, "print progress every N blocks (0: never)")
	peers := fs.Bool("peers", true, "then compare the verified head block's hash with every peer of the configuration")
	anchor := fs.String("trust-anchor", "", "hex header hash of block 0 as the audit office published it: a chain with another genesis block is a fault")
	_ = fs.Parse(os.Args[2:])
	os.Exit(run(*cfgPath, *who, *from, *save, *blocksDir, *every, *peers, strings.ToLower(strings.TrimSpace(*anchor))))
}

func fail(format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "govchain-audit: "+format+"\n", a...)
	return 2
}

// open reads the gateway configuration and connects to the identity's own peer.
func open(cfgPath, who string) (*gatewayconfig.File, gatewayconfig.Identity, *ledgerfetch.Source, error) {
	cfg, err := gatewayconfig.Read(cfgPath)
	if err != nil {
		return nil, gatewayconfig.Identity{}, nil, err
	}
	org, role, ok := strings.Cut(who, "/")
	if !ok {
		return nil, gatewayconfig.Identity{}, nil, errors.New("-identity must be ORG/ROLE")
	}
	id, ok := cfg.Identity(org, role)
	if !ok {
		return nil, gatewayconfig.Identity{}, nil, fmt.Errorf("no identity %s in %s", who, cfgPath)
	}
	peer, ok := cfg.Peer(id.Home())
	if !ok {
		return nil, gatewayconfig.Identity{}, nil, fmt.Errorf("identity %s: no peer %q in %s", who, id.Home(), cfgPath)
	}
	src, err := ledgerfetch.Dial(cfg, id, peer, cfg.Timeouts.Evaluate)
	if err != nil {
		return nil, gatewayconfig.Identity{}, nil, err
	}
	return cfg, id, src, nil
}

func run(cfgPath, who, from, save, blocksDir string, every uint64, comparePeers bool, anchor string) int {
	cfg, id, src, err := open(cfgPath, who)
	if err != nil {
		return fail("%v", err)
	}
	defer src.Close()

	opts := ledgerverify.Options{ProgressEvery: every}
	began := time.Now()
	opts.OnProgress = func(p ledgerverify.Progress) {
		secs := time.Since(began).Seconds()
		fmt.Printf("verified up to block %d (%d blocks, %d valid transactions this run; %.0f blocks/s, %.0f tx/s)\n",
			p.Block, p.Blocks, p.Transactions, float64(p.Blocks)/secs, float64(p.Transactions)/secs)
	}
	v := ledgerverify.New(opts)
	if from != "" {
		raw, err := os.ReadFile(from)
		if err != nil {
			return fail("%v", err)
		}
		var cp ledgerverify.Checkpoint
		if err := json.Unmarshal(raw, &cp); err != nil {
			return fail("%s: %v", from, err)
		}
		if v, err = ledgerverify.Resume(cp, opts); err != nil {
			return fail("%s: %v", from, err)
		}
		if !v.ChecksEndorsementPolicies() {
			fmt.Printf("note: %s predates endorsement policy checks; they are skipped until the chain is verified from block 0\n", from)
		}
	}
	ctx := context.Background()
	info, err := src.Info(ctx)
	if err != nil {
		return fail("%v", err)
	}
	fmt.Printf("channel %s on %s: height %d, verifying blocks %d..%d as %s\n", cfg.Channel, src.Peer, info.Height, v.Next(), int64(info.Height)-1, who)
	if blocksDir != "" {
		if err := os.MkdirAll(blocksDir, 0o755); err != nil {
			return fail("%v", err)
		}
	}
	if anchor != "" && v.Next() > 0 {
		fmt.Println("note: -trust-anchor is checked only when verifying from block 0")
	}
	errAnchor := errors.New("block 0 is not the trust anchor")
	keep := func(n uint64, raw []byte) error {
		if n == 0 {
			b := &cb.Block{}
			if err := proto.Unmarshal(raw, b); err == nil && b.Header != nil {
				h := hex.EncodeToString(ledgerverify.HeaderHash(b.Header))
				fmt.Printf("block 0 (the trust anchor) header hash %s\n", h)
				if anchor != "" && h != anchor {
					fmt.Printf("FAULT block 0: trust-anchor: header hash %s, the published one is %s\n", h, anchor)
					return errAnchor
				}
			}
		}
		if blocksDir == "" {
			return nil
		}
		return os.WriteFile(filepath.Join(blocksDir, fmt.Sprintf("%010d.block", n)), raw, 0o644)
	}
	run, err := ledgerfetch.Verify(ctx, src, v, keep)
	if errors.Is(err, errAnchor) {
		return 1
	}
	if err != nil {
		return fail("%v", err)
	}
	if f := run.Fault; f != nil {
		out, _ := json.Marshal(f)
		fmt.Printf("FAULT %v\n%s\n", f, out)
		return 1
	}
	st, cp := run.Stats, run.Checkpoint
	secs := run.Took.Seconds()
	fmt.Printf("OK: %d blocks, %d valid transactions verified in %s (%.0f blocks/s, %.0f tx/s); chain ends at block %d, header hash %x\n",
		st.Blocks, st.Transactions, run.Took.Round(time.Millisecond), float64(st.Blocks)/secs, float64(st.Transactions)/secs, cp.Number, cp.HeaderHash)
	if save != "" && (st.Blocks > 0 || from != "") {
		out, _ := json.MarshalIndent(cp, "", "  ")
		if err := os.WriteFile(save, append(out, '\n'), 0o644); err != nil {
			return fail("%v", err)
		}
		fmt.Printf("checkpoint written to %s\n", save)
	}
	if !comparePeers {
		return 0
	}
	return peersAgree(ctx, cfg, id, src, cp)
}
