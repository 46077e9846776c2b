// Command fault shows how govchain behaves when any one node dies under load (issue 11):
//
//	go run ./test/fault                      # every fault, the Raft leader 5 times (5-6 min on 2 cores)
//	go run ./test/fault -faults leader,gateway -repeat-leader 2
//	go run ./test/fault -json > fault.json   # tables on stderr
//
// It starts a clean network of its own (data/fault, ports from 27000, gateway on
// 127.0.0.1:27800, so a `make up` network and the end-to-end suite's are left alone), runs
// writers through the HTTP gateway as the market registrar (half wait for the commit, half
// submit with ?async=true and follow the transaction's status), and for each fault kills one
// node with SIGKILL, leaves it down, restarts it (scripts/network.sh up, or gateway start)
// and measures how long it takes to reach the others' height. At the end every acknowledged
// write is read back as the audit auditor. It prints one row per fault: writes,
// acknowledged, errors clients saw, latency during the fault, the longest span with no
// commit acknowledged, restart and catch-up times, lost writes and asynchronous writes
// without a final status. Exit status 1 if an acknowledged write was lost, an asynchronous
// write has no final status, or a restarted node did not catch up within 30 s. It always
// tears its network down (unless -keep). See docs/reliability.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/govchain/govchain/test/internal/loadkit"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "fault:", err)
		return 2
	}
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintln(stderr, "fault:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s := &suite{
		o: o, cl: newNetCluster(root, o, stderr), stdout: stdout, log: stderr,
		machine: loadkit.MachineInfo(), commit: commitID(root), drain: 90 * time.Second,
	}
	return s.execute(ctx)
}

// repoRoot walks up from the working directory to the module's go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/govchain/govchain\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run it inside the govchain repository (no go.mod of github.com/govchain/govchain above the working directory)")
		}
		dir = parent
	}
}

// commitID is the short commit of the working tree, "-dirty" when it has changes.
func commitID(root string) string {
	out, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	id := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		id += "-dirty"
	}
	return id
}
