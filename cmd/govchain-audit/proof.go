package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/govchain/govchain/internal/ledgerfetch"
	"github.com/govchain/govchain/internal/ledgerverify"
	"github.com/govchain/govchain/internal/proofbundle"
	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// peerSource reads blocks as the peer sent them (qscc).
type peerSource struct{ src *ledgerfetch.Source }

func (s peerSource) BlockByNumber(ctx context.Context, n uint64) ([]byte, error) {
	_, raw, err := s.src.Block(ctx, n)
	return raw, err
}

func (s peerSource) BlockByTxID(ctx context.Context, txID string) ([]byte, error) {
	_, raw, err := s.src.BlockByTxID(ctx, txID)
	return raw, err
}

func proofCmd(args []string) int {
	fs := flag.NewFlagSet("proof", flag.ExitOnError)
	cfgPath := fs.String("config", "data/gateway.yaml", "gateway configuration file")
	who := fs.String("identity", "audit/auditor", "ORG/ROLE of the identity that fetches the blocks")
	txID := fs.String("tx", "", "transaction id")
	out := fs.String("o", "", "write the bundle here (default proof-<tx>.json)")
	_ = fs.Parse(args)
	if !proofbundle.ValidTxID(*txID) {
		return fail("-tx: %v", proofbundle.ErrMalformedTxID)
	}
	_, _, src, err := open(*cfgPath, *who)
	if err != nil {
		return fail("%v", err)
	}
	defer src.Close()
	raw, b, err := proofbundle.NewBuilder().Build(context.Background(), peerSource{src}, *txID)
	if err != nil {
		return fail("proof of %s: %v", *txID, err)
	}
	path := *out
	if path == "" {
		path = "proof-" + *txID + ".json"
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		return fail("%v", err)
	}
	s := b.Summary
	fmt.Printf("wrote %s: transaction %s, block %d, %s; trust anchor: config block %d, header hash %s\n",
		path, s.TxID, s.Block, s.ValidationCode, s.TrustAnchor.Block, s.TrustAnchor.HeaderHash)
	return 0
}

func verifyProofCmd(args []string) int {
	fs := flag.NewFlagSet("verify-proof", flag.ExitOnError)
	anchor := fs.String("trust-anchor", "", "hex header hash the bundle's first config block must have (the audit office's published one)")
	genesis := fs.String("genesis", "", "or: a block file (marshalled common.Block, e.g. the channel's genesis.block) whose header hash is the trust anchor")
	_ = fs.Parse(args)
	if fs.NArg() != 1 {
		return fail("usage: govchain-audit verify-proof [-trust-anchor HEX | -genesis BLOCKFILE] FILE")
	}
	if *genesis != "" {
		raw, err := os.ReadFile(*genesis)
		if err != nil {
			return fail("%v", err)
		}
		b := &cb.Block{}
		if err := proto.Unmarshal(raw, b); err != nil || b.Header == nil {
			return fail("%s: not a block: %v", *genesis, err)
		}
		*anchor = hex.EncodeToString(ledgerverify.HeaderHash(b.Header))
	}
	raw, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fail("%v", err)
	}
	res, err := proofbundle.Verify(raw, proofbundle.VerifyOptions{TrustAnchor: *anchor})
	if err != nil {
		var f *proofbundle.Failure
		if errors.As(err, &f) {
			fmt.Printf("FAIL %s\n", f)
			return 1
		}
		return fail("%v", err)
	}
	s := res.Bundle.Summary
	fmt.Printf("transaction %s on channel %s: block %d, index %d, %s\n", s.TxID, s.Channel, s.Block, s.TxIndex, s.Timestamp)
	fmt.Printf("  created by %s (%s)\n", s.Creator.MSPID, s.Creator.Subject)
	for _, e := range s.Endorsers {
		fmt.Printf("  endorsed by %s (%s)\n", e.MSPID, e.Subject)
	}
	fmt.Printf("  chaincode %s %s, definition sequence %d (block %d tx %d)\n", s.Chaincode, s.ChaincodeVersion, s.Definition.Sequence, s.Definition.Block, s.Definition.TxIndex)
	for _, p := range s.Policies {
		fmt.Printf("  endorsement policy of %s: %s: satisfied=%v\n", p.Scope, p.Policy, p.Satisfied)
	}
	for _, w := range res.Bundle.Writes {
		if w.IsDelete {
			fmt.Printf("  deletes %q\n", w.Key)
		} else {
			fmt.Printf("  writes %q (%d bytes)\n", w.Key, len(w.Value))
		}
	}
	for _, w := range s.PrivateWrites {
		fmt.Printf("  writes a private key of collection %s (hashes only)\n", w.Collection)
	}
	for _, k := range s.KeyPoliciesSet {
		where := ""
		if k.Collection != "" {
			where = " in collection " + k.Collection
		}
		fmt.Printf("  sets key-level policy of %q%s: %s (applies from the next block)\n", k.Key, where, k.Policy)
	}
	fmt.Printf("  trust anchor: config block %d, header hash %s", s.TrustAnchor.Block, s.TrustAnchor.HeaderHash)
	if *anchor != "" {
		fmt.Printf(" (the expected one)\n")
	} else {
		fmt.Printf("\n  compare it with the audit office's published hash (or pass -trust-anchor)\n")
	}
	if !res.Valid {
		fmt.Printf("NOT VALID: the bundle verifies, but the peer marked the transaction %s: its writes never took effect\n", s.ValidationCode)
		return 3
	}
	what := "no public record (private data hashes only)"
	if len(s.RecordKeys) > 0 {
		what = strings.Join(s.RecordKeys, ", ")
	}
	fmt.Println("OK: the bundle verifies; the transaction is VALID and wrote " + what)
	return 0
}
