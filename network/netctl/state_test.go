package netctl

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"
)

// TestStateAccessIsLocked runs what Up runs per org in parallel goroutines
// against the shared state; `go test -race` fails it if any access skips n.mu.
func TestStateAccessIsLocked(t *testing.T) {
	dir := t.TempDir()
	l := Layout{Root: dir, Data: dir, Bin: dir}
	s, err := loadState(l)
	if err != nil {
		t.Fatal(err)
	}
	n := &Network{T: repoTopology(t), L: l, S: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	err = parallel(n.T.Orgs, func(o Org) error {
		for i := 0; i < 20; i++ {
			if n.caPassword(o.Name) == "" {
				n.setCAPassword(o.Name, fmt.Sprintf("pw-%s", o.Name))
			}
			_ = n.enrolled(o.Name)
			n.markEnrolled(o.Name)
			_ = n.joined("peer:" + o.Name)
			n.markJoined("peer:" + o.Name)
			_ = n.packageID(o.Name)
			_ = n.chaincodeState()
		}
		return n.saveState()
	})
	if err != nil {
		t.Fatal(err)
	}
	back, err := loadState(l)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range n.T.Orgs {
		if back.CAPasswords[o.Name] != "pw-"+o.Name || !back.Enrolled[o.Name] || !back.Joined["peer:"+o.Name] {
			t.Errorf("%s: state not saved: %+v", o.Name, back)
		}
	}
}

// A PID file names the process this network started: once that process is gone and its
// number is reused by another one, the file no longer matches (its start time differs), so
// `down` never signals another network's node.
func TestRunningChecksTheStartTime(t *testing.T) {
	dir := t.TempDir()
	l := Layout{Root: "/", Data: dir, Bin: "/"}
	p := Proc{Name: "sleeper", Bin: "/bin/sleep", Args: []string{"30"}}
	pid, err := start(l, "127.0.0.1", p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = stop(l, p.Name, time.Second) })
	if got, ok := running(l, p.Name); !ok || got != pid {
		t.Fatalf("running = %d, %v; want %d, true", got, ok, pid)
	}
	raw, err := os.ReadFile(l.PIDFile(p.Name))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(raw))
	if len(f) != 2 {
		t.Fatalf("the PID file records PID and start time: %q", raw)
	}
	// The same number with another start time: a reused PID.
	if err := os.WriteFile(l.PIDFile(p.Name), []byte(f[0]+" 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := running(l, p.Name); ok {
		t.Fatal("a PID started at another time is not ours")
	}
	// An old PID file with only the number is still honoured (networks started before).
	if err := os.WriteFile(l.PIDFile(p.Name), []byte(f[0]+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := running(l, p.Name); !ok {
		t.Fatal("an old-style PID file of a running process")
	}
}

// Right after exec a process's /proc/PID/cmdline may still read empty; a process just
// started must never look gone (StartGateway took that for "exited during start-up").
func TestRunningRightAfterStart(t *testing.T) {
	dir := t.TempDir()
	l := Layout{Root: "/", Data: dir, Bin: "/"}
	p := Proc{Name: "sleeper", Bin: "/bin/sleep", Args: []string{"30"}}
	for i := 0; i < 100; i++ {
		pid, err := start(l, "127.0.0.1", p)
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 3; j++ {
			if got, ok := running(l, p.Name); !ok || got != pid {
				t.Fatalf("start %d, check %d: running = %d, %v; want %d, true", i, j, got, ok, pid)
			}
		}
		if _, err := stop(l, p.Name, time.Second); err != nil {
			t.Fatal(err)
		}
	}
}
