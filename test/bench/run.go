package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govchain/govchain/test/internal/loadkit"
)

// path is one way of sending ops: the HTTP gateway or the SDK directly.
type path interface {
	Name() string
	Do(ctx context.Context, op *Op) outcome
	Close()
}

// phaseSpec describes one measured phase.
type phaseSpec struct {
	Workload  string
	Clients   int     // closed loop: concurrent clients
	Rate      float64 // fixed-rate mode when > 0
	MaxFlight int     // fixed-rate mode: cap on concurrent ops
	Warmup    time.Duration
	Duration  time.Duration
	Timeout   time.Duration
}

func (s phaseSpec) label(pathName string) string {
	if s.Rate > 0 {
		return fmt.Sprintf("%s %s @%g/s", pathName, s.Workload, s.Rate)
	}
	return fmt.Sprintf("%s %s c=%d", pathName, s.Workload, s.Clients)
}

// PhaseResult is what one path achieved in one phase. Only ops that completed inside the
// measurement window count; their latencies are those of successful ops.
type PhaseResult struct {
	Path       string
	OK         int
	OKByKind   map[string]int
	Failed     map[string]int
	FailDetail map[string]string // first message per failure kind
	Lat        loadkit.Latencies
	Window     time.Duration
	CPU        CPUUsage
	Started    int       // ops started (fixed-rate: offered) inside the window
	Late       int       // fixed-rate: ops that started > 10 ms after their scheduled time
	Speed      []float64 // speedIndex before the phase (one per merged phase)
}

// TPS is committed (or, for reads, successful) ops per second of the window.
func (r *PhaseResult) TPS() float64 {
	if r.Window <= 0 {
		return 0
	}
	return float64(r.OK) / r.Window.Seconds()
}

// FailedTotal is the number of failed ops.
func (r *PhaseResult) FailedTotal() int {
	n := 0
	for _, v := range r.Failed {
		n += v
	}
	return n
}

// mergePhase adds b (a later phase of the same path and spec) to a; a may be nil.
func mergePhase(a, b *PhaseResult) *PhaseResult {
	if a == nil {
		return b
	}
	a.OK += b.OK
	for k, v := range b.OKByKind {
		a.OKByKind[k] += v
	}
	for k, v := range b.Failed {
		a.Failed[k] += v
	}
	for k, v := range b.FailDetail {
		if _, seen := a.FailDetail[k]; !seen {
			a.FailDetail[k] = v
		}
	}
	a.Lat.Merge(&b.Lat)
	for k, v := range b.CPU.Seconds {
		a.CPU.Seconds[k] += v
	}
	a.CPU.MachineBusy += b.CPU.MachineBusy
	a.Window += b.Window
	if a.Window > 0 {
		a.CPU.Cores = a.CPU.MachineBusy / a.Window.Seconds()
	}
	a.Started += b.Started
	a.Late += b.Late
	a.Speed = append(a.Speed, b.Speed...)
	return a
}

// recorder collects outcomes; record is safe for concurrent use.
type recorder struct {
	mu           sync.Mutex
	res          *PhaseResult
	measureStart time.Time
	measureEnd   time.Time

	// live counters for the progress line (all completions, window or not)
	done     atomic.Int64
	failed   atomic.Int64
	inFlight atomic.Int64
}

func newRecorder(pathName string, start, end time.Time) *recorder {
	return &recorder{
		res:          &PhaseResult{Path: pathName, OKByKind: map[string]int{}, Failed: map[string]int{}, FailDetail: map[string]string{}},
		measureStart: start, measureEnd: end,
	}
}

// inWindow reports whether a completion at t counts.
func (r *recorder) inWindow(t time.Time) bool {
	return !t.Before(r.measureStart) && !t.After(r.measureEnd)
}

func (r *recorder) record(kind string, out outcome, began, end time.Time) {
	if out.Fail == "" {
		r.done.Add(1)
	} else {
		r.failed.Add(1)
	}
	if !r.inWindow(end) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if out.Fail == "" {
		r.res.OK++
		r.res.OKByKind[kind]++
		r.res.Lat.Add(end.Sub(began))
		return
	}
	r.res.Failed[out.Fail]++
	if _, seen := r.res.FailDetail[out.Fail]; !seen {
		r.res.FailDetail[out.Fail] = truncate(out.Detail, 300)
	}
}

func (r *recorder) started(at time.Time, late bool) {
	if !r.inWindow(at) {
		return
	}
	r.mu.Lock()
	r.res.Started++
	if late {
		r.res.Late++
	}
	r.mu.Unlock()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// runPhase drives p with the workload for warmup + duration, measuring the second part.
func runPhase(ctx context.Context, p path, gen *Generator, spec phaseSpec, procs []proc, progress io.Writer) *PhaseResult {
	speed := speedIndex(300 * time.Millisecond)
	start := time.Now()
	mStart := start.Add(spec.Warmup)
	mEnd := mStart.Add(spec.Duration)
	rec := newRecorder(p.Name(), mStart, mEnd)
	stop := make(chan struct{})
	var wg sync.WaitGroup

	doOne := func(op Op, began time.Time) {
		rec.inFlight.Add(1)
		octx, cancel := context.WithTimeout(ctx, spec.Timeout)
		out := p.Do(octx, &op)
		cancel()
		rec.inFlight.Add(-1)
		rec.record(op.Kind, out, began, time.Now())
	}

	if spec.Rate > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem := make(chan struct{}, spec.MaxFlight)
			interval := time.Duration(float64(time.Second) / spec.Rate)
			for i := 0; ; i++ {
				due := start.Add(time.Duration(i) * interval)
				if !due.Before(mEnd) || ctx.Err() != nil {
					return
				}
				if d := time.Until(due); d > 0 {
					time.Sleep(d)
				}
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					return
				}
				rec.started(due, time.Since(due) > 10*time.Millisecond)
				wg.Add(1)
				go func(due time.Time) {
					defer wg.Done()
					defer func() { <-sem }()
					// Latency counts from the scheduled start, so a saturated system cannot
					// hide its queueing (no coordinated omission).
					doOne(gen.Op(spec.Workload), due)
				}(due)
			}
		}()
	} else {
		for i := 0; i < spec.Clients; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					case <-ctx.Done():
						return
					default:
					}
					op := gen.Op(spec.Workload)
					began := time.Now()
					rec.started(began, false)
					doOne(op, began)
				}
			}()
		}
	}

	progDone := make(chan struct{})
	go showProgress(progress, spec.label(p.Name()), rec, start, mStart, mEnd, progDone)

	sleepUntil(ctx, mStart)
	before := sampleCPU(procs)
	sleepUntil(ctx, mEnd)
	after := sampleCPU(procs)
	close(stop)
	wg.Wait() // in-flight ops finish (bounded by spec.Timeout); they do not count
	close(progDone)

	res := rec.res
	res.Speed = []float64{speed}
	res.Window = spec.Duration
	res.CPU = cpuDelta(procs, before, after, spec.Duration.Seconds())
	return res
}

func sleepUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
	case <-ctx.Done():
	}
}

// showProgress prints one progress line per second until done.
func showProgress(w io.Writer, label string, rec *recorder, start, mStart, mEnd time.Time, done <-chan struct{}) {
	if w == nil {
		return
	}
	tty := isTerminal(w)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var lastDone int64
	lastT := start
	n := 0
	for {
		select {
		case <-done:
			if tty {
				fmt.Fprint(w, "\r\033[K")
			}
			return
		case now := <-tick.C:
			n++
			d := rec.done.Load()
			rate := float64(d-lastDone) / now.Sub(lastT).Seconds()
			lastDone, lastT = d, now
			stage := "warmup"
			switch {
			case now.After(mEnd):
				stage = "drain"
			case now.After(mStart):
				stage = "measure"
			}
			line := fmt.Sprintf("[%s] %s %4.0fs  ok %d  %.1f/s  failed %d  in flight %d",
				label, stage, now.Sub(start).Seconds(), d, rate, rec.failed.Load(), rec.inFlight.Load())
			if tty {
				fmt.Fprintf(w, "\r\033[K%s", line)
			} else if n%5 == 0 {
				fmt.Fprintln(w, line)
			}
		}
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
