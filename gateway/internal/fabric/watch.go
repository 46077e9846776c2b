package fabric

import (
	"sync"
	"time"
)

// watch notices transactions an orderer dropped. A Raft leader killed under load takes the
// transactions it had accepted but not yet ordered with it, silently: their commit-status
// waits would only end at timeouts.commit_status. The watch knows the order in which this
// gateway's transactions were accepted and which of them have committed since; a waiting
// transaction is nudged (its wait ends, and the same signed transaction is resubmitted) when
//
//   - it was overtaken: a transaction accepted after it has committed, and it has waited
//     overtakeAfter (blocks are cut in acceptance order, so it is not merely in a later
//     block), or
//   - the channel is silent: nothing of this gateway has committed for silentAfter since it
//     was accepted (no later transaction to overtake it, e.g. the last write of a burst).
//
// A nudge is never a verdict: the transaction may still commit. Resubmitting is safe (same
// transaction id): a duplicate commits as DUPLICATE_TXID and the first one's real status is
// read from the ledger.
type watch struct {
	overtakeAfter time.Duration
	silentAfter   time.Duration
	tick          time.Duration
	now           func() time.Time

	mu           sync.Mutex
	seq          uint64
	waiting      map[string]*waiter
	committedSeq uint64    // the latest-accepted transaction known committed
	lastCommit   time.Time // when a transaction of this gateway last committed
	running      bool
}

// waiter is one accepted transaction waiting for its commit status.
type waiter struct {
	seq      uint64
	accepted time.Time
	nudge    chan struct{}
	reason   string // set before nudge is closed
}

func newWatch(now func() time.Time) *watch {
	return &watch{overtakeAfter: 1500 * time.Millisecond, silentAfter: 3 * time.Second, tick: 250 * time.Millisecond,
		now: now, waiting: map[string]*waiter{}}
}

// verdict is what the watch decides about one waiting transaction.
type verdict string

const (
	keepWaiting verdict = ""
	overtaken   verdict = "overtaken"
	silent      verdict = "silent"
)

// decide is the resubmit decision for a transaction accepted at accepted as the seq-th, when
// the latest-accepted committed transaction is committedSeq and the last commit was at
// lastCommit.
func decide(now time.Time, seq uint64, accepted time.Time, committedSeq uint64, lastCommit time.Time, overtakeAfter, silentAfter time.Duration) verdict {
	if committedSeq > seq && now.Sub(accepted) >= overtakeAfter {
		return overtaken
	}
	quietSince := accepted
	if lastCommit.After(quietSince) {
		quietSince = lastCommit
	}
	if now.Sub(quietSince) >= silentAfter {
		return silent
	}
	return keepWaiting
}

// accepted registers txID as accepted by the orderer now; call done when its wait ends.
func (w *watch) accepted(txID string) *waiter {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seq++
	wt := &waiter{seq: w.seq, accepted: w.now(), nudge: make(chan struct{})}
	w.waiting[txID] = wt
	if !w.running {
		w.running = true
		go w.loop()
	}
	return wt
}

// done ends txID's wait.
func (w *watch) done(txID string, wt *waiter) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.waiting[txID] == wt {
		delete(w.waiting, txID)
	}
}

// committed records that txID (of this gateway) has committed, valid or not.
func (w *watch) committed(txID string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lastCommit = w.now()
	if wt, ok := w.waiting[txID]; ok && wt.seq > w.committedSeq {
		w.committedSeq = wt.seq
	}
}

// loop checks the waiting transactions every tick while there are any.
func (w *watch) loop() {
	t := time.NewTicker(w.tick)
	defer t.Stop()
	for range t.C {
		if !w.check() {
			return
		}
	}
}

// check nudges every waiting transaction the decision says to; false once none waits.
func (w *watch) check() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.waiting) == 0 {
		w.running = false
		return false
	}
	now := w.now()
	for txID, wt := range w.waiting {
		if v := decide(now, wt.seq, wt.accepted, w.committedSeq, w.lastCommit, w.overtakeAfter, w.silentAfter); v != keepWaiting {
			wt.reason = string(v)
			close(wt.nudge)
			delete(w.waiting, txID)
		}
	}
	return true
}
