package netctl

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Catch-up states of a peer or orderer, as `status` shows them.
const (
	StateOK      = "OK"      // at the highest height seen (within LagTolerance while blocks are being cut)
	StateLagging = "LAGGING" // behind, but its height moved during the observation window
	StateStuck   = "STUCK"   // behind and not moving, or an orderer whose Raft chain never learnt a leader
	StateDown    = "DOWN"    // process not running
	StateUnknown = "UNKNOWN" // running, but its height could not be read
)

// LagTolerance is how many blocks a node may trail the highest height seen and
// still count as OK while the channel is cutting blocks: heights are read one
// node after the other, and under load the channel grows ~10 blocks a second.
const LagTolerance = 2

// LagRow is one peer's or orderer's catch-up state.
type LagRow struct {
	Name    string
	Kind    string // "orderer" or "peer"
	Running bool
	Height  int64 // at the end of the window (-1: unknown)
	Start   int64 // at the start of the window (-1: unknown)
	Max     int64 // the highest height any node reported at the end of the window
	Lag     int64 // Max - Height (0 when unknown)
	State   string
	Reason  string // why STUCK or LAGGING, for people
	// Wedged: an orderer STUCK because its Raft chain has seen no leader since it
	// started while another orderer leads (the start-up deadlock, see repair.go).
	Wedged bool
}

// lagSample is what classifyLag decides from: one node's heights at the start
// and end of the window, the highest heights of all nodes at both times, and,
// for an orderer, whether its Raft chain has seen a leader while another
// orderer is leader.
type lagSample struct {
	running        bool
	h0, h1         int64 // this node, start and end of the window (-1: unknown)
	max0, max1     int64 // the highest heights seen at start and end
	orderer        bool
	noLeader       bool // orderer: its chain has never seen a leader since it started...
	othersHaveLead bool // ...while another orderer is the Raft leader
	upFor          time.Duration
}

// noLeaderGrace is how long a (re)started orderer may go without seeing a Raft
// leader before that counts as stuck: a healthy one hears the leader's heartbeat
// within one tick (200 ms here); an election takes 2-4 s.
const noLeaderGrace = 8 * time.Second

// wedged reports an orderer whose Raft chain has seen no leader for longer
// than noLeaderGrace while another orderer leads.
func (s lagSample) wedged() bool {
	return s.running && s.orderer && s.noLeader && s.othersHaveLead && s.upFor >= noLeaderGrace
}

// classifyLag is the pure decision behind Lag.
func classifyLag(s lagSample) (state, reason string) {
	if !s.running {
		return StateDown, "not running"
	}
	if s.wedged() {
		// Fabric's etcdraft chain loop is deadlocked (hyperledger/fabric#4199): it never
		// learns the leader, rejects Deliver with a consenter error and does not move.
		return StateStuck, fmt.Sprintf("Raft chain has seen no leader in %s while another orderer leads (Deliver refused: consenter error)", s.upFor.Round(time.Second))
	}
	if s.h1 < 0 {
		return StateUnknown, "height not readable"
	}
	lag := s.max1 - s.h1
	if lag <= 0 {
		return StateOK, ""
	}
	moved := s.h0 >= 0 && s.h1 > s.h0
	networkMoved := s.max1 > s.max0
	if networkMoved && lag <= LagTolerance {
		return StateOK, ""
	}
	if moved {
		return StateLagging, fmt.Sprintf("%d blocks behind, +%d in the window", lag, s.h1-s.h0)
	}
	return StateStuck, fmt.Sprintf("%d blocks behind and not moving", lag)
}

// lagProbe is one reading of a node.
type lagProbe struct {
	running  bool
	height   int64
	leader   bool // orderer: reports itself Raft leader
	noLeader bool // orderer: its chain has not seen a leader since it started
	upFor    time.Duration
}

// ledgerNode is a peer or orderer with its operations endpoint.
type ledgerNode struct {
	Name, Kind string
	ops        string
	tls        TLSFiles
}

func (n *Network) ledgerNodes() []ledgerNode {
	var out []ledgerNode
	oo := n.T.OrdererOrg()
	for _, nd := range oo.Orderers {
		out = append(out, ledgerNode{Name: nodeID(oo, nd), Kind: "orderer", ops: n.T.Addr(nd.Offset + portOps), tls: n.L.NodeTLS(oo.Name, nd.Name)})
	}
	for _, x := range n.T.PeerNodes() {
		out = append(out, ledgerNode{Name: nodeID(x.Org, x.Node), Kind: "peer", ops: n.T.Addr(x.Node.Offset + portOps), tls: n.L.NodeTLS(x.Org.Name, x.Node.Name)})
	}
	return out
}

// probe reads one node's height (and, for an orderer, its Raft view) from its
// operations endpoint.
func (n *Network) probe(ln ledgerNode) lagProbe {
	p := lagProbe{height: -1}
	pid, ok := running(n.L, ln.Name)
	if !ok {
		return p
	}
	p.running = true
	p.upFor = processAge(pid)
	samples, err := n.metrics(ln.ops, ln.tls)
	if err != nil {
		return p
	}
	ch := `{channel="` + n.T.Channel + `"}`
	if v, ok := samples["ledger_blockchain_height"+ch]; ok {
		p.height = int64(v)
	}
	if ln.Kind == "orderer" {
		p.leader = samples["consensus_etcdraft_is_leader"+ch] == 1
		// The chain counts every leader change it applies; Fabric exposes the counter
		// only once it is first incremented. A chain that has not counted one has
		// never left its start-up state: Deliver is refused with a consenter error.
		p.noLeader = samples["consensus_etcdraft_leader_changes"+ch] == 0
	}
	return p
}

// probeAll reads every peer and orderer concurrently.
func (n *Network) probeAll(nodes []ledgerNode) []lagProbe {
	out := make([]lagProbe, len(nodes))
	var wg sync.WaitGroup
	for i, ln := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = n.probe(ln)
		}()
	}
	wg.Wait()
	return out
}

// Lag reads every peer's and orderer's height twice, window apart, and
// classifies each against the highest height seen: OK, LAGGING (behind but
// moving), STUCK (behind and not moving, or an orderer whose Raft chain has not
// seen the leader) or DOWN. A window of 0 reads once: nothing then counts as
// moving, so every node behind is STUCK.
func (n *Network) Lag(ctx context.Context, window time.Duration) ([]LagRow, error) {
	nodes := n.ledgerNodes()
	first := n.probeAll(nodes)
	last := first
	if window > 0 {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(window):
		}
		last = n.probeAll(nodes)
	}
	return lagRows(nodes, first, last), nil
}

// lagRows classifies the probes of every node.
func lagRows(nodes []ledgerNode, first, last []lagProbe) []LagRow {
	var max0, max1 int64 = -1, -1
	for i := range nodes {
		max0 = max(max0, first[i].height)
		max1 = max(max1, last[i].height)
	}
	leaders := 0
	for i, ln := range nodes {
		if ln.Kind == "orderer" && last[i].leader {
			leaders++
		}
	}
	rows := make([]LagRow, len(nodes))
	for i, ln := range nodes {
		s := lagSample{running: last[i].running, h0: first[i].height, h1: last[i].height, max0: max0, max1: max1,
			orderer: ln.Kind == "orderer", noLeader: last[i].noLeader && first[i].noLeader,
			othersHaveLead: leaders > 0 && !last[i].leader, upFor: last[i].upFor}
		r := LagRow{Name: ln.Name, Kind: ln.Kind, Running: s.running, Height: s.h1, Start: s.h0, Max: max1}
		if s.h1 >= 0 && max1 > s.h1 {
			r.Lag = max1 - s.h1
		}
		r.State, r.Reason = classifyLag(s)
		r.Wedged = s.wedged()
		rows[i] = r
	}
	return rows
}

// WaitCaughtUp waits until the named peer or orderer is OK (at the highest
// height of the others, within LagTolerance while blocks are being cut) and
// returns how long that took. The fault suite measures catch-up times with it.
func (n *Network) WaitCaughtUp(ctx context.Context, name string, timeout time.Duration) (time.Duration, error) {
	t0 := time.Now()
	nodes := n.ledgerNodes()
	idx := -1
	for i, ln := range nodes {
		if ln.Name == name {
			idx = i
		}
	}
	if idx < 0 {
		return 0, fmt.Errorf("unknown peer or orderer %q", name)
	}
	prev := n.probeAll(nodes)
	for {
		cur := n.probeAll(nodes)
		rows := lagRows(nodes, prev, cur)
		if r := rows[idx]; r.State == StateOK && r.Height >= 0 {
			return time.Since(t0), nil
		}
		if time.Since(t0) > timeout {
			r := rows[idx]
			return time.Since(t0), fmt.Errorf("%s not caught up after %s: height %d, highest %d, %s %s", name, timeout, r.Height, r.Max, r.State, r.Reason)
		}
		prev = cur
		select {
		case <-ctx.Done():
			return time.Since(t0), ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// processAge is how long the process has been running (0 if unknown), from
// its start time in /proc.
func processAge(pid int) time.Duration {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(st)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	// Fields after the command: state is field 3, starttime field 22.
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0
	}
	ticks, err := strconv.ParseFloat(f[19], 64)
	if err != nil {
		return 0
	}
	up, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return 0
	}
	uf := strings.Fields(string(up))
	if len(uf) == 0 {
		return 0
	}
	uptime, err := strconv.ParseFloat(uf[0], 64)
	if err != nil {
		return 0
	}
	const clkTck = 100 // USER_HZ on Linux
	age := uptime - ticks/clkTck
	if age < 0 {
		return 0
	}
	return time.Duration(age * float64(time.Second))
}
