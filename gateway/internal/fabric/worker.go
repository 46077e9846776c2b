package fabric

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/gateway/internal/txstore"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
)

// worker finishes transactions nobody waits for: async writes, synchronous writes whose
// request gave up at its deadline, and whatever a previous run left PENDING. Each runs in its
// own goroutine until it has a final status or the worker stops (then it stays PENDING in the
// store and the next run resumes it).
type worker struct {
	sub    *submitter
	conns  func(*txstore.Record) (conn, bool)
	log    *slog.Logger
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	active map[string]bool // tx ids being driven in this process

	slots chan struct{} // bounds how many transactions are driven at once
}

// maxDriven bounds the transactions the worker drives at the same time; the rest wait
// (still PENDING, and persisted) for a slot, so a burst of async writes cannot flood the
// peers and orderers with concurrent submissions.
const maxDriven = 256

func newWorker(sub *submitter, conns func(*txstore.Record) (conn, bool), log *slog.Logger) *worker {
	ctx, cancel := context.WithCancel(context.Background())
	return &worker{sub: sub, conns: conns, log: log, ctx: ctx, cancel: cancel, active: map[string]bool{},
		slots: make(chan struct{}, maxDriven)}
}

// resume adopts every PENDING record in the store.
func (w *worker) resume() error {
	recs, err := w.sub.store.Pending()
	if err != nil {
		return err
	}
	for _, r := range recs {
		w.adopt(r)
	}
	if len(recs) > 0 {
		w.log.Info("resuming pending transactions", "count", len(recs))
	}
	return nil
}

// adopt drives rec to a final status in the background, unless it is already being driven.
func (w *worker) adopt(rec *txstore.Record) {
	w.mu.Lock()
	if w.active[rec.TxID] || w.ctx.Err() != nil {
		w.mu.Unlock()
		return
	}
	w.active[rec.TxID] = true
	w.wg.Add(1)
	w.mu.Unlock()
	go func() {
		defer w.wg.Done()
		defer w.release(rec.TxID)
		select {
		case w.slots <- struct{}{}:
			defer func() { <-w.slots }()
		case <-w.ctx.Done():
			return // stays PENDING in the store; the next run resumes it
		}
		w.finish(w.ctx, rec)
	}()
}

// claim marks txID as driven by a synchronous request; release gives it back.
func (w *worker) claim(txID string) {
	w.mu.Lock()
	w.active[txID] = true
	w.mu.Unlock()
}

func (w *worker) release(txID string) {
	w.mu.Lock()
	delete(w.active, txID)
	w.mu.Unlock()
}

// finish drives rec (and the fresh transactions of its retries) to a final status.
func (w *worker) finish(ctx context.Context, rec *txstore.Record) {
	s := w.sub
	caller := ledger.Caller{Org: rec.Org, Role: rec.Role, Name: rec.Name}
	c, ok := w.conns(rec)
	if !ok {
		s.finishWith(rec, ledger.StatusFailed, "the identity "+caller.Label()+" is no longer configured")
		return
	}
	call := ledger.Call{Caller: caller, Contract: rec.Contract, Function: rec.Function, Args: rec.Args, Orgs: rec.Orgs}
	for {
		st, err := s.drive(ctx, c, rec, rec.Deadline, 0)
		if err != nil {
			if ctx.Err() != nil {
				return // shutting down: stays PENDING for the next run
			}
			if le, ok := ledger.AsError(err); ok && le.Kind == ledger.KindTimeout {
				w.expire(c, rec)
			}
			return
		}
		s.finish(rec, st, "")
		w.log.Info("transaction final", "tx_id", rec.TxID, "status", rec.Status, "block_number", st.Block)
		if rec.Private || rec.ClientSigned || !s.retryable(st.Code, rec.Attempt, rec.Deadline) {
			return
		}
		s.obs.retry(st.Code.String())
		if err := s.pause(ctx, s.backoff(rec.Attempt), rec.Deadline); err != nil {
			return
		}
		next, err := s.prepare(ctx, c, call, rec.Attempt+1, rec, rec.Deadline, nil)
		if err != nil {
			w.log.Info("retry of transaction refused", "tx_id", rec.TxID, "error", err)
			return
		}
		w.claim(next.TxID)
		defer w.release(next.TxID)
		rec = next
	}
}

// expire gives a transaction its final status once nobody resubmits it any more: whatever
// the ledger says, or EXPIRED if the ledger does not know it.
func (w *worker) expire(c conn, rec *txstore.Record) {
	s := w.sub
	ctx, cancel := context.WithTimeout(w.ctx, s.Lookup)
	defer cancel()
	st, found, err := c.lookup(ctx, rec.TxID)
	switch {
	case err != nil:
		// Cannot tell yet; keep it PENDING and try again a little later.
		w.log.Warn("cannot read the final status of an expired transaction", "tx_id", rec.TxID, "error", err)
		w.retryLater(rec)
	case found && st.Code != peer.TxValidationCode_DUPLICATE_TXID:
		s.finish(rec, st, "")
	default:
		s.finishWith(rec, ledger.StatusExpired, "not committed: the gateway stopped resubmitting it at its deadline")
		w.log.Warn("transaction expired", "tx_id", rec.TxID)
	}
}

// retryLater re-adopts rec after a pause, with a short grace deadline.
func (w *worker) retryLater(rec *txstore.Record) {
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		if sleepCtx(w.ctx, w.sub.CommitStatus) != nil {
			return
		}
		rec.Deadline = w.sub.now().Add(w.sub.CommitStatus)
		w.sub.put(rec)
		w.release(rec.TxID)
		w.adopt(rec)
	}()
}

// stop ends the background work; unfinished transactions stay PENDING in the store.
func (w *worker) stop(timeout time.Duration) {
	w.cancel()
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
		w.log.Warn("worker did not stop in time")
	}
}
