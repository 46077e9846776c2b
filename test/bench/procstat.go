package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of utime/stime in /proc/PID/stat (100 on every Linux
// architecture Go supports).
const clockTicks = 100

// Process kinds that CPU time is reported for.
const (
	kindPeer      = "peer"
	kindOrderer   = "orderer"
	kindChaincode = "chaincode"
	kindGateway   = "gateway"
	kindCA        = "ca"
	kindLoadgen   = "loadgen"
	kindOther     = "other" // machine busy time not accounted to the kinds above
)

// cpuKinds is the order kinds are reported in.
var cpuKinds = []string{kindPeer, kindOrderer, kindChaincode, kindGateway, kindLoadgen, kindCA, kindOther}

// proc is a process whose CPU time is sampled.
type proc struct {
	Name string // e.g. peer0.tax
	Kind string
	PID  int
}

// parseProcStat returns utime+stime (clock ticks) from the text of /proc/PID/stat. The
// command name (field 2) may contain spaces and parentheses, so fields are counted from
// the last ')'.
func parseProcStat(b []byte) (uint64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("proc stat: no ')' in %q", b)
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); utime is field 14, stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("proc stat: %d fields after the command name, want ≥ 13", len(f))
	}
	ut, err := strconv.ParseUint(f[11], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("proc stat utime: %w", err)
	}
	st, err := strconv.ParseUint(f[12], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("proc stat stime: %w", err)
	}
	return ut + st, nil
}

// parseSystemStat returns the busy and total jiffies of the "cpu" line of /proc/stat
// (busy = total − idle − iowait).
func parseSystemStat(b []byte) (busy, total uint64, err error) {
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || f[0] != "cpu" {
			continue
		}
		var v []uint64
		for _, s := range f[1:] {
			n, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				return 0, 0, fmt.Errorf("/proc/stat: %w", err)
			}
			v = append(v, n)
		}
		// user nice system idle iowait irq softirq steal guest guest_nice; guest time is
		// already included in user/nice.
		n := min(len(v), 8)
		for _, x := range v[:n] {
			total += x
		}
		idle := v[3]
		if len(v) > 4 {
			idle += v[4]
		}
		return total - idle, total, nil
	}
	return 0, 0, fmt.Errorf("/proc/stat: no cpu line")
}

// kindOf maps a PID file's node name to a process kind ("" if not of interest).
func kindOf(name string) string {
	switch {
	case strings.HasPrefix(name, "orderer"):
		return kindOrderer
	case strings.HasPrefix(name, "peer"):
		return kindPeer
	case strings.HasPrefix(name, "cc."):
		return kindChaincode
	case strings.HasPrefix(name, "ca."):
		return kindCA
	case name == "gateway":
		return kindGateway
	}
	return ""
}

// findProcs lists the processes named by pidDir/*.pid that are alive, plus this process.
func findProcs(pidDir string) ([]proc, error) {
	files, err := filepath.Glob(filepath.Join(pidDir, "*.pid"))
	if err != nil {
		return nil, err
	}
	var out []proc
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".pid")
		kind := kindOf(name)
		if kind == "" {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		fields := strings.Fields(string(raw)) // "PID STARTTIME" (netctl), or just "PID"
		if len(fields) == 0 {
			continue
		}
		pid, err := strconv.Atoi(fields[0])
		if err != nil || pid <= 0 {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d/stat", pid)); err != nil {
			continue // not running
		}
		out = append(out, proc{Name: name, Kind: kind, PID: pid})
	}
	out = append(out, proc{Name: "bench", Kind: kindLoadgen, PID: os.Getpid()})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// cpuSample is one reading of every process's CPU ticks and of the machine's.
type cpuSample struct {
	ticks       map[int]uint64 // by PID
	busy, total uint64         // machine jiffies (all CPUs)
}

func sampleCPU(procs []proc) cpuSample {
	s := cpuSample{ticks: map[int]uint64{}}
	for _, p := range procs {
		path := fmt.Sprintf("/proc/%d/stat", p.PID)
		if p.Kind == kindLoadgen {
			path = "/proc/self/stat"
		}
		if b, err := os.ReadFile(path); err == nil {
			if t, err := parseProcStat(b); err == nil {
				s.ticks[p.PID] = t
			}
		}
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		s.busy, s.total, _ = parseSystemStat(b)
	}
	return s
}

// CPUUsage is the CPU time each process kind used between two samples.
type CPUUsage struct {
	Seconds     map[string]float64 // CPU seconds by kind, including "other"
	MachineBusy float64            // busy CPU seconds of the whole machine
	Cores       float64            // machine busy CPU seconds / wall seconds
}

// cpuDelta computes the CPU seconds per kind between a and b over wall seconds.
func cpuDelta(procs []proc, a, b cpuSample, wall float64) CPUUsage {
	u := CPUUsage{Seconds: map[string]float64{}}
	var listed float64
	for _, p := range procs {
		t0, ok0 := a.ticks[p.PID]
		t1, ok1 := b.ticks[p.PID]
		if !ok0 || !ok1 || t1 < t0 {
			continue
		}
		sec := float64(t1-t0) / clockTicks
		u.Seconds[p.Kind] += sec
		listed += sec
	}
	if b.total > a.total {
		u.MachineBusy = float64(b.busy-a.busy) / clockTicks
		if wall > 0 {
			u.Cores = u.MachineBusy / wall
		}
		u.Seconds[kindOther] = max(u.MachineBusy-listed, 0)
	}
	return u
}
