package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/govchain/govchain/internal/gatewayconfig"
)

// suite is one run: the system, the load, the faults, the results.
type suite struct {
	o       *options
	cl      cluster
	stdout  io.Writer
	log     io.Writer // progress
	machine string
	commit  string
	drain   time.Duration // how long accepted asynchronous writes may take to become final at the end
	// readRetry is the pause between read-back tries of a record not found (0: 1 s).
	readRetry time.Duration
}

// result is everything the report prints.
type result struct {
	Machine  string
	Commit   string
	Began    time.Time
	Took     time.Duration
	SetupErr string
	Runs     []faultRun
	Rows     []row
	Writes   []write
	Samples  map[string]string // error class → the first message seen
	Failures []string
}

// execute runs the suite and returns its exit status: 0 when no acknowledged write was
// lost, every asynchronous write reached a final status and every restarted node caught up
// in time; 1 otherwise (or when the system could not be started).
func (s *suite) execute(ctx context.Context) int {
	res := s.run(ctx)
	if err := report(s.stdout, s.log, s.o, res); err != nil {
		fmt.Fprintln(s.log, "fault: report:", err)
		return 1
	}
	if res.SetupErr != "" || len(res.Failures) > 0 {
		return 1
	}
	return 0
}

func (s *suite) run(ctx context.Context) *result {
	res := &result{Machine: s.machine, Commit: s.commit, Began: time.Now()}
	defer func() { res.Took = time.Since(res.Began) }()
	defer func() {
		if s.o.Keep {
			fmt.Fprintln(s.log, "fault: -keep: the network is left up")
			return
		}
		if err := s.cl.Teardown(); err != nil {
			fmt.Fprintln(s.log, "fault: teardown:", err)
		}
	}()

	api, keys, err := s.cl.Setup(ctx)
	if err != nil {
		res.SetupErr = err.Error()
		return res
	}
	registrar := keys[gatewayconfig.KeyVar("market", "registrar")]
	auditor := keys[gatewayconfig.KeyVar("audit", "auditor")]
	if registrar == "" || auditor == "" {
		res.SetupErr = "the keys file lacks the market registrar's or the audit auditor's API key"
		return res
	}
	c := newClient(api, registrar, auditor, s.o.Timeout, s.o.Clients+8)
	ld := newLoad(s.o, c)
	if s.readRetry > 0 {
		ld.readRetry = s.readRetry
	}
	plan := s.o.plan()
	fmt.Fprintf(s.log, "fault: %d sync + %d async writers (%.0f/s each) as the market registrar; %d faults: before %s, down %s, after %s\n",
		s.o.syncWriters(), s.o.asyncWriters(), s.o.AsyncRate, len(plan), s.o.Before, s.o.During, s.o.After)
	phase := time.Now()
	ld.start(ctx)
	for i, f := range plan {
		if ctx.Err() != nil {
			break
		}
		fr := s.inject(ctx, f, phase)
		res.Runs = append(res.Runs, fr)
		phase = fr.End
		s.progress(i+1, len(plan), fr)
		if fr.Broken {
			fmt.Fprintln(s.log, "fault: the network could not be restored; the remaining faults are skipped")
			break
		}
	}
	fmt.Fprintln(s.log, "fault: stopping the writers; waiting for accepted asynchronous writes to become final")
	ld.finish(ctx, s.drain)
	fmt.Fprintln(s.log, "fault: reading every write back as the audit auditor")
	ld.readBack(ctx, 8)
	res.Writes = ld.snapshot()
	res.Samples = ld.errorSamples()
	res.Rows = summarize(res.Runs, res.Writes)
	res.Failures = verdict(res.Rows, s.o.CatchUpMax)
	return res
}

// inject runs one fault's phase: steady load, kill, hold, restart, catch-up, recovery.
func (s *suite) inject(ctx context.Context, fault string, start time.Time) (fr faultRun) {
	fr = faultRun{Fault: fault, Start: start}
	defer func() { fr.End = time.Now() }()
	if err := s.cl.Settle(ctx); err != nil {
		fmt.Fprintln(s.log, "fault: warning:", err)
	}
	sleep(ctx, time.Until(start.Add(s.o.Before)))
	node, err := s.cl.Target(fault)
	if err != nil {
		fr.Err = "no target: " + err.Error()
		return fr
	}
	fr.Node = node
	fr.Kill = time.Now()
	if err := s.cl.Kill(node); err != nil {
		fr.Err = err.Error()
	}
	sleep(ctx, s.o.During)
	fr.RestartAt = time.Now()
	// The node's height is watched while it restarts: `up` goes on checking the whole
	// network after the node has caught up. Give it twice the target: a slow catch-up is
	// reported with its time.
	type caught struct {
		at        time.Time
		hasLedger bool
		err       error
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cc := make(chan caught, 1)
	go func() {
		_, hasLedger, err := s.cl.CatchUp(cctx, node, 2*s.o.CatchUpMax)
		cc <- caught{time.Now(), hasLedger, err}
	}()
	err = s.cl.Restart(ctx, node)
	fr.Restarted = time.Now()
	fr.Back = fr.Restarted
	if err != nil {
		cancel()
		<-cc
		fr.Err = "restart failed: " + err.Error()
		fr.Broken = true
		return fr
	}
	if c := <-cc; c.hasLedger {
		fr.HasLedger = true
		fr.CatchUp = c.at.Sub(fr.RestartAt)
		fr.Back = later(fr.Restarted, c.at)
		if c.err != nil {
			fr.CatchUpErr = c.err.Error()
		}
	}
	sleep(ctx, s.o.After)
	return fr
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func (s *suite) progress(i, n int, fr faultRun) {
	line := fmt.Sprintf("fault %d/%d %s: ", i, n, fr.Fault)
	if fr.Node != "" {
		line += fmt.Sprintf("killed %s (SIGKILL), down %.1f s, restarted in %.1f s",
			fr.Node, fr.RestartAt.Sub(fr.Kill).Seconds(), fr.Restarted.Sub(fr.RestartAt).Seconds())
	}
	if fr.HasLedger {
		line += fmt.Sprintf(", at the others' height %.1f s after the restart began", fr.CatchUp.Seconds())
	}
	if fr.Err != "" {
		line += "; ERROR: " + fr.Err
	}
	if fr.CatchUpErr != "" {
		line += "; NOT CAUGHT UP: " + fr.CatchUpErr
	}
	fmt.Fprintln(s.log, line)
}
