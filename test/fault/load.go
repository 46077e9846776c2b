package main

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/govchain/govchain/test/internal/loadkit"
)

// Final statuses of an asynchronous write, besides the gateway's (VALID, EXPIRED…).
const statusValid = "VALID"

// write is one logical registration: one business, one Idempotency-Key, however many
// attempts the writer needed.
type write struct {
	USCC     string
	Key      string
	Async    bool
	Writer   int
	Start    time.Time // first attempt sent
	End      time.Time // last answer
	Attempts int
	Errors   []string // class of every failed attempt, in order
	Acked    bool     // sync: 201 (committed VALID); async: 202 (accepted)
	AckAt    time.Time
	TxID     string
	Refused  string // not acknowledged: the last error class

	// Asynchronous writes: the final status the poller saw ("" while pending), when it saw
	// it, and the transaction it follows (TxID, or the one that superseded it).
	Final   string
	FinalAt time.Time
	follow  string
	nextAt  time.Time

	// Read-back: found as the audit auditor at the end (nil: not checked).
	OnLedger *bool
	ReadErr  string
}

// committedAt is when this write was acknowledged as committed, if it was: the sync 201,
// or the poller seeing an async write VALID.
func (w *write) committedAt() (time.Time, bool) {
	switch {
	case !w.Acked:
		return time.Time{}, false
	case !w.Async:
		return w.AckAt, true
	case w.Final == statusValid:
		return w.FinalAt, true
	}
	return time.Time{}, false
}

// load runs the writers and the poller of asynchronous writes against the gateway.
type load struct {
	o   *options
	c   *client
	gen *loadkit.Unique

	mu      sync.Mutex
	samples map[string]string // the first message of each error class
	writes  []*write
	pending []*write // async, accepted, no final status yet

	readRetry time.Duration // pause between read-back tries

	stop    chan struct{} // closed: writers start no new write
	writers sync.WaitGroup
	poller  sync.WaitGroup
	drained chan struct{} // closed by drain: the poller stops
}

func newLoad(o *options, c *client) *load {
	return &load{o: o, c: c, gen: loadkit.NewUnique(time.Now()), readRetry: time.Second, samples: map[string]string{},
		stop: make(chan struct{}), drained: make(chan struct{})}
}

// start launches the writers and the poller; ctx ends everything at once (interrupt).
func (l *load) start(ctx context.Context) {
	for i := range l.o.syncWriters() {
		l.writers.Add(1)
		go func() {
			defer l.writers.Done()
			for l.running(ctx) {
				l.one(ctx, i, false)
			}
		}()
	}
	for i := range l.o.asyncWriters() {
		l.writers.Add(1)
		go func() {
			defer l.writers.Done()
			interval := time.Duration(float64(time.Second) / l.o.AsyncRate)
			next := time.Now()
			for l.running(ctx) {
				l.one(ctx, l.o.syncWriters()+i, true)
				next = next.Add(interval)
				if d := time.Until(next); d > 0 {
					sleep(ctx, d)
				} else {
					next = time.Now() // fell behind (retries): do not burst to catch up
				}
			}
		}()
	}
	l.poller.Add(1)
	go func() {
		defer l.poller.Done()
		l.poll(ctx)
	}()
}

func (l *load) running(ctx context.Context) bool {
	select {
	case <-l.stop:
		return false
	case <-ctx.Done():
		return false
	default:
		return true
	}
}

// one makes one registration, retrying it with the same Idempotency-Key as a client
// would, for up to -retry-for.
func (l *load) one(ctx context.Context, writer int, async bool) {
	req := l.gen.RegisterRequest()
	body, _ := json.Marshal(req)
	w := &write{USCC: req.USCC, Key: newIdempotencyKey(), Async: async, Writer: writer, Start: time.Now()}
	l.mu.Lock()
	l.writes = append(l.writes, w)
	l.mu.Unlock()

	deadline := w.Start.Add(l.o.RetryFor)
	backoff := 250 * time.Millisecond
	for {
		a := l.c.register(ctx, body, w.Key, async)
		now := time.Now()
		l.mu.Lock()
		w.Attempts++
		w.End = now
		want := http.StatusCreated
		if async {
			want = http.StatusAccepted
		}
		if a.Status == want {
			w.Acked, w.AckAt, w.TxID = true, now, a.TxID
			if async {
				w.follow, w.nextAt = a.TxID, now.Add(l.o.Poll)
				l.pending = append(l.pending, w)
			}
			l.mu.Unlock()
			return
		}
		cls := a.class()
		if a.Status >= 200 && a.Status < 300 {
			cls = "unexpected " + cls // e.g. 200 to a registration: count it, do not trust it
		}
		w.Errors = append(w.Errors, cls)
		if _, seen := l.samples[cls]; !seen {
			msg := a.Message
			if a.Err != nil {
				msg = a.Err.Error()
			}
			l.samples[cls] = msg
		}
		if !a.retryable() || ctx.Err() != nil || now.Add(backoff).After(deadline) {
			w.Refused = cls
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		sleep(ctx, backoff)
		backoff = min(2*backoff, 2*time.Second)
	}
}

// poll follows every accepted asynchronous write until its transaction has a final status
// (or the one that superseded it after a conflict has).
func (l *load) poll(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.drained:
			return
		default:
		}
		l.mu.Lock()
		now := time.Now()
		var due []*write
		for _, w := range l.pending {
			if !w.nextAt.After(now) {
				due = append(due, w)
			}
		}
		l.mu.Unlock()
		for _, w := range due {
			l.mu.Lock()
			id := w.follow
			l.mu.Unlock()
			st, a := l.c.transaction(ctx, id)
			now := time.Now()
			l.mu.Lock()
			w.nextAt = now.Add(l.o.Poll)
			switch {
			case a.Status != http.StatusOK || a.Err != nil || st.Status == "" || st.Status == "PENDING":
				// Not final yet, or the gateway cannot answer right now: ask again.
			case st.SupersededBy != "" && st.Status != statusValid:
				w.follow = st.SupersededBy // a conflict retried as a fresh transaction
			default:
				w.Final, w.FinalAt = st.Status, now
				l.removePending(w)
			}
			l.mu.Unlock()
		}
		sleep(ctx, 50*time.Millisecond)
	}
}

// removePending drops w from the pending list (mu held).
func (l *load) removePending(w *write) {
	for i, p := range l.pending {
		if p == w {
			l.pending = append(l.pending[:i], l.pending[i+1:]...)
			return
		}
	}
}

// finish stops the writers (each finishes the write it is on, retries included), then
// waits up to drain for every accepted asynchronous write to reach a final status.
func (l *load) finish(ctx context.Context, drain time.Duration) {
	close(l.stop)
	l.writers.Wait()
	deadline := time.Now().Add(drain)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		l.mu.Lock()
		n := len(l.pending)
		l.mu.Unlock()
		if n == 0 {
			break
		}
		sleep(ctx, 100*time.Millisecond)
	}
	close(l.drained)
	l.poller.Wait()
}

// readBack reads every acknowledged write (and every unacknowledged one that was sent, to
// tell which committed anyway) as the audit auditor. A write whose record is not found
// after a few tries is not on the ledger.
func (l *load) readBack(ctx context.Context, workers int) {
	l.mu.Lock()
	var todo []*write
	for _, w := range l.writes {
		if w.Attempts > 0 {
			todo = append(todo, w)
		}
	}
	l.mu.Unlock()
	ch := make(chan *write)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for w := range ch {
				found, errText := l.readOne(ctx, w.USCC)
				l.mu.Lock()
				w.ReadErr = errText
				if errText == "" {
					w.OnLedger = &found
				}
				l.mu.Unlock()
			}
		}()
	}
	for _, w := range todo {
		ch <- w
	}
	close(ch)
	wg.Wait()
}

// readOne reads one record: found, or not found after 3 tries readRetry apart, or errText
// when the gateway would not say either way after 10 tries.
func (l *load) readOne(ctx context.Context, uscc string) (found bool, errText string) {
	notFound := 0
	for try := 0; try < 10; try++ {
		a := l.c.business(ctx, uscc)
		switch {
		case a.Status == http.StatusOK:
			return true, ""
		case a.Status == http.StatusNotFound:
			notFound++
			if notFound == 3 {
				return false, ""
			}
		default:
			errText = a.class()
		}
		if ctx.Err() != nil {
			return false, ctx.Err().Error()
		}
		sleep(ctx, l.readRetry)
	}
	return false, errText
}

// errorSamples copies the first message of each error class.
func (l *load) errorSamples() map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]string, len(l.samples))
	for k, v := range l.samples {
		out[k] = v
	}
	return out
}

// snapshot copies every write (for the statistics, once the load has finished).
func (l *load) snapshot() []write {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]write, len(l.writes))
	for i, w := range l.writes {
		out[i] = *w
	}
	return out
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
