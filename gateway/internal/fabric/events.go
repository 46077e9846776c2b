package fabric

import (
	"context"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
)

// Events implements ledger.Ledger. Without a start block it starts at the current block
// height, so that a reconnect never misses what was committed meanwhile. When the stream
// breaks it reconnects after the last event delivered (block and transaction id), with a
// growing pause, until ctx ends.
func (l *Ledger) Events(ctx context.Context, caller ledger.Caller, start *uint64) (<-chan ledger.Event, error) {
	c, err := l.mustConn(caller)
	if err != nil {
		return nil, err
	}
	hctx, cancel := context.WithTimeout(ctx, l.cfg.Timeouts.Evaluate)
	height, err := c.height(hctx)
	cancel()
	if err != nil {
		return nil, err
	}
	block := height
	if start != nil {
		block = *start
	}
	out := make(chan ledger.Event)
	go l.streamEvents(ctx, c, block, out)
	return out, nil
}

func (l *Ledger) streamEvents(ctx context.Context, c conn, block uint64, out chan<- ledger.Event) {
	defer close(out)
	var afterTx string
	pause := l.reconnectPause
	for ctx.Err() == nil {
		in, err := c.events(ctx, block, afterTx)
		if err != nil {
			l.log.Warn("chaincode events: cannot connect", "start_block", block, "error", err)
		} else {
			for ev := range in {
				select {
				case out <- ev:
					block, afterTx = ev.BlockNumber, ev.TransactionID
					pause = l.reconnectPause
				case <-ctx.Done():
				}
			}
			if ctx.Err() != nil {
				return
			}
			l.log.Warn("chaincode events: stream ended; reconnecting", "block", block, "after_tx_id", afterTx)
		}
		if sleepCtx(ctx, pause) != nil {
			return
		}
		pause = min(2*pause, 30*time.Second)
	}
}
