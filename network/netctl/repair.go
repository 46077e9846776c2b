package netctl

import (
	"context"
	"fmt"
	"time"
)

// The pinned Fabric (695dd57e01c2, April 2023) has a deadlock in its etcdraft
// chain (hyperledger/fabric#4199, fixed upstream by #4201 in v2.5.1): an
// orderer restarted before its Raft log has a snapshot replays the channel's
// three bootstrap ConfChange entries, and for each one chain.apply blocks
// sending on WALSyncC (chain.go:1183) while node.run may already be blocked
// sending the next Ready on applyC (node.go:156). Both goroutines wait for each
// other forever: the orderer stays at its height, never learns the leader,
// refuses Deliver with a consenter error, hangs Broadcast in WaitReady, and an
// `osnadmin channel remove` hangs in Chain.Halt holding the registrar's lock.
// The state on disk is intact. When the entries to replay fit in one Ready
// (under MaxSizePerMsg = PreferredMaxBytes, 2 MB) the deadlock needs an
// unlucky interleaving with a Ready from the network, and a fresh process
// replays the same entries and nearly always gets through: the repair is to
// restart the process. When they do not fit, a second Ready is pending at
// once and a start nearly always deadlocks again (5 of 5 here); snapshot_interval_size (1 MB, under 2 MB)
// keeps an orderer from ever being there, since a snapshot ends the replay of
// the ConfChange entries.

// maxOrdererRestarts bounds the repair restarts of one orderer in one `up`.
const maxOrdererRestarts = 4

// inStep waits until every orderer and peer is at the others' height. An
// orderer whose Raft chain is wedged (STUCK: no leader seen while another
// orderer leads) is restarted, but only while a majority of the orderers is
// OK without it, so the repair never touches the last healthy ones; it never
// removes or rewrites any data. A node still behind at the deadline fails `up`
// if it is STUCK and only warns if it is LAGGING (still moving).
func (n *Network) inStep(ctx context.Context, timeout time.Duration) error {
	o := n.T.OrdererOrg()
	quorum := len(o.Orderers)/2 + 1
	restarts := map[string]int{}
	deadline := time.Now().Add(timeout)
	for {
		rows, err := n.Lag(ctx, time.Second)
		if err != nil {
			return err
		}
		okOrderers, notOK := 0, []LagRow{}
		for _, r := range rows {
			if r.State == StateOK {
				if r.Kind == "orderer" {
					okOrderers++
				}
				continue
			}
			notOK = append(notOK, r)
		}
		if len(notOK) == 0 {
			return nil
		}
		for _, r := range notOK {
			if r.Kind != "orderer" || !r.Wedged {
				continue
			}
			if okOrderers < quorum {
				n.Log.Warn("orderer stalled, not restarted: too few healthy orderers", "orderer", r.Name, "ok", okOrderers, "quorum", quorum)
				continue
			}
			if restarts[r.Name] >= maxOrdererRestarts {
				continue
			}
			restarts[r.Name]++
			n.Log.Warn("orderer stalled: Raft chain deadlocked at start-up (Fabric #4199); restarting it",
				"orderer", r.Name, "height", r.Height, "highest", r.Max, "attempt", restarts[r.Name], "why", r.Reason)
			if err := n.restartOrderer(ctx, r.Name); err != nil {
				return err
			}
		}
		if time.Now().After(deadline) {
			var stuck error
			for _, r := range notOK {
				if r.State == StateStuck || r.State == StateUnknown {
					stuck = fmt.Errorf("%s %s at height %d of %d: %s (see %s)", r.Name, r.State, r.Height, r.Max, r.Reason, n.L.Log(r.Name))
					if r.Wedged && restarts[r.Name] > 0 {
						stuck = fmt.Errorf("%w; %d restarts did not help: most likely its Raft log has no snapshot yet and more than one batch of "+
							"entries to replay, so each start deadlocks again (channel created with a large ordering.snapshot_interval_size; see README, Network)",
							stuck, restarts[r.Name])
					}
					break
				}
				n.Log.Warn("node still catching up", "node", r.Name, "height", r.Height, "highest", r.Max, "state", r.State, "why", r.Reason)
			}
			return stuck
		}
	}
}

// restartOrderer stops an orderer (SIGTERM, SIGKILL after 3 s: a wedged chain
// never finishes a graceful halt) and starts it again on the same data.
func (n *Network) restartOrderer(ctx context.Context, name string) error {
	o := n.T.OrdererOrg()
	for _, nd := range o.Orderers {
		if nodeID(o, nd) != name {
			continue
		}
		if _, err := stop(n.L, name, 3*time.Second); err != nil {
			return err
		}
		p, err := n.ordererProc(o, nd)
		if err != nil {
			return err
		}
		if _, err := start(n.L, n.T.Host, p); err != nil {
			return err
		}
		if err := n.waitHealthy(ctx, name, n.T.Addr(nd.Offset+portOps), n.L.CACert(o.Name)); err != nil {
			return err
		}
		n.Log.Info("orderer restarted", "orderer", name)
		return nil
	}
	return fmt.Errorf("unknown orderer %q", name)
}

// leaderlessRepairAfter is how long `up` waits for a Raft leader before it
// restarts the orderers whose chains have seen none.
const leaderlessRepairAfter = 15 * time.Second

// restartLeaderless restarts every orderer whose Raft chain has seen no leader
// for leaderlessRepairAfter, when no orderer leads: with two of three wedged
// the third cannot win an election. A restart keeps all data.
func (n *Network) restartLeaderless(ctx context.Context) error {
	for _, ln := range n.ledgerNodes() {
		if ln.Kind != "orderer" {
			continue
		}
		p := n.probe(ln)
		if !p.running || !p.noLeader || p.leader || p.upFor < leaderlessRepairAfter {
			continue
		}
		n.Log.Warn("no Raft leader: restarting an orderer whose chain has seen none (Fabric #4199 start-up deadlock?)",
			"orderer", ln.Name, "up_for", p.upFor.Round(time.Second).String(), "height", p.height)
		if err := n.restartOrderer(ctx, ln.Name); err != nil {
			return err
		}
	}
	return nil
}
