package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/govchain/govchain/internal/gatewayconfig"
	"github.com/govchain/govchain/network/netctl"
)

// cluster is what the suite does to the system under test. netCluster drives a real
// network through scripts/network.sh and netctl; the tests use a fake.
type cluster interface {
	// Setup starts a clean system and returns the gateway's base URL and the API keys.
	Setup(ctx context.Context) (api string, keys map[string]string, err error)
	// Settle waits until every node is up and at the others' height.
	Settle(ctx context.Context) error
	// Target names the node a fault kills (the current Raft leader for "leader").
	Target(fault string) (string, error)
	// Kill kills the node at once (SIGKILL: no clean shutdown).
	Kill(node string) error
	// Restart starts the node again and returns once it serves.
	Restart(ctx context.Context, node string) error
	// CatchUp waits until a peer or orderer is at the others' height and returns how long
	// that took; hasLedger is false for the other nodes (nothing to catch up).
	CatchUp(ctx context.Context, node string, timeout time.Duration) (took time.Duration, hasLedger bool, err error)
	// Teardown stops everything Setup started.
	Teardown() error
}

// netCluster is a real network of the suite's own: its data directory, ports and gateway
// address, so a `make up` network or the end-to-end suite's are left alone.
type netCluster struct {
	root string
	env  map[string]string
	l    netctl.Layout
	net  *netctl.Network
	log  io.Writer // progress of the network scripts (stderr)
}

func newNetCluster(root string, o *options, log io.Writer) *netCluster {
	data := o.Data
	if !filepath.IsAbs(data) {
		data = filepath.Join(root, data)
	}
	bin := os.Getenv("GOVCHAIN_BIN")
	if bin == "" {
		bin = filepath.Join(root, "bin")
	}
	return &netCluster{
		root: root,
		env: map[string]string{
			"GOVCHAIN_ROOT":         root,
			"GOVCHAIN_DATA":         data,
			"GOVCHAIN_BIN":          bin,
			"GOVCHAIN_BASE_PORT":    strconv.Itoa(o.BasePort),
			"GOVCHAIN_GATEWAY_ADDR": o.GatewayAddr,
		},
		l:   netctl.Layout{Root: root, Data: data, Bin: bin},
		log: log,
	}
}

// script runs scripts/network.sh (or another script) with the suite's environment; its
// output goes to the log only when it fails.
func (c *netCluster) script(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(c.root, "scripts", name), args...)
	cmd.Dir = c.root
	cmd.Env = os.Environ()
	for k, v := range c.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("scripts/%s %s: %w\n%s", name, strings.Join(args, " "), err, lastLines(out.String(), 30))
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (c *netCluster) Setup(ctx context.Context) (string, map[string]string, error) {
	// netctl reads the ports and the gateway address from the environment.
	for k, v := range c.env {
		os.Setenv(k, v)
	}
	fmt.Fprintf(c.log, "fault: building Fabric if needed (scripts/install-fabric.sh)\n")
	if err := c.script(ctx, "install-fabric.sh"); err != nil {
		return "", nil, err
	}
	fmt.Fprintf(c.log, "fault: starting a clean network of its own (%s, ports from %s, gateway %s)\n",
		c.env["GOVCHAIN_DATA"], c.env["GOVCHAIN_BASE_PORT"], c.env["GOVCHAIN_GATEWAY_ADDR"])
	if err := c.script(ctx, "network.sh", "clean"); err != nil {
		return "", nil, err
	}
	t0 := time.Now()
	for _, step := range [][]string{{"up"}, {"gateway", "start"}} {
		if err := c.script(ctx, "network.sh", step...); err != nil {
			return "", nil, err
		}
	}
	fmt.Fprintf(c.log, "fault: network and gateway up in %.1f s\n", time.Since(t0).Seconds())
	n, err := netctl.Open(filepath.Join(c.root, "network", "network.yaml"), c.l, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return "", nil, err
	}
	c.net = n
	keys, err := gatewayconfig.ReadKeys(c.l.KeysEnv())
	if err != nil {
		return "", nil, err
	}
	return "http://" + c.env["GOVCHAIN_GATEWAY_ADDR"], keys, nil
}

func (c *netCluster) Teardown() error {
	return c.script(context.Background(), "network.sh", "down")
}

// Settle waits (up to a minute) until every peer and orderer is running and OK.
func (c *netCluster) Settle(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		rows, err := c.net.Lag(ctx, time.Second)
		if err != nil {
			return err
		}
		var bad []string
		for _, r := range rows {
			if r.State != netctl.StateOK {
				bad = append(bad, fmt.Sprintf("%s %s %s", r.Name, r.State, r.Reason))
			}
		}
		if len(bad) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("network not settled after 60 s: %s", strings.Join(bad, "; "))
		}
	}
}

func (c *netCluster) Target(fault string) (string, error) {
	switch fault {
	case faultLeader, faultFollower:
		var leader string
		var err error
		// Right after an orderer came back an election may be under way.
		for range 40 {
			if leader, err = c.net.RaftLeader(); err == nil {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		if err != nil {
			return "", err
		}
		if fault == faultLeader {
			return leader, nil
		}
		for _, nd := range c.net.T.OrdererOrg().Orderers {
			if nd.Name != leader {
				return nd.Name, nil
			}
		}
		return "", errors.New("no orderer besides the leader")
	case faultPeer:
		return "peer0.tax", nil
	case faultEntryPeer:
		return "peer0.market", nil
	case faultChaincode:
		return "cc.market", nil
	case faultGateway:
		return netctl.GatewayName, nil
	}
	return "", fmt.Errorf("unknown fault %q", fault)
}

// Kill crashes node (SIGKILL to the process this network started; netctl.Crash) and waits
// until it has exited. The PID file stays: `up` sees the process gone and starts it again.
func (c *netCluster) Kill(node string) error { return netctl.Crash(c.l, node) }

// Restart: `gateway start` for the gateway, `up` (which starts whatever is missing and
// returns once every node is in step) for everything else.
func (c *netCluster) Restart(ctx context.Context, node string) error {
	if node == netctl.GatewayName {
		return c.script(ctx, "network.sh", "gateway", "start")
	}
	return c.script(ctx, "network.sh", "up")
}

func (c *netCluster) CatchUp(ctx context.Context, node string, timeout time.Duration) (time.Duration, bool, error) {
	if node == netctl.GatewayName || strings.HasPrefix(node, "cc.") {
		return 0, false, nil
	}
	took, err := c.net.WaitCaughtUp(ctx, node, timeout)
	return took, true, err
}
