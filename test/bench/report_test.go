package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func phase(path string, ok int, lat []time.Duration, failed map[string]int) *PhaseResult {
	r := &PhaseResult{Path: path, OK: ok, Failed: failed, FailDetail: map[string]string{}, Window: 10 * time.Second,
		CPU: CPUUsage{Seconds: map[string]float64{kindPeer: 5, kindGateway: 1, kindLoadgen: 0.5}, Cores: 1.8}}
	for _, d := range lat {
		r.Lat.Add(d)
	}
	return r
}

func TestRunJSONCarriesTheRequiredFields(t *testing.T) {
	rr := &RunResult{
		Spec:   phaseSpec{Workload: wlInvoice, Clients: 32, Duration: 10 * time.Second},
		HTTP:   phase(pathHTTP, 1900, []time.Duration{140 * time.Millisecond, 150 * time.Millisecond, 300 * time.Millisecond}, map[string]int{failMVCC: 2}),
		Direct: phase(pathDirect, 2000, []time.Duration{130 * time.Millisecond, 140 * time.Millisecond, 250 * time.Millisecond}, map[string]int{failTimeout: 1}),
	}
	var buf bytes.Buffer
	require.NoError(t, json.NewEncoder(&buf).Encode(rr.JSON("test machine")))
	require.Equal(t, 1, strings.Count(buf.String(), "\n"), "one line per run")
	var m map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &m))
	for _, k := range []string{"workload", "clients", "http_tps", "direct_tps", "tps_ratio", "http_p50_ms", "http_p99_ms",
		"direct_p50_ms", "direct_p99_ms", "failed", "cpu_ms_per_tx", "machine"} {
		require.Contains(t, m, k)
	}
	require.Equal(t, "invoice", m["workload"])
	require.Equal(t, 32.0, m["clients"])
	require.Equal(t, 190.0, m["http_tps"])
	require.Equal(t, 200.0, m["direct_tps"])
	require.Equal(t, 0.95, m["tps_ratio"])
	require.Equal(t, 150.0, m["http_p50_ms"])
	require.Equal(t, 300.0, m["http_p99_ms"])
	require.Equal(t, 140.0, m["direct_p50_ms"])
	require.Equal(t, 10.0, m["p50_overhead_ms"])
	failed := m["failed"].(map[string]any)
	require.Equal(t, 2.0, failed[failMVCC])
	require.Equal(t, 1.0, failed[failTimeout])
	require.Equal(t, 0.0, failed[failEndorsement])
	cpu := m["cpu_ms_per_tx"].(map[string]any)[pathHTTP].(map[string]any)
	require.InDelta(t, 5000.0/1900, cpu[kindPeer], 0.001)
	require.InDelta(t, 6500.0/1900, cpu["total"], 0.001)
	dcpu := m["cpu_ms_per_tx"].(map[string]any)[pathDirect].(map[string]any)
	require.InDelta(t, 5000.0/2000, dcpu[kindPeer], 0.001)
	busy := m["cores_busy"].(map[string]any)
	require.Equal(t, 1.8, busy[pathHTTP])
	require.Equal(t, 1.8, busy[pathDirect])
}

func TestRunJSONWithOnePathHasNoRatio(t *testing.T) {
	rr := &RunResult{Spec: phaseSpec{Workload: wlRead, Rate: 100, MaxFlight: 64, Duration: time.Second},
		Direct: phase(pathDirect, 100, []time.Duration{time.Millisecond}, map[string]int{})}
	j := rr.JSON("m")
	require.Nil(t, j.TPSRatio)
	require.Nil(t, j.P50Overhead)
	require.Equal(t, "rate", j.Mode)
	require.Equal(t, 64, j.Clients)
	b, err := json.Marshal(j)
	require.NoError(t, err)
	require.Contains(t, string(b), `"tps_ratio":null`)
	require.Contains(t, j.CPUmsPerTx, pathDirect)
	require.NotContains(t, j.CPUmsPerTx, pathHTTP, "no figures for a path that was not measured")
	require.NotContains(t, j.CoresBusy, pathHTTP)
}

func TestPrintTable(t *testing.T) {
	rr := &RunResult{
		Spec:   phaseSpec{Workload: wlRegister, Clients: 8, Duration: 10 * time.Second},
		HTTP:   phase(pathHTTP, 100, []time.Duration{time.Millisecond}, map[string]int{failMVCC: 1}),
		Direct: phase(pathDirect, 100, []time.Duration{time.Millisecond}, map[string]int{}),
	}
	var buf bytes.Buffer
	rr.PrintTable(&buf, "m")
	out := buf.String()
	require.Contains(t, out, "register, 8 clients")
	require.Contains(t, out, "http/direct: TPS 1.000")
	require.Contains(t, out, "mvcc=1")
	require.Contains(t, out, "CPU ms/tx")
}
