package fabric

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/gateway/internal/txstore"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
)

// store is what the submit logic needs to persist transactions (txstore.Store).
type store interface {
	Put(r *txstore.Record) error
	Get(txID string) (*txstore.Record, bool, error)
	Pending() ([]*txstore.Record, error)
}

// policy holds the timeouts and retry bounds of the submit logic.
type policy struct {
	MaxAttempts     int           // transactions per write (first + retries of transient commit failures)
	InitialBackoff  time.Duration // first pause between attempts; doubles up to MaxBackoff
	MaxBackoff      time.Duration
	Endorse         time.Duration // per endorsement
	Submit          time.Duration // per submission to the orderer
	CommitStatus    time.Duration // per wait for a commit status; then the same transaction is resubmitted
	Lookup          time.Duration // per qscc lookup
	PendingDeadline time.Duration // from creation, after which nobody resubmits a transaction
}

// submitter drives writes to a final status: it endorses fresh transactions for retries of
// transient commit failures (never for contract errors) and resubmits the same signed
// transaction while its commit status is unknown, each within a deadline.
type submitter struct {
	policy
	store store
	fence *fence
	watch *watch
	// peersOf lists the conns of c's identity through every peer (c first): the peers an
	// endorsement through c may reach.
	peersOf func(c conn) []conn
	obs     observer
	log     *slog.Logger
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
	// unreachable bounds how long a synchronous write keeps trying while no peer can be
	// reached at all: then the client is answered (TIMEOUT, the transaction PENDING) and the
	// worker goes on with it, instead of the client waiting out the write deadline.
	unreachable time.Duration
}

func newSubmitter(p policy, st store, obs observer, log *slog.Logger) *submitter {
	s := &submitter{policy: p, store: st, fence: newFence(), obs: obs, log: log, now: time.Now, sleep: sleepCtx,
		peersOf: func(c conn) []conn { return []conn{c} }, unreachable: 5 * time.Second}
	s.watch = newWatch(func() time.Time { return s.now() })
	return s
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// write endorses call and drives it to a final status before deadline, retrying transient
// commit failures with fresh transactions. On a deadline the returned record is still
// PENDING (the caller hands it to the worker); the error is then KindTimeout.
func (s *submitter) write(ctx context.Context, c conn, call ledger.Call, deadline time.Time, hooks []ledger.PreparedHook) (*ledger.Committed, *txstore.Record, error) {
	var prev *txstore.Record
	for attempt := 1; ; attempt++ {
		rec, err := s.prepare(ctx, c, call, attempt, prev, deadline, hooks)
		if err != nil {
			return nil, prev, err
		}
		st, err := s.drive(ctx, c, rec, deadline, s.unreachable)
		if err != nil {
			return nil, rec, err
		}
		s.finish(rec, st, "")
		if st.Code == peer.TxValidationCode_VALID {
			return &ledger.Committed{TransactionID: rec.TxID, BlockNumber: st.Block, Result: rec.Result}, rec, nil
		}
		if len(call.Transient) > 0 || !s.retryable(st.Code, attempt, deadline) {
			return nil, rec, commitError(rec.TxID, st.Code, st.Block)
		}
		s.log.Info("retrying with a fresh transaction", "tx_id", rec.TxID, "validation_code", st.Code.String(), "attempt", attempt)
		s.obs.retry(st.Code.String())
		if err := s.pause(ctx, s.backoff(attempt), deadline); err != nil {
			return nil, rec, commitError(rec.TxID, st.Code, st.Block)
		}
		prev = rec
	}
}

func (s *submitter) retryable(code peer.TxValidationCode, attempt int, deadline time.Time) bool {
	if !s.now().Before(deadline) {
		return false
	}
	// Fabric also fails a transaction with ENDORSEMENT_POLICY_FAILURE when an earlier
	// transaction of the same block set the validation parameter of a key it writes: two
	// clerks registering the same business at once, say. A fresh transaction sees that
	// block (the registration is then a CONFLICT); a real policy failure fails again, so
	// one retry is enough.
	if code == peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE {
		return attempt == 1 && s.MaxAttempts > 1
	}
	return transientCommit(code) && attempt < s.MaxAttempts
}

// prepare endorses a fresh transaction for call, persists it as PENDING, links it to the
// transaction it retries and runs the hooks. Nothing has reached the orderer yet.
func (s *submitter) prepare(ctx context.Context, c conn, call ledger.Call, attempt int, prev *txstore.Record, deadline time.Time, hooks []ledger.PreparedHook) (*txstore.Record, error) {
	p, err := s.endorse(ctx, c, call, deadline)
	if err != nil {
		if prev != nil {
			prev.Message = "the retry with a fresh transaction was refused: " + safeMessage(err)
			s.put(prev)
		}
		return nil, err
	}
	now := s.now().UTC()
	rec := &txstore.Record{
		TxID: p.TxID, Org: call.Caller.Org, Role: call.Caller.Role, Name: call.Caller.Name,
		Contract: call.Contract, Function: call.Function, Args: call.Args,
		Orgs: call.Orgs, Private: len(call.Transient) > 0,
		TxBytes: p.Bytes, Signature: p.Signature, Result: p.Result,
		Status: txstore.Pending, Attempt: attempt, CreatedAt: now,
		Deadline: now.Add(s.PendingDeadline),
	}
	if prev != nil {
		rec.PrevTxID = prev.TxID
		rec.Deadline = prev.Deadline
	}
	if err := s.store.Put(rec); err != nil {
		return nil, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", TransactionID: p.TxID, Err: err}
	}
	if prev != nil {
		prev.SupersededBy = rec.TxID
		s.put(prev)
	}
	for _, h := range hooks {
		if err := h(rec.TxID); err != nil {
			s.finishWith(rec, ledger.StatusFailed, "aborted before submission")
			return nil, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", TransactionID: rec.TxID, Err: err}
		}
	}
	return rec, nil
}

// endorseTries bounds the endorsements of one transaction while the peers needed by its
// endorsement policy are momentarily unknown to the gateway peer (gossip membership catches
// up within seconds, e.g. after a peer restart or under CPU starvation).
const endorseTries = 5

// endorse endorses call, retrying with backoff while no combination of peers can satisfy
// the endorsement policy (Unavailable). Contract errors and other failures return at once.
func (s *submitter) endorse(ctx context.Context, c conn, call ledger.Call, deadline time.Time) (*prepared, error) {
	backoff := s.InitialBackoff
	for try := 1; ; try++ {
		ectx, cancel := s.callContext(ctx, s.Endorse, deadline)
		p, err := c.endorse(ectx, call)
		if err != nil && s.fence.retry(ectx, s.peersOf(c), err) {
			s.log.Info("endorsing peers were behind (a NOT_FOUND after this gateway's write, or endorsements that differ); endorsing again", "peer", c.peer())
			s.obs.retry("read-your-writes")
			p, err = c.endorse(ectx, call)
		}
		cancel()
		le, ok := ledger.AsError(err)
		if err == nil || !ok || le.Kind != ledger.KindUnavailable || try >= endorseTries {
			return p, err
		}
		s.log.Warn("endorsing peers unavailable; endorsing again", "attempt", try, "error", err)
		s.obs.retry("endorse")
		if perr := s.pause(ctx, jitter(backoff), deadline); perr != nil {
			return nil, err
		}
		backoff = min(2*backoff, s.MaxBackoff)
	}
}

// drive submits rec's signed transaction and waits for its commit status, resubmitting the
// SAME transaction after a lost status (a Raft leader change drops in-flight transactions
// silently) or a transient orderer failure, until deadline. A duplicate submission commits as
// DUPLICATE_TXID; the original's real status is then read from the ledger. With giveUp > 0
// it stops (KindTimeout, the record still PENDING) once no peer has been reachable for that
// long: the caller is a client who should not wait for a network that is down.
func (s *submitter) drive(ctx context.Context, c conn, rec *txstore.Record, deadline time.Time, giveUp time.Duration) (txStatus, error) {
	p := &prepared{TxID: rec.TxID, Result: rec.Result, Bytes: rec.TxBytes, Signature: rec.Signature}
	backoff := s.InitialBackoff
	accepted := false
	var unreachableSince time.Time // when calls began to find no peer; zero while one answers
	reached := func(err error) {
		switch {
		case err == nil || !unreachable(err):
			unreachableSince = time.Time{}
		case unreachableSince.IsZero():
			unreachableSince = s.now()
		}
	}
	for round := 0; ; round++ {
		if round > 0 && giveUp > 0 && !unreachableSince.IsZero() && s.now().Sub(unreachableSince) >= giveUp {
			s.log.Warn("no peer reachable; the worker keeps submitting the transaction", "tx_id", rec.TxID, "for", s.now().Sub(unreachableSince).Round(time.Millisecond).String())
			return txStatus{}, &ledger.Error{
				Kind:          ledger.KindTimeout,
				Message:       "no peer of the network could be reached for " + giveUp.String() + "; the transaction is signed and PENDING, and the gateway keeps submitting it: poll GET /api/v1/transactions/" + rec.TxID,
				TransactionID: rec.TxID,
			}
		}
		if round > 0 {
			s.obs.retry("resubmit")
			if err := s.pause(ctx, jitter(backoff), deadline); err != nil {
				return txStatus{}, s.timeout(rec.TxID, err)
			}
			backoff = min(2*backoff, s.MaxBackoff)
			// It may have committed while its status was lost: ask the ledger first.
			if st, found := s.lookup(ctx, c, rec.TxID, deadline); found {
				return st, nil
			}
		}
		if !s.now().Before(deadline) {
			return txStatus{}, s.timeout(rec.TxID, nil)
		}
		sctx, cancel := s.callContext(ctx, s.Submit, deadline)
		err := c.submit(sctx, p)
		cancel()
		reached(err)
		if err != nil {
			if ctx.Err() != nil {
				return txStatus{}, s.timeout(rec.TxID, ctx.Err())
			}
			// Once the orderer accepted the transaction it may still commit, whatever a
			// later resubmission is told: keep going until the deadline.
			if transientSubmit(err) || accepted {
				s.log.Warn("submit failed; resubmitting the same transaction", "tx_id", rec.TxID, "error", err)
				continue
			}
			s.finishWith(rec, ledger.StatusFailed, safeMessage(err))
			return txStatus{}, withTxID(err, rec.TxID)
		}
		accepted = true
		st, nudged, err := s.awaitStatus(ctx, c, rec.TxID, deadline)
		reached(err)
		if err != nil {
			if ctx.Err() != nil {
				return txStatus{}, s.timeout(rec.TxID, ctx.Err())
			}
			if nudged != "" {
				s.log.Warn("transaction apparently dropped by the orderer; resubmitting the same transaction", "tx_id", rec.TxID, "reason", string(nudged))
				s.obs.retry("resubmit-" + string(nudged))
				backoff = s.InitialBackoff
				continue
			}
			s.log.Warn("commit status not obtained; resubmitting the same transaction", "tx_id", rec.TxID, "error", err)
			continue
		}
		if st.Code == peer.TxValidationCode_DUPLICATE_TXID {
			if real, found := s.lookup(ctx, c, rec.TxID, deadline); found {
				return real, nil
			}
			continue
		}
		return st, nil
	}
}

// awaitStatus waits for txID's commit status until the per-wait timeout or the deadline, or
// until the watch nudges it (then nudged says why and err is set).
func (s *submitter) awaitStatus(ctx context.Context, c conn, txID string, deadline time.Time) (st txStatus, nudged verdict, err error) {
	cctx, cancel := s.callContext(ctx, s.CommitStatus, deadline)
	defer cancel()
	wt := s.watch.accepted(txID)
	defer s.watch.done(txID, wt)
	go func() {
		select {
		case <-wt.nudge:
			cancel()
		case <-cctx.Done():
		}
	}()
	st, err = c.commitStatus(cctx, txID)
	if err == nil {
		s.watch.committed(txID)
		return st, keepWaiting, nil
	}
	select {
	case <-wt.nudge:
		return txStatus{}, verdict(wt.reason), err
	default:
		return txStatus{}, keepWaiting, err
	}
}

func (s *submitter) lookup(ctx context.Context, c conn, txID string, deadline time.Time) (txStatus, bool) {
	lctx, cancel := s.callContext(ctx, s.Lookup, deadline)
	defer cancel()
	st, found, err := c.lookup(lctx, txID)
	if err != nil {
		s.log.Debug("ledger lookup failed", "tx_id", txID, "error", err)
		return txStatus{}, false
	}
	if found && st.Code == peer.TxValidationCode_DUPLICATE_TXID {
		return txStatus{}, false
	}
	if found {
		s.watch.committed(txID)
	}
	return st, found
}

// callContext bounds one call by its own timeout and by the overall deadline.
func (s *submitter) callContext(ctx context.Context, timeout time.Duration, deadline time.Time) (context.Context, context.CancelFunc) {
	if d := deadline.Sub(s.now()); d < timeout {
		timeout = max(d, time.Millisecond)
	}
	return context.WithTimeout(ctx, timeout)
}

// pause sleeps d, unless the deadline would pass first or ctx ends.
func (s *submitter) pause(ctx context.Context, d time.Duration, deadline time.Time) error {
	if !s.now().Add(d).Before(deadline) {
		return context.DeadlineExceeded
	}
	return s.sleep(ctx, d)
}

func (s *submitter) backoff(attempt int) time.Duration {
	d := s.InitialBackoff
	for i := 1; i < attempt && d < s.MaxBackoff; i++ {
		d *= 2
	}
	return jitter(min(d, s.MaxBackoff))
}

// jitter spreads d over [d/2, d].
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

func (s *submitter) timeout(txID string, cause error) error {
	if cause == nil {
		cause = context.DeadlineExceeded
	}
	return &ledger.Error{
		Kind:          ledger.KindTimeout,
		Message:       "the transaction was submitted but its commit was not confirmed in time; its status is PENDING until the gateway knows it: poll GET /api/v1/transactions/" + txID,
		TransactionID: txID,
		Err:           cause,
	}
}

// finish records a commit outcome.
func (s *submitter) finish(rec *txstore.Record, st txStatus, msg string) {
	if st.Code == peer.TxValidationCode_VALID {
		s.fence.committed(st.Block)
	}
	rec.Status = st.Code.String()
	rec.Code = int32(st.Code)
	rec.BlockNumber = st.Block
	rec.Message = msg
	s.put(rec)
}

// finishWith records a final status other than a validation code (FAILED, EXPIRED).
func (s *submitter) finishWith(rec *txstore.Record, status, msg string) {
	rec.Status = status
	rec.Message = msg
	s.put(rec)
}

func (s *submitter) put(rec *txstore.Record) {
	if err := s.store.Put(rec); err != nil {
		s.log.Error("cannot persist transaction state", "tx_id", rec.TxID, "status", rec.Status, "error", err)
	}
}

// safeMessage is an error's client-safe message.
func safeMessage(err error) string {
	if le, ok := ledger.AsError(err); ok {
		if le.Code != "" {
			return le.Code + ": " + le.Message
		}
		return le.Message
	}
	return "internal error"
}

func withTxID(err error, txID string) error {
	var le *ledger.Error
	if errors.As(err, &le) && le.TransactionID == "" {
		le.TransactionID = txID
	}
	return err
}
