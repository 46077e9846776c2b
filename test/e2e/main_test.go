//go:build e2e

// Package e2e drives govchain end to end: a real Fabric network (CAs, Raft
// orderers, peers, chaincode servers) started by scripts/network.sh, the HTTP
// gateway as a separate process, and clients that speak only HTTP with the
// generated API keys, plus Fabric's own peer CLI where the test says so.
//
// Run it with `make test` (or `go test -tags e2e ./test/e2e`). It uses its own
// data directory (data/e2e) and ports (base 17000, gateway 17800), so it does
// not disturb a network started with `make up`.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/govchain/govchain/internal/gatewayconfig"
	"github.com/govchain/govchain/network/netctl"
)

var h *harness

type harness struct {
	root    string
	data    string
	bin     string
	gwAddr  string
	net     *netctl.Network
	keys    map[string]string
	upTime  time.Duration
	logFile string
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	_, file, _, _ := runtime.Caller(0)
	root, _ := filepath.Abs(filepath.Join(filepath.Dir(file), "..", ".."))
	data := filepath.Join(root, "data", "e2e")
	env := map[string]string{
		"GOVCHAIN_ROOT":         root,
		"GOVCHAIN_DATA":         data,
		"GOVCHAIN_BASE_PORT":    envOr("GOVCHAIN_E2E_BASE_PORT", "17000"),
		"GOVCHAIN_GATEWAY_ADDR": envOr("GOVCHAIN_E2E_GATEWAY_ADDR", "127.0.0.1:17800"),
		// Unsigned client-signed steps expire after 10 s (5 min by default), so that the
		// suite sees one expire; each of its own steps is signed within milliseconds.
		"GOVCHAIN_GATEWAY_SIGNING_TIMEOUT": signingTimeout.String(),
	}
	for k, v := range env {
		os.Setenv(k, v)
	}
	// The Fabric binaries: GOVCHAIN_BIN, as scripts/network.sh takes it, or bin/.
	h = &harness{root: root, data: data, gwAddr: env["GOVCHAIN_GATEWAY_ADDR"], bin: envOr("GOVCHAIN_BIN", filepath.Join(root, "bin"))}

	// Tear-down always runs: on return, and on SIGINT/SIGTERM.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		h.teardown()
		os.Exit(2)
	}()
	defer h.teardown()

	fmt.Println("e2e: starting a clean network (scripts/network.sh clean && up)")
	if out, err := h.script("clean"); err != nil {
		fmt.Println(out)
	}
	t0 := time.Now()
	if out, err := h.script("up"); err != nil {
		fmt.Printf("e2e: network up failed: %v\n%s\n", err, out)
		return 1
	}
	h.upTime = time.Since(t0)
	fmt.Printf("e2e: network up from clean in %s\n", h.upTime.Round(100*time.Millisecond))
	n, err := netctl.Open(filepath.Join(root, "network", "network.yaml"),
		netctl.Layout{Root: root, Data: data, Bin: h.bin},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		fmt.Println("e2e:", err)
		return 1
	}
	h.net = n
	if out, err := h.script("gateway", "start"); err != nil {
		fmt.Printf("e2e: gateway start failed: %v\n%s\n", err, out)
		h.dumpLog("gateway")
		return 1
	}
	if h.keys, err = gatewayconfig.ReadKeys(filepath.Join(data, "keys.env")); err != nil {
		fmt.Println("e2e:", err)
		return 1
	}
	return m.Run()
}

func (h *harness) teardown() {
	if h == nil {
		return
	}
	out, err := h.script("down")
	if err != nil {
		fmt.Printf("e2e: down failed: %v\n%s\n", err, out)
	}
	// Nothing of ours may survive: check every PID file is gone.
	left, _ := filepath.Glob(filepath.Join(h.data, "network", "pids", "*.pid"))
	if len(left) > 0 {
		fmt.Printf("e2e: WARNING processes left behind: %v\n", left)
	}
}

// script runs scripts/network.sh with the e2e environment.
func (h *harness) script(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(h.root, "scripts", "network.sh"), args...)
	cmd.Dir = h.root
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	err := cmd.Run()
	return buf.String(), err
}

func (h *harness) dumpLog(node string) {
	b, err := os.ReadFile(filepath.Join(h.data, "logs", node+".log"))
	if err != nil {
		return
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	fmt.Printf("---- last lines of %s.log ----\n%s\n", node, b)
}

// peerCLI runs Fabric's own peer CLI as user of org (e.g. "market", "admin").
func (h *harness) peerCLI(org, user string, args ...string) (string, error) {
	env, err := h.net.CLIEnv(org, user)
	if err != nil {
		return "", err
	}
	cmd := exec.Command(filepath.Join(h.bin, "peer"), args...)
	cmd.Env = append(os.Environ(), env...)
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	err = cmd.Run()
	return buf.String(), err
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// key returns the API key of an org/role from data/e2e/keys.env.
func key(t testing.TB, org, role string) string {
	t.Helper()
	v := gatewayconfig.KeyVar(org, role)
	k := h.keys[v]
	if k == "" {
		t.Fatalf("no %s in keys.env", v)
	}
	return k
}
