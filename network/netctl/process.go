package netctl

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Proc describes one long-running process of the network.
type Proc struct {
	Name  string   // node name, also the log and PID file name
	Bin   string   // absolute path of the binary
	Args  []string // arguments
	Env   []string // extra environment (KEY=VALUE)
	Dir   string   // working directory
	Ports []int    // ports it listens on: checked free before start
}

// running returns the PID recorded for name if that process is alive and is
// still the binary we started (guards against PID reuse).
func running(l Layout, name string) (int, bool) {
	raw, err := os.ReadFile(l.PIDFile(name))
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(raw))
	if len(f) == 0 {
		return 0, false
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 0 {
		return 0, false
	}
	// A PID is reused once its process is gone: the one recorded is ours only if it was
	// started at the recorded time. (Another network on this machine, started from the same
	// binaries, may hold the number now; signalling it would kill that network's node.)
	// PID and start time together name one process; an old PID file with the number alone is
	// judged by the executable's path instead. (Not by the command line alone: right after
	// exec /proc/PID/cmdline can still read empty, which made a process just started look
	// gone — "the gateway exited during start-up" while it was starting.)
	if len(f) > 1 {
		if st, ok := procStart(pid); !ok || st != f[1] {
			return 0, false
		}
	} else {
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if err != nil || exe == "" {
			cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
			exe = strings.SplitN(string(cmdline), "\x00", 2)[0]
		}
		if exe == "" || (!strings.HasPrefix(exe, l.Bin) && !strings.HasPrefix(exe, l.Root)) {
			return 0, false
		}
	}
	// A zombie is not running.
	if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		if f := strings.Fields(string(st)); len(f) > 2 && f[2] == "Z" {
			return 0, false
		}
	}
	return pid, true
}

// Running returns the PID of the named node (or gateway) this network started, if that
// process is still running: the PID file's number, started at the time recorded with it.
func Running(l Layout, name string) (int, bool) { return running(l, name) }

// procStart is a process's start time (clock ticks since boot, /proc/PID/stat field 22).
func procStart(pid int) (string, bool) {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", false
	}
	// Fields after the command name, which is in parentheses and may hold spaces: state is
	// field 3, starttime field 22.
	s := string(st)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return "", false
	}
	rest := strings.Fields(s[i+1:])
	if len(rest) < 20 {
		return "", false
	}
	return rest[19], true
}

// portFree reports an error naming the port if something already listens on it.
func portFree(host string, port int) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("port %d on %s is already in use (%v): stop whatever holds it, or pick another range with GOVCHAIN_BASE_PORT", port, host, errors.Unwrap(err))
	}
	return ln.Close()
}

// start launches p in its own process group with output appended to its log,
// unless it is already running. It records the PID.
func start(l Layout, host string, p Proc) (int, error) {
	if pid, ok := running(l, p.Name); ok {
		return pid, nil
	}
	for _, port := range p.Ports {
		// A process of ours that is still exiting may hold its port a moment longer.
		err := portFree(host, port)
		for i := 0; err != nil && i < 30; i++ {
			time.Sleep(100 * time.Millisecond)
			err = portFree(host, port)
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %w", p.Name, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(l.Log(p.Name)), 0o755); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(l.PIDFile(p.Name)), 0o755); err != nil {
		return 0, err
	}
	logf, err := os.OpenFile(l.Log(p.Name), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "\n==== govnet: starting %s at %s ====\n", p.Name, time.Now().Format(time.RFC3339))
	cmd := exec.Command(p.Bin, p.Args...)
	cmd.Dir = p.Dir
	cmd.Env = append(os.Environ(), p.Env...)
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.Stdin = nil
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", p.Name, err)
	}
	pid := cmd.Process.Pid
	record := strconv.Itoa(pid)
	if st, ok := procStart(pid); ok {
		record += " " + st
	}
	if err := os.WriteFile(l.PIDFile(p.Name), []byte(record+"\n"), 0o644); err != nil {
		return 0, err
	}
	// Reap the child when it exits so it never lingers as a zombie while we run.
	go func() { _ = cmd.Wait() }()
	return pid, nil
}

// stop terminates the named process (SIGTERM, then SIGKILL after grace) and
// removes its PID file. It only ever signals a PID this tool recorded.
func stop(l Layout, name string, grace time.Duration) (bool, error) {
	pid, ok := running(l, name)
	if !ok {
		_ = os.Remove(l.PIDFile(name))
		return false, nil
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if gone(pid) {
			_ = os.Remove(l.PIDFile(name))
			return true, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	for i := 0; i < 100 && !gone(pid); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	_ = os.Remove(l.PIDFile(name))
	return true, nil
}

// Crash kills the named node the way a machine failure would (SIGKILL, no chance to clean
// up), if it is the process this network started, and waits until it has exited. Its PID
// file stays: `up` finds the process gone and starts it again.
func Crash(l Layout, name string) error {
	pid, ok := running(l, name)
	if !ok {
		return fmt.Errorf("%s is not running (no PID file, or its PID is no longer the process this network started)", name)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill -9 %s (PID %d): %w", name, pid, err)
	}
	for range 100 {
		if gone(pid) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s (PID %d) still there 5 s after SIGKILL", name, pid)
}

// gone reports whether a process has finished exiting: no longer in /proc, or a
// zombie. Its command line empties earlier, while it still holds its sockets,
// so waiting for that alone would race the next start on the same port.
func gone(pid int) bool {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses and may hold spaces.
	s := string(st)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] == 'Z' || s[i+2] == 'X'
	}
	return false
}

// run executes a short-lived CLI command and returns its combined output; the
// error includes the output so failures name their cause.
func run(env []string, dir, bin string, args ...string) ([]byte, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	if err != nil {
		return out.Bytes(), fmt.Errorf("%s %s: %w\n%s", filepath.Base(bin), strings.Join(redact(args), " "), err, tail(out.String(), 2000))
	}
	return out.Bytes(), nil
}

// redact hides enrollment secrets in URLs like https://user:secret@host.
func redact(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if i > 0 && ((args[i-1] == "-b" && strings.Contains(a, ":")) || args[i-1] == "--id.secret" || args[i-1] == "--secret") {
			out[i] = "***"
			continue
		}
		if at := strings.Index(a, "@"); at > 0 && strings.HasPrefix(a, "https://") {
			if colon := strings.Index(a[len("https://"):at], ":"); colon >= 0 {
				a = a[:len("https://")+colon] + ":***" + a[at:]
			}
		}
		out[i] = a
	}
	return out
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
