package main

import (
	"context"
	"fmt"

	"github.com/govchain/govchain/internal/gatewayconfig"
	"github.com/govchain/govchain/internal/ledgerfetch"
	"github.com/govchain/govchain/internal/ledgerverify"
)

// peersAgree compares the verified head with every configured peer, read
// with the same identity, and prints one line per peer. A peer holding a
// different block is a fault (exit 1); one that cannot be reached is reported
// but does not fail the run: the chain it would be compared with is verified.
func peersAgree(ctx context.Context, cfg *gatewayconfig.File, id gatewayconfig.Identity, own *ledgerfetch.Source, cp ledgerverify.Checkpoint) int {
	var readers []ledgerfetch.Reader
	for _, p := range cfg.Peers {
		if p.Name == own.Peer {
			readers = append(readers, own)
			continue
		}
		src, err := ledgerfetch.Dial(cfg, id, p, cfg.Timeouts.Evaluate)
		if err != nil {
			fmt.Printf("peer %-16s UNREACHABLE %v\n", p.Name, err)
			continue
		}
		defer src.Close()
		readers = append(readers, src)
	}
	hashAt := func(ctx context.Context, n uint64) ([]byte, error) {
		b, _, err := own.Block(ctx, n)
		if err != nil {
			return nil, err
		}
		return ledgerverify.HeaderHash(b.Header), nil
	}
	status := 0
	for _, r := range ledgerfetch.ComparePeers(ctx, readers, cp.Number, cp.HeaderHash, hashAt) {
		switch {
		case r.Match:
			fmt.Printf("peer %-16s same chain: block %d hash %s (height %d)\n", r.Peer, r.ComparedBlock, r.Hash, r.Height)
		case r.Hash != "":
			fmt.Printf("peer %-16s DIFFERENT: %s\n", r.Peer, r.Error)
			status = 1
		default:
			fmt.Printf("peer %-16s UNREACHABLE %s\n", r.Peer, r.Error)
		}
	}
	return status
}
