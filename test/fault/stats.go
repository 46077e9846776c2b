package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/govchain/govchain/test/internal/loadkit"
)

// faultRun is what happened to the network in one fault: the phase [Start, End) takes the
// writes that started in it; the node was killed at Kill, the restart ran from RestartAt to
// Restarted, and the node was back (caught up, or serving for nodes without a ledger) at
// Back. The fault window, whose latencies the row reports, is [Kill, Back].
type faultRun struct {
	Fault      string
	Node       string
	Start      time.Time
	Kill       time.Time
	RestartAt  time.Time
	Restarted  time.Time
	Back       time.Time
	End        time.Time
	HasLedger  bool          // a peer or orderer: catch-up is measured
	CatchUp    time.Duration // from RestartAt until at the others' height (watched while the restart runs)
	CatchUpErr string        // not caught up (or not measurable)
	Err        string        // the fault could not be injected or undone
	Broken     bool          // the node could not be restarted: the remaining faults are skipped
}

// row is one fault's line of the results table.
type row struct {
	Fault      string         `json:"fault"`
	Node       string         `json:"node"`
	Requests   int            `json:"requests"`     // logical writes started in the phase
	Acked      int            `json:"acknowledged"` // sync 201 + async 202
	SyncAcked  int            `json:"sync_acknowledged"`
	AsyncAcked int            `json:"async_accepted"`
	NotAcked   int            `json:"not_acknowledged"` // gave up or refused: never acknowledged
	Errors     map[string]int `json:"errors"`           // failed attempts by class
	Window     int            `json:"window_writes"`    // sync writes acknowledged during the fault window
	P50        time.Duration  `json:"-"`
	P99        time.Duration  `json:"-"`
	Max        time.Duration  `json:"-"`
	BaseP50    time.Duration  `json:"-"` // sync writes before the kill
	Gap        time.Duration  `json:"-"` // longest span with no write acknowledged as committed
	GapAt      time.Duration  `json:"-"` // when that span began, from the kill
	Down       time.Duration  `json:"-"` // kill to restart
	Restart    time.Duration  `json:"-"` // the restart command
	CatchUp    *time.Duration `json:"-"` // nil: not a peer or orderer
	CatchUpErr string         `json:"catchup_error,omitempty"`
	Lost       int            `json:"lost"`            // acknowledged, not on the ledger at the end
	NoFinal    int            `json:"async_no_final"`  // accepted, no final status at the end
	AsyncBad   map[string]int `json:"async_not_valid"` // accepted, final status not VALID
	Unread     int            `json:"unread"`          // acknowledged, read-back inconclusive
	LateCommit int            `json:"unacknowledged_committed"`
	Err        string         `json:"error,omitempty"`
}

// longestGap is the longest span within [from, to] with no time in ts: the boundaries
// count as the ends of the first and last spans. It returns the span and where it begins.
func longestGap(ts []time.Time, from, to time.Time) (time.Duration, time.Time) {
	in := make([]time.Time, 0, len(ts)+2)
	in = append(in, from)
	for _, t := range ts {
		if t.After(from) && t.Before(to) {
			in = append(in, t)
		}
	}
	in = append(in, to)
	slices.SortFunc(in, func(a, b time.Time) int { return a.Compare(b) })
	var best time.Duration
	at := from
	for i := 1; i < len(in); i++ {
		if d := in[i].Sub(in[i-1]); d > best {
			best, at = d, in[i-1]
		}
	}
	return best, at
}

// overlaps reports whether [s, e] meets [from, to].
func overlaps(s, e, from, to time.Time) bool { return !e.Before(from) && !s.After(to) }

// summarize computes one row per fault from every write.
func summarize(runs []faultRun, writes []write) []row {
	var commits []time.Time
	for i := range writes {
		if t, ok := writes[i].committedAt(); ok {
			commits = append(commits, t)
		}
	}
	rows := make([]row, 0, len(runs))
	for k, fr := range runs {
		// Every write belongs to one phase: those started before the first phase (the load
		// starts a moment earlier) to the first, those after the last to the last.
		lo, hi := fr.Start, fr.End
		if k == 0 {
			lo = time.Time{}
		}
		if k == len(runs)-1 {
			hi = time.Unix(1<<62, 0)
		}
		r := row{Fault: fr.Fault, Node: fr.Node, Errors: map[string]int{}, AsyncBad: map[string]int{}, Err: fr.Err}
		var window, before loadkit.Latencies
		for i := range writes {
			w := &writes[i]
			if w.Start.Before(lo) || !w.Start.Before(hi) {
				continue
			}
			r.Requests++
			for _, e := range w.Errors {
				r.Errors[e]++
			}
			if !w.Acked {
				r.NotAcked++
				if w.OnLedger != nil && *w.OnLedger {
					r.LateCommit++
				}
				continue
			}
			r.Acked++
			if w.Async {
				r.AsyncAcked++
				switch w.Final {
				case "":
					r.NoFinal++
				case statusValid:
				default:
					r.AsyncBad[w.Final]++
				}
			} else {
				r.SyncAcked++
				lat := w.AckAt.Sub(w.Start)
				if !fr.Kill.IsZero() && overlaps(w.Start, w.AckAt, fr.Kill, fr.Back) {
					window.Add(lat)
				} else if fr.Kill.IsZero() || w.AckAt.Before(fr.Kill) {
					before.Add(lat)
				}
			}
			switch {
			case w.OnLedger == nil:
				r.Unread++
			case !*w.OnLedger:
				r.Lost++
			}
		}
		r.Window = window.Len()
		r.P50, r.P99, r.Max = window.Percentile(50), window.Percentile(99), window.Max()
		r.BaseP50 = before.Percentile(50)
		if !fr.Kill.IsZero() {
			var at time.Time
			r.Gap, at = longestGap(commits, fr.Start, fr.End)
			r.GapAt = at.Sub(fr.Kill)
			r.Restart = fr.Restarted.Sub(fr.RestartAt)
			r.Down = fr.RestartAt.Sub(fr.Kill)
		}
		if fr.HasLedger {
			d := fr.CatchUp
			r.CatchUp = &d
			r.CatchUpErr = fr.CatchUpErr
		}
		rows = append(rows, r)
	}
	return rows
}

// errorsText renders the errors column: "503 UNAVAILABLE×12, transport×3", most first.
func errorsText(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// verdict lists what failed the suite (exit status 1): a lost write, an asynchronous write
// without a final status, a read-back that could not decide, a restarted node that did not
// catch up within max, a fault that could not be injected or undone.
func verdict(rows []row, catchUpMax time.Duration) []string {
	var out []string
	for _, r := range rows {
		name := r.Fault + " (" + r.Node + ")"
		if r.Err != "" {
			out = append(out, fmt.Sprintf("%s: %s", name, r.Err))
		}
		if r.Lost > 0 {
			out = append(out, fmt.Sprintf("%s: %d acknowledged writes not on the ledger", name, r.Lost))
		}
		if r.NoFinal > 0 {
			out = append(out, fmt.Sprintf("%s: %d accepted asynchronous writes without a final status", name, r.NoFinal))
		}
		if r.Unread > 0 {
			out = append(out, fmt.Sprintf("%s: %d acknowledged writes could not be read back", name, r.Unread))
		}
		if r.CatchUp != nil {
			switch {
			case r.CatchUpErr != "":
				out = append(out, fmt.Sprintf("%s: did not catch up: %s", name, r.CatchUpErr))
			case *r.CatchUp > catchUpMax:
				out = append(out, fmt.Sprintf("%s: caught up in %.1f s, over the %s target", name, r.CatchUp.Seconds(), catchUpMax))
			}
		}
	}
	return out
}
