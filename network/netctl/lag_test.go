package netctl

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestClassifyLag(t *testing.T) {
	const up = time.Minute
	cases := []struct {
		name   string
		s      lagSample
		want   string
		wedged bool
	}{
		{"not running", lagSample{running: false, h0: -1, h1: -1, max0: 50, max1: 60}, StateDown, false},
		{"height unreadable", lagSample{running: true, h0: -1, h1: -1, max0: 50, max1: 60, upFor: up}, StateUnknown, false},
		{"at the top, idle", lagSample{running: true, h0: 50, h1: 50, max0: 50, max1: 50, upFor: up}, StateOK, false},
		{"at the top, busy", lagSample{running: true, h0: 50, h1: 60, max0: 50, max1: 60, upFor: up}, StateOK, false},
		{"a block behind while blocks are cut: read skew", lagSample{running: true, h0: 50, h1: 59, max0: 51, max1: 60, upFor: up}, StateOK, false},
		{"two behind and not moving while blocks are cut: still within tolerance", lagSample{running: true, h0: 58, h1: 58, max0: 59, max1: 60, upFor: up}, StateOK, false},
		{"far behind and moving", lagSample{running: true, h0: 100, h1: 400, max0: 700, max1: 711, upFor: up}, StateLagging, false},
		{"far behind and not moving: the issue's orderer", lagSample{running: true, h0: 100, h1: 100, max0: 700, max1: 711, upFor: up}, StateStuck, false},
		{"one behind on an idle channel, not moving", lagSample{running: true, h0: 49, h1: 49, max0: 50, max1: 50, upFor: up}, StateStuck, false},
		{"one behind on an idle channel, moving", lagSample{running: true, h0: 48, h1: 49, max0: 50, max1: 50, upFor: up}, StateLagging, false},
		{"single reading (window 0), far behind: not known to move", lagSample{running: true, h0: 100, h1: 100, max0: 711, max1: 711, upFor: up}, StateStuck, false},
		{"orderer without a leader while another leads, past the grace: wedged even at the top",
			lagSample{running: true, h0: 60, h1: 60, max0: 60, max1: 60, orderer: true, noLeader: true, othersHaveLead: true, upFor: up}, StateStuck, true},
		{"orderer without a leader, just restarted: not yet",
			lagSample{running: true, h0: 100, h1: 150, max0: 700, max1: 711, orderer: true, noLeader: true, othersHaveLead: true, upFor: 2 * time.Second}, StateLagging, false},
		{"no orderer leads (election, or quorum lost): not wedged, judged by height",
			lagSample{running: true, h0: 60, h1: 60, max0: 60, max1: 60, orderer: true, noLeader: true, othersHaveLead: false, upFor: up}, StateOK, false},
		{"a peer has no Raft view",
			lagSample{running: true, h0: 60, h1: 60, max0: 60, max1: 60, orderer: false, noLeader: true, othersHaveLead: true, upFor: up}, StateOK, false},
		{"stopped orderer is DOWN, not wedged",
			lagSample{running: false, h0: -1, h1: -1, max0: 60, max1: 60, orderer: true, noLeader: true, othersHaveLead: true, upFor: up}, StateDown, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, reason := classifyLag(c.s)
			if got != c.want {
				t.Fatalf("state %s (%s), want %s", got, reason, c.want)
			}
			if c.s.wedged() != c.wedged {
				t.Fatalf("wedged %v, want %v", c.s.wedged(), c.wedged)
			}
			if (got == StateStuck || got == StateLagging) && reason == "" {
				t.Fatalf("%s without a reason", got)
			}
		})
	}
}

func TestLagRows(t *testing.T) {
	nodes := []ledgerNode{{Name: "orderer0", Kind: "orderer"}, {Name: "orderer1", Kind: "orderer"}, {Name: "orderer2", Kind: "orderer"},
		{Name: "peer0.tax", Kind: "peer"}, {Name: "peer0.market", Kind: "peer"}}
	up := time.Minute
	first := []lagProbe{
		{running: true, height: 700, leader: true, upFor: up},
		{running: true, height: 700, upFor: up},
		{running: true, height: 100, noLeader: true, upFor: up},
		{running: true, height: 650, upFor: 3 * time.Second},
		{running: false, height: -1},
	}
	last := []lagProbe{
		{running: true, height: 711, leader: true, upFor: up},
		{running: true, height: 710, upFor: up},
		{running: true, height: 100, noLeader: true, upFor: up},
		{running: true, height: 690, upFor: 4 * time.Second},
		{running: false, height: -1},
	}
	rows := lagRows(nodes, first, last)
	want := map[string]struct {
		state  string
		lag    int64
		wedged bool
	}{
		"orderer0":     {StateOK, 0, false},
		"orderer1":     {StateOK, 1, false},
		"orderer2":     {StateStuck, 611, true},
		"peer0.tax":    {StateLagging, 21, false},
		"peer0.market": {StateDown, 0, false},
	}
	for _, r := range rows {
		w := want[r.Name]
		if r.State != w.state || r.Lag != w.lag || r.Wedged != w.wedged || r.Max != 711 {
			t.Errorf("%s: state %s lag %d wedged %v max %d (%s); want %s lag %d wedged %v max 711", r.Name, r.State, r.Lag, r.Wedged, r.Max, r.Reason, w.state, w.lag, w.wedged)
		}
	}
	// The leader itself never counts as wedged, even before its counter shows.
	last[0].noLeader, first[0].noLeader = true, true
	if r := lagRows(nodes, first, last)[0]; r.Wedged {
		t.Errorf("the leader reported wedged: %+v", r)
	}
}

func TestParseMetrics(t *testing.T) {
	text := `# HELP ledger_blockchain_height Height of the chain in blocks.
# TYPE ledger_blockchain_height gauge
ledger_blockchain_height{channel="govchannel"} 2557
consensus_etcdraft_is_leader{channel="govchannel"} 1
consensus_etcdraft_data_persist_duration_bucket{channel="govchannel",le="0.005"} 6486
go_goroutines 97
garbage line
`
	m := parseMetrics(strings.NewReader(text))
	if m[`ledger_blockchain_height{channel="govchannel"}`] != 2557 || m[`consensus_etcdraft_is_leader{channel="govchannel"}`] != 1 ||
		m[`consensus_etcdraft_data_persist_duration_bucket{channel="govchannel",le="0.005"}`] != 6486 || m["go_goroutines"] != 97 {
		t.Fatalf("parsed %v", m)
	}
	if _, ok := m[`consensus_etcdraft_leader_changes{channel="govchannel"}`]; ok {
		t.Fatal("a counter not exposed must read as absent")
	}
	if len(m) != 4 {
		t.Fatalf("want 4 samples, got %d: %v", len(m), m)
	}
}

func TestSnapshotIntervalSizeInConfigtx(t *testing.T) {
	tp := repoTopology(t)
	if tp.Ordering.SnapshotIntervalSize != "1 MB" {
		t.Fatalf("network.yaml snapshot_interval_size = %q, want 1 MB", tp.Ordering.SnapshotIntervalSize)
	}
	n := &Network{T: tp, L: Layout{Root: "/r", Data: "/r/data", Bin: "/r/bin"}, S: &State{}}
	var b strings.Builder
	if err := n.writeConfigtx(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "SnapshotIntervalSize: 1 MB\n") {
		t.Fatalf("configtx.yaml lacks the snapshot interval:\n%s", b.String())
	}
	for _, bad := range []string{"1MB", "16 GB", "0 MB", "big"} {
		tp.Ordering.SnapshotIntervalSize = bad
		if err := tp.validate(); err == nil || !strings.Contains(err.Error(), "snapshot_interval_size") {
			t.Errorf("%q: want an error naming snapshot_interval_size, got %v", bad, err)
		}
	}
}

func TestProcessAge(t *testing.T) {
	// /proc start times tick at 10 ms: a process this young may read as 0.
	if age := processAge(os.Getpid()); age < 0 || age > time.Hour {
		t.Fatalf("age of this test process: %s", age)
	}
	if age := processAge(1); age <= 0 {
		t.Fatalf("age of PID 1: %s", age)
	}
	if age := processAge(-1); age != 0 {
		t.Fatalf("age of a missing process: %s", age)
	}
}
