package netctl

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// Up brings the whole network up and returns once every node is healthy, every
// peer has joined the channel and the chaincode answers a query. Re-running it
// while the network is up only checks that state; after Down it resumes with
// the existing identities and ledgers.
func (n *Network) Up(ctx context.Context, govnetBin string) error {
	t0 := time.Now()
	if err := os.MkdirAll(n.L.Net(), 0o755); err != nil {
		return err
	}
	step := func(name string, f func() error) error {
		s := time.Now()
		if err := f(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		n.Log.Info("step done", "step", name, "took", time.Since(s).Round(time.Millisecond).String())
		return nil
	}
	if err := step("certificate authorities", func() error {
		return parallel(n.T.Orgs, func(o Org) error { return n.ensureCA(ctx, o) })
	}); err != nil {
		return err
	}
	if err := step("enroll identities", func() error {
		return parallel(n.T.Orgs, func(o Org) error { return n.enrollOrg(ctx, o) })
	}); err != nil {
		return err
	}
	if err := n.writeBuilder(govnetBin); err != nil {
		return err
	}
	if _, err := os.Stat(n.L.GenesisBlock()); err != nil {
		if err := step("channel genesis block", n.makeGenesis); err != nil {
			return err
		}
	}
	if err := step("orderers", func() error { return n.startOrderers(ctx) }); err != nil {
		return err
	}
	if err := step("orderers join channel", func() error { return n.joinOrderers(ctx) }); err != nil {
		return err
	}
	if err := step("peers", func() error { return n.startPeers(ctx) }); err != nil {
		return err
	}
	if err := step("peers join channel", func() error { return n.joinPeers(ctx) }); err != nil {
		return err
	}
	// After a join or a cold restart the cluster needs an election before it
	// accepts transactions: `up` returns a writable network, so wait for it.
	if err := step("raft leader elected", func() error { return n.waitRaftLeader(ctx, 60*time.Second) }); err != nil {
		return err
	}
	// A restarted orderer can wedge in Fabric's etcdraft start-up deadlock and stay
	// at its height while looking healthy: restart it, and return only once every
	// orderer and peer has reached the others' height (see repair.go).
	if err := step("orderers and peers in step", func() error { return n.inStep(ctx, 60*time.Second) }); err != nil {
		return err
	}
	if err := step("deploy chaincode", func() error { return n.Deploy(ctx) }); err != nil {
		return err
	}
	if err := step("chaincode answers", func() error { return n.waitChaincode(ctx) }); err != nil {
		return err
	}
	// The peer Gateway finds other orgs' endorsers through gossip: wait until every
	// peer knows every other, or the first cross-org transactions fail.
	if err := step("gossip membership complete", func() error { return n.waitMembership(ctx, 60*time.Second) }); err != nil {
		return err
	}
	if err := n.WriteGatewayConfig(); err != nil {
		return err
	}
	n.Log.Info("network up", "took", time.Since(t0).Round(time.Millisecond).String(), "channel", n.T.Channel)
	return nil
}

// procNames lists every process of the network, in start order.
func (n *Network) procNames() []string {
	var names []string
	for _, o := range n.T.Orgs {
		names = append(names, caName(o))
	}
	o := n.T.OrdererOrg()
	for _, nd := range o.Orderers {
		names = append(names, nodeID(o, nd))
	}
	for _, o := range n.T.PeerOrgs() {
		for _, nd := range o.Peers {
			names = append(names, nodeID(o, nd))
		}
	}
	for _, o := range n.T.PeerOrgs() {
		names = append(names, ccServerName(o))
	}
	return names
}

// Down stops every process this tool started (by recorded PID only) and keeps
// all identities and ledgers.
func (n *Network) Down() error {
	if err := n.StopGateway(); err != nil {
		return err
	}
	names := n.procNames()
	// Stop in reverse dependency order: chaincode servers, peers, orderers, CAs.
	groups := [][]string{}
	for _, prefix := range []string{"cc.", "peer", "orderer", "ca."} {
		var g []string
		for _, nm := range names {
			if strings.HasPrefix(nm, prefix) {
				g = append(g, nm)
			}
		}
		groups = append(groups, g)
	}
	for _, g := range groups {
		if err := parallel(g, func(nm string) error {
			stopped, err := stop(n.L, nm, 10*time.Second)
			if stopped {
				n.Log.Info("stopped", "node", nm)
			}
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// Clean stops the network and removes every generated file under data/.
func (n *Network) Clean() error {
	if err := n.Down(); err != nil {
		return err
	}
	for _, p := range []string{n.L.Net(), n.L.KeysEnv(), n.L.GatewayConfig(), n.L.Data + "/logs", n.L.Data + "/gateway"} {
		if err := os.RemoveAll(p); err != nil {
			return err
		}
	}
	return nil
}

// NodeStatus is one row of `status`.
type NodeStatus struct {
	Name    string
	PID     int
	Port    int
	Health  string
	Height  int64
	Running bool
}

// Status reports each node's PID, port, health and block height.
func (n *Network) Status() []NodeStatus {
	var rows []NodeStatus
	add := func(name string, port int, ops string, ca string, height func() (int64, error)) {
		r := NodeStatus{Name: name, Port: port, Health: "-", Height: -1}
		r.PID, r.Running = running(n.L, name)
		if r.Running {
			if ops != "" {
				if err := healthz(ops, ca); err != nil {
					r.Health = "UNHEALTHY: " + err.Error()
				} else {
					r.Health = "OK"
				}
			}
			if height != nil {
				if h, err := height(); err == nil {
					r.Height = h
				}
			}
		}
		rows = append(rows, r)
	}
	for _, o := range n.T.Orgs {
		add(caName(o), n.T.Port(o.CAOffset), n.T.Addr(o.CAOffset+1), n.L.CACert(o.Name), nil)
	}
	oo := n.T.OrdererOrg()
	for _, nd := range oo.Orderers {
		nd := nd
		add(nodeID(oo, nd), n.T.Port(nd.Offset), n.T.Addr(nd.Offset+portOps), n.L.CACert(oo.Name),
			func() (int64, error) {
				return n.metricHeight(n.T.Addr(nd.Offset+portOps), n.L.NodeTLS(oo.Name, nd.Name))
			})
	}
	for _, o := range n.T.PeerOrgs() {
		for _, nd := range o.Peers {
			o, nd := o, nd
			add(nodeID(o, nd), n.T.Port(nd.Offset), n.T.Addr(nd.Offset+portOps), n.L.CACert(o.Name),
				func() (int64, error) { return n.peerHeight(o, nd) })
		}
	}
	for _, o := range n.T.PeerOrgs() {
		r := NodeStatus{Name: ccServerName(o), Port: n.T.Port(o.ChaincodeOffset), Health: "-", Height: -1}
		r.PID, r.Running = running(n.L, r.Name)
		if r.Running {
			r.Health = "listening"
		}
		rows = append(rows, r)
	}
	return rows
}

func (n *Network) peerHeight(o Org, nd Node) (int64, error) {
	return n.metricHeight(n.T.Addr(nd.Offset+portOps), n.L.NodeTLS(o.Name, nd.Name))
}

// metricHeight reads ledger_blockchain_height for the channel from a node's
// Prometheus endpoint.
func (n *Network) metricHeight(opsAddr string, node TLSFiles) (int64, error) {
	v, err := n.metric(opsAddr, node, `ledger_blockchain_height{channel="`+n.T.Channel+`"}`)
	return int64(v), err
}

// metric reads one sample (name with labels, exactly as exposed) from a node's
// operations endpoint, authenticating with the node's own TLS certificate.
func (n *Network) metric(opsAddr string, node TLSFiles, sample string) (float64, error) {
	all, err := n.metrics(opsAddr, node)
	if err != nil {
		return 0, err
	}
	v, ok := all[sample]
	if !ok {
		return 0, fmt.Errorf("no %s metric at %s", sample, opsAddr)
	}
	return v, nil
}

// metrics reads every sample a node's operations endpoint exposes, keyed by
// name with labels exactly as exposed.
func (n *Network) metrics(opsAddr string, node TLSFiles) (map[string]float64, error) {
	c, err := tlsClient(node.CA, node)
	if err != nil {
		return nil, err
	}
	resp, err := c.Get("https://" + opsAddr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s/metrics: HTTP %d", opsAddr, resp.StatusCode)
	}
	return parseMetrics(io.LimitReader(resp.Body, 8<<20)), nil
}

// parseMetrics reads the Prometheus text format: "name{labels} value" lines.
func parseMetrics(r io.Reader) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i <= 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// RaftLeader returns the name of the orderer that currently leads the
// channel's Raft cluster.
func (n *Network) RaftLeader() (string, error) {
	o := n.T.OrdererOrg()
	for _, nd := range o.Orderers {
		v, err := n.metric(n.T.Addr(nd.Offset+portOps), n.L.NodeTLS(o.Name, nd.Name),
			`consensus_etcdraft_is_leader{channel="`+n.T.Channel+`"}`)
		if err == nil && v == 1 {
			return nodeID(o, nd), nil
		}
	}
	return "", fmt.Errorf("no orderer reports itself Raft leader of %s", n.T.Channel)
}

func (n *Network) waitRaftLeader(ctx context.Context, timeout time.Duration) error {
	t0 := time.Now()
	deadline := t0.Add(timeout)
	repaired := false
	for {
		leader, err := n.RaftLeader()
		if err == nil {
			n.Log.Info("raft leader", "orderer", leader)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w after %s", err, timeout)
		}
		// An election takes 2-4 s. Much longer, and a majority of the orderers may be
		// wedged in the start-up deadlock (repair.go): restart those, once.
		if !repaired && time.Since(t0) > leaderlessRepairAfter {
			repaired = true
			if err := n.restartLeaderless(ctx); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitMembership waits until every peer's gossip view of the channel holds all
// the other peers.
func (n *Network) waitMembership(ctx context.Context, timeout time.Duration) error {
	total := 0
	for _, o := range n.T.PeerOrgs() {
		total += len(o.Peers)
	}
	deadline := time.Now().Add(timeout)
	for {
		missing := ""
		for _, o := range n.T.PeerOrgs() {
			for _, nd := range o.Peers {
				v, err := n.metric(n.T.Addr(nd.Offset+portOps), n.L.NodeTLS(o.Name, nd.Name),
					`gossip_membership_total_peers_known{channel="`+n.T.Channel+`"}`)
				if err != nil || int(v) < total-1 {
					missing += fmt.Sprintf(" %s knows %d of %d", nodeID(o, nd), int(v), total-1)
				}
			}
		}
		if missing == "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gossip membership incomplete after %s:%s", timeout, missing)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// Heights returns the block height of every running peer and orderer.
func (n *Network) Heights() map[string]int64 {
	out := map[string]int64{}
	for _, r := range n.Status() {
		if r.Running && r.Height >= 0 {
			out[r.Name] = r.Height
		}
	}
	return out
}

// StopNode stops one node of the network by its recorded PID.
func (n *Network) StopNode(name string) error {
	for _, nm := range append(n.procNames(), GatewayName) {
		if nm == name {
			stopped, err := stop(n.L, name, 10*time.Second)
			if err == nil && !stopped {
				return fmt.Errorf("%s is not running", name)
			}
			return err
		}
	}
	return fmt.Errorf("unknown node %q", name)
}
