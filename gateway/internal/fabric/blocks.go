package fabric

import (
	"context"
	"strconv"

	"github.com/govchain/govchain/gateway/internal/ledger"
)

// blockReader is what a conn to a real peer can do besides conn: read whole blocks.
type blockReader interface {
	blockByNumber(ctx context.Context, n uint64) ([]byte, error)
	blockByTxID(ctx context.Context, txID string) ([]byte, error)
}

func (g *gatewayConn) blockByNumber(ctx context.Context, n uint64) ([]byte, error) {
	return g.qscc(ctx, "GetBlockByNumber", g.network.Name(), strconv.FormatUint(n, 10))
}

func (g *gatewayConn) blockByTxID(ctx context.Context, txID string) ([]byte, error) {
	return g.qscc(ctx, "GetBlockByTxID", g.network.Name(), txID)
}

func (l *Ledger) blockReader(caller ledger.Caller) (blockReader, error) {
	c, err := l.mustConn(caller)
	if err != nil {
		return nil, err
	}
	br, ok := c.(blockReader)
	if !ok {
		return nil, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error"}
	}
	return br, nil
}

// BlockByNumber reads block n from the caller's peer.
func (l *Ledger) BlockByNumber(ctx context.Context, caller ledger.Caller, n uint64) ([]byte, error) {
	br, err := l.blockReader(caller)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*l.cfg.Timeouts.Evaluate)
	defer cancel()
	return br.blockByNumber(ctx, n)
}

// BlockByTxID reads the block holding txID from the caller's peer (KindNotFound if unknown).
func (l *Ledger) BlockByTxID(ctx context.Context, caller ledger.Caller, txID string) ([]byte, error) {
	br, err := l.blockReader(caller)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*l.cfg.Timeouts.Evaluate)
	defer cancel()
	return br.blockByTxID(ctx, txID)
}

var _ ledger.Blocks = (*Ledger)(nil)

// A route reads blocks through its first reachable peer, as it evaluates.
func (r *route) blockByNumber(ctx context.Context, n uint64) ([]byte, error) {
	return do(ctx, r, func(c conn) ([]byte, error) {
		br, ok := c.(blockReader)
		if !ok {
			return nil, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error"}
		}
		return br.blockByNumber(ctx, n)
	})
}

func (r *route) blockByTxID(ctx context.Context, txID string) ([]byte, error) {
	return do(ctx, r, func(c conn) ([]byte, error) {
		br, ok := c.(blockReader)
		if !ok {
			return nil, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error"}
		}
		return br.blockByTxID(ctx, txID)
	})
}
