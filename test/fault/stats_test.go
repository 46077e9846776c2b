package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func TestLongestGap(t *testing.T) {
	for _, tc := range []struct {
		name     string
		ts       []float64
		from, to float64
		want     time.Duration
		began    float64
	}{
		{"no acknowledgement at all: the whole phase", nil, 0, 20, 20 * time.Second, 0},
		{"steady acknowledgements", []float64{1, 2, 3, 4}, 0, 5, time.Second, 0},
		{"an outage in the middle", []float64{1, 2, 9.5, 10}, 0, 11, 7500 * time.Millisecond, 2},
		{"acknowledgements in any order", []float64{9.5, 1, 10, 2}, 0, 11, 7500 * time.Millisecond, 2},
		{"an outage until the end of the phase", []float64{1, 2}, 0, 12, 10 * time.Second, 2},
		{"times outside the phase are ignored", []float64{-5, 1, 30}, 0, 4, 3 * time.Second, 1},
		{"duplicates are harmless", []float64{1, 1, 1, 3}, 0, 3, 2 * time.Second, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ts []time.Time
			for _, s := range tc.ts {
				ts = append(ts, at(s))
			}
			got, began := longestGap(ts, at(tc.from), at(tc.to))
			require.Equal(t, tc.want, got)
			require.Equal(t, at(tc.began), began)
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

var _ net.Error = timeoutErr{}

func TestAnswerClassAndRetry(t *testing.T) {
	for _, tc := range []struct {
		a     answer
		class string
		retry bool
	}{
		{answer{Status: 503, Code: "UNAVAILABLE"}, "503 UNAVAILABLE", true},
		{answer{Status: 502, Code: "ENDORSEMENT_FAILED"}, "502 ENDORSEMENT_FAILED", true},
		{answer{Status: 504, Code: "TIMEOUT"}, "504 TIMEOUT", true},
		{answer{Status: 500}, "500", true},
		{answer{Err: errors.New("dial tcp 127.0.0.1:27800: connect: connection refused")}, classTransport, true},
		{answer{Err: fmt.Errorf("Post: %w", context.DeadlineExceeded)}, classTimeout, true},
		{answer{Err: timeoutErr{}}, classTimeout, true},
		{answer{Status: 409, Code: "CONFLICT", Message: "a request with this Idempotency-Key is still being processed; retry later"}, "409 CONFLICT", true},
		{answer{Status: 409, Code: "MVCC_READ_CONFLICT"}, "409 MVCC_READ_CONFLICT", true},
		{answer{Status: 409, Code: "CONFLICT", Message: "business 91350200MA2Y00010L is already registered"}, "409 CONFLICT", false},
		{answer{Status: 400, Code: "INVALID"}, "400 INVALID", false},
		{answer{Status: 422, Code: "UNPROCESSABLE"}, "422 UNPROCESSABLE", false},
		{answer{Status: 403, Code: "FORBIDDEN"}, "403 FORBIDDEN", false},
	} {
		t.Run(tc.class, func(t *testing.T) {
			require.Equal(t, tc.class, tc.a.class())
			require.Equal(t, tc.retry, tc.a.retryable())
		})
	}
}

func TestSummarize(t *testing.T) {
	yes, no := true, false
	fr := faultRun{Fault: faultLeader, Node: "orderer1", Start: at(0), Kill: at(5), RestartAt: at(15), Restarted: at(22),
		Back: at(23), End: at(30), HasLedger: true, CatchUp: 8 * time.Second}
	next := faultRun{Fault: faultGateway, Node: "gateway", Start: at(30), Kill: at(35), RestartAt: at(45), Restarted: at(46), Back: at(46), End: at(50)}
	sync := func(start, ack float64, errs ...string) write {
		return write{Start: at(start), AckAt: at(ack), End: at(ack), Acked: true, Errors: errs, OnLedger: &yes}
	}
	writes := []write{
		sync(1, 1.2),                      // before the kill
		sync(4.9, 7.9, "503 UNAVAILABLE"), // in flight at the kill: in the window
		sync(10, 11),                      // during
		sync(23, 23.5),                    // at the end of the window (Back)
		sync(25, 25.2),                    // after: not in the window
		{Start: at(6), End: at(9), Errors: []string{"503 UNAVAILABLE", "409 CONFLICT"}, Refused: "409 CONFLICT", OnLedger: &yes}, // never acknowledged, committed anyway
		{Start: at(7), End: at(8), Async: true, Acked: true, AckAt: at(8), Final: "VALID", FinalAt: at(12), OnLedger: &yes},
		{Start: at(8), End: at(8), Async: true, Acked: true, AckAt: at(8), OnLedger: &no},                                    // never final, not there
		{Start: at(9), End: at(9), Async: true, Acked: true, AckAt: at(9), Final: "EXPIRED", FinalAt: at(20), OnLedger: &no}, // final, not VALID
		{Start: at(12), End: at(13), Acked: true, AckAt: at(13), OnLedger: &no},                                              // lost
		{Start: at(14), End: at(14.1), Acked: true, AckAt: at(14.1)},                                                         // read-back inconclusive
		sync(31, 31.1), // next fault
		sync(-1, 0.2),  // started a moment before the first phase: counted in the first
		sync(50, 50.1), // started after the last phase ended: counted in the last
	}
	rows := summarize([]faultRun{fr, next}, writes)
	require.Len(t, rows, 2)
	r := rows[0]
	require.Equal(t, 12, r.Requests)
	require.Equal(t, 11, r.Acked)
	require.Equal(t, 8, r.SyncAcked)
	require.Equal(t, 3, r.AsyncAcked)
	require.Equal(t, 1, r.NotAcked)
	require.Equal(t, 1, r.LateCommit)
	require.Equal(t, map[string]int{"503 UNAVAILABLE": 2, "409 CONFLICT": 1}, r.Errors)
	// In the window [5, 23]: 3 s, 1 s, 0.5 s, 1 s (lost, still acknowledged), 0.1 s.
	require.Equal(t, 5, r.Window)
	require.Equal(t, time.Second, r.P50)
	require.Equal(t, 3*time.Second, r.P99)
	require.Equal(t, 3*time.Second, r.Max)
	require.Equal(t, 200*time.Millisecond, r.BaseP50) // 0.2 s and 1.2 s
	// Commits acknowledged: 1.2, 7.9, 11, 12 (async VALID), 13, 14.1, 23.5, 25.2: the longest
	// span is 14.1 → 23.5.
	require.Equal(t, 9400*time.Millisecond, r.Gap.Round(time.Millisecond))
	require.Equal(t, 9100*time.Millisecond, r.GapAt.Round(time.Millisecond))
	require.Equal(t, 10*time.Second, r.Down)
	require.Equal(t, 7*time.Second, r.Restart)
	require.NotNil(t, r.CatchUp)
	require.Equal(t, 8*time.Second, *r.CatchUp)
	require.Equal(t, 3, r.Lost) // the sync one and the two async ones not on the ledger
	require.Equal(t, 1, r.NoFinal)
	require.Equal(t, map[string]int{"EXPIRED": 1}, r.AsyncBad)
	require.Equal(t, 1, r.Unread)
	require.Nil(t, rows[1].CatchUp, "the gateway has no ledger to catch up")
	require.Equal(t, 2, rows[1].Requests)

	failures := verdict(rows, 30*time.Second)
	require.Equal(t, []string{
		"leader (orderer1): 3 acknowledged writes not on the ledger",
		"leader (orderer1): 1 accepted asynchronous writes without a final status",
		"leader (orderer1): 1 acknowledged writes could not be read back",
	}, failures)
	require.Contains(t, verdict(rows, 5*time.Second), "leader (orderer1): caught up in 8.0 s, over the 5s target")
}

func TestErrorsText(t *testing.T) {
	require.Equal(t, "-", errorsText(nil))
	require.Equal(t, "503 UNAVAILABLE×12, transport×3, 502 ENDORSEMENT_FAILED×1, 504 TIMEOUT×1",
		errorsText(map[string]int{"transport": 3, "503 UNAVAILABLE": 12, "504 TIMEOUT": 1, "502 ENDORSEMENT_FAILED": 1}))
}

func TestClip(t *testing.T) {
	require.Equal(t, "a b c", clip("a\n  b\tc", 10))
	require.Equal(t, "abc…", clip("abcdef", 3))
	require.Equal(t, "é…", clip("ééé", 3), "never cuts a character in two")
}

// The latency target judges the faults issue 11 names: p99 and gap for leader, follower,
// peer and chaincode; the gap alone for the entry peer; never the gateway kill.
func TestTargetsJudgeTheNamedFaults(t *testing.T) {
	o := &options{P99Target: 5 * time.Second, CatchUpMax: 30 * time.Second}
	s := time.Second
	cases := []struct {
		name string
		rows []row
		want string
	}{
		{"all within", []row{{Fault: "leader", Node: "orderer0", P99: 3 * s, Gap: 2 * s}, {Fault: "gateway", Node: "gateway", P99: 12 * s, Gap: 11 * s}},
			"met in 1 of 1"},
		{"a leader kill over on p99", []row{{Fault: "leader", Node: "orderer1", P99: 6 * s, Gap: 2 * s}},
			"NOT met in 1 of 1 (leader orderer1: p99 6.00 s"},
		{"a follower kill over on the gap only", []row{{Fault: "follower", Node: "orderer2", P99: s, Gap: 7 * s}},
			"NOT met in 1 of 1 (follower orderer2"},
		{"the entry peer is judged by its gap", []row{{Fault: "entry-peer", Node: "peer0.market", P99: 9 * s, Gap: 3 * s}},
			"met in 1 of 1"},
		{"an entry-peer gap over", []row{{Fault: "entry-peer", Node: "peer0.market", P99: s, Gap: 6 * s}},
			"NOT met in 1 of 1 (entry-peer peer0.market: gap 6.0 s)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lines := targets(c.rows, o, totals{})
			if !strings.Contains(lines[0], c.want) {
				t.Fatalf("want %q in %q", c.want, lines[0])
			}
		})
	}
}
