package main

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseProcStat(t *testing.T) {
	t.Run("utime plus stime, with spaces and parentheses in the command name", func(t *testing.T) {
		line := "4242 (peer (node) x) S 1 4242 4242 0 -1 4194560 12345 0 0 0 1500 230 0 0 20 0 17 0 1000 2000000 3000 18446744073709551615\n"
		ticks, err := parseProcStat([]byte(line))
		require.NoError(t, err)
		require.Equal(t, uint64(1730), ticks)
	})
	t.Run("a truncated line is an error", func(t *testing.T) {
		_, err := parseProcStat([]byte("1 (x) S 1 2 3"))
		require.Error(t, err)
		_, err = parseProcStat([]byte("garbage"))
		require.Error(t, err)
	})
	t.Run("this process's own stat parses", func(t *testing.T) {
		b, err := os.ReadFile("/proc/self/stat")
		if err != nil {
			t.Skip("no /proc")
		}
		_, err = parseProcStat(b)
		require.NoError(t, err)
	})
}

func TestParseSystemStat(t *testing.T) {
	text := "cpu  100 5 50 800 20 3 2 0 0 0\ncpu0 50 2 25 400 10 1 1 0 0 0\nintr 1 2 3\n"
	busy, total, err := parseSystemStat([]byte(text))
	require.NoError(t, err)
	require.Equal(t, uint64(980), total) // first 8 fields (guest is inside user)
	require.Equal(t, uint64(160), busy)  // total − idle − iowait
	_, _, err = parseSystemStat([]byte("intr 1\n"))
	require.Error(t, err)
}

func TestKindOf(t *testing.T) {
	for name, want := range map[string]string{
		"orderer0": kindOrderer, "peer0.tax": kindPeer, "cc.market": kindChaincode,
		"ca.audit": kindCA, "gateway": kindGateway, "something": "",
	} {
		require.Equal(t, want, kindOf(name), name)
	}
}

func TestFindProcsAndCPUDelta(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	dir := t.TempDir()
	self := strconv.Itoa(os.Getpid())
	require.NoError(t, os.WriteFile(filepath.Join(dir, "peer0.tax.pid"), []byte(self+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "orderer0.pid"), []byte("999999999\n"), 0o644)) // not running
	require.NoError(t, os.WriteFile(filepath.Join(dir, "unknown.pid"), []byte(self), 0o644))
	procs, err := findProcs(dir)
	require.NoError(t, err)
	require.Len(t, procs, 2) // peer0.tax and the load generator itself
	kinds := map[string]bool{}
	for _, p := range procs {
		kinds[p.Kind] = true
	}
	require.True(t, kinds[kindPeer] && kinds[kindLoadgen])

	a := cpuSample{ticks: map[int]uint64{1: 100, 2: 50}, busy: 1000, total: 5000}
	b := cpuSample{ticks: map[int]uint64{1: 300, 2: 60}, busy: 1400, total: 5400}
	u := cpuDelta([]proc{{Kind: kindPeer, PID: 1}, {Kind: kindGateway, PID: 2}}, a, b, 2)
	require.InDelta(t, 2.0, u.Seconds[kindPeer], 1e-9)
	require.InDelta(t, 0.1, u.Seconds[kindGateway], 1e-9)
	require.InDelta(t, 4.0, u.MachineBusy, 1e-9)
	require.InDelta(t, 2.0, u.Cores, 1e-9)
	require.InDelta(t, 1.9, u.Seconds[kindOther], 1e-9)
}
