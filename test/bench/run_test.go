package main

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakePath answers every op after delay; every fifth one fails with an MVCC conflict.
type fakePath struct {
	delay time.Duration
	n     atomic.Int64
}

func (f *fakePath) Name() string { return "fake" }
func (f *fakePath) Close()       {}
func (f *fakePath) Do(ctx context.Context, op *Op) outcome {
	select {
	case <-time.After(f.delay):
	case <-ctx.Done():
		return outcome{failTimeout, "deadline"}
	}
	if f.n.Add(1)%5 == 0 {
		return outcome{failMVCC, "conflict"}
	}
	return ok
}

func testGenerator() *Generator {
	g := NewGenerator(time.Now(), 1, nil)
	g.sellers = []string{g.USCC()}
	return g
}

func TestClosedLoopPhase(t *testing.T) {
	f := &fakePath{delay: 5 * time.Millisecond}
	spec := phaseSpec{Workload: wlInvoice, Clients: 4, Warmup: 100 * time.Millisecond, Duration: 400 * time.Millisecond, Timeout: time.Second}
	res := runPhase(context.Background(), f, testGenerator(), spec, nil, nil)
	// 4 clients × 400 ms / ~5 ms ≈ 320 ops; allow for slow CI machines.
	require.Greater(t, res.OK, 40)
	require.Less(t, res.OK, 400)
	require.Greater(t, res.Failed[failMVCC], 0)
	require.InDelta(t, float64(res.OK)/4, float64(res.Failed[failMVCC]), float64(res.OK)/4*0.5+5)
	require.Equal(t, res.OK, res.OKByKind[opInvoice])
	require.Equal(t, res.OK, res.Lat.Len())
	require.GreaterOrEqual(t, res.Lat.Percentile(50), 5*time.Millisecond)
	require.InDelta(t, float64(res.OK)/0.4, res.TPS(), 1e-6)
}

func TestFixedRatePhase(t *testing.T) {
	f := &fakePath{delay: 2 * time.Millisecond}
	spec := phaseSpec{Workload: wlRegister, Rate: 200, MaxFlight: 50, Warmup: 100 * time.Millisecond, Duration: 500 * time.Millisecond, Timeout: time.Second}
	res := runPhase(context.Background(), f, testGenerator(), spec, nil, nil)
	require.InDelta(t, 100, res.Started, 5) // 200/s × 0.5 s
	require.InDelta(t, 100, res.OK+res.FailedTotal(), 10)
}

func TestPhaseStopsOnCancel(t *testing.T) {
	f := &fakePath{delay: time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	spec := phaseSpec{Workload: wlEvidence, Clients: 2, Duration: time.Hour, Timeout: time.Second}
	done := make(chan struct{})
	go func() { runPhase(ctx, f, testGenerator(), spec, nil, nil); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("phase did not stop on cancel")
	}
}

func TestMergePhase(t *testing.T) {
	a := &PhaseResult{Path: "http", OK: 10, OKByKind: map[string]int{opInvoice: 10}, Failed: map[string]int{failMVCC: 1},
		FailDetail: map[string]string{failMVCC: "first"}, Window: 10 * time.Second,
		CPU: CPUUsage{Seconds: map[string]float64{kindPeer: 4}, MachineBusy: 10}, Started: 11}
	a.Lat.Add(time.Millisecond)
	b := &PhaseResult{Path: "http", OK: 30, OKByKind: map[string]int{opInvoice: 30}, Failed: map[string]int{failMVCC: 2, failTimeout: 1},
		FailDetail: map[string]string{failMVCC: "second", failTimeout: "slow"}, Window: 10 * time.Second,
		CPU: CPUUsage{Seconds: map[string]float64{kindPeer: 6, kindGateway: 1}, MachineBusy: 30}, Started: 33, Late: 2}
	b.Lat.Add(3 * time.Millisecond)
	require.Same(t, b, mergePhase(nil, b))
	m := mergePhase(a, b)
	require.Equal(t, 40, m.OK)
	require.Equal(t, 40, m.OKByKind[opInvoice])
	require.Equal(t, map[string]int{failMVCC: 3, failTimeout: 1}, m.Failed)
	require.Equal(t, "first", m.FailDetail[failMVCC])
	require.Equal(t, 20*time.Second, m.Window)
	require.Equal(t, 2.0, m.TPS())
	require.Equal(t, 10.0, m.CPU.Seconds[kindPeer])
	require.Equal(t, 2.0, m.CPU.Cores)
	require.Equal(t, 2, m.Lat.Len())
	require.Equal(t, 44, m.Started)
	require.Equal(t, 2, m.Late)
}

func TestPhaseOrderIsABBA(t *testing.T) {
	paths := []string{"http", "direct"}
	var got []string
	for rep := 0; rep < 4; rep++ {
		got = append(got, phaseOrder(paths, rep)...)
	}
	want := []string{"http", "direct", "direct", "http", "http", "direct", "direct", "http"}
	if !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	if !slices.Equal(paths, []string{"http", "direct"}) {
		t.Fatalf("phaseOrder changed its argument: %v", paths)
	}
	if got := phaseOrder([]string{"direct"}, 1); !slices.Equal(got, []string{"direct"}) {
		t.Fatalf("one path: %v", got)
	}
}
