// Command bench measures committed TPS and latency of govchain through the HTTP gateway and
// through the fabric-gateway SDK directly, side by side, against the system `make up`
// started:
//
//	go run ./test/bench -workload invoice -clients 1,8,32,128 -duration 20s
//	go run ./test/bench -workload mixed -clients 32 -json
//	go run ./test/bench -workload register -rate 50,100,150 -duration 30s
//
// For every concurrency level (or rate) it runs the HTTP phase and then the direct phase
// with the same workload generator (fresh keys each), and prints one table per run: TPS of
// transactions committed VALID, latency percentiles, failures by kind, the HTTP/direct
// ratios and the CPU milliseconds per committed transaction of each process kind (peer,
// orderer, chaincode, gateway, the load generator), read from /proc.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/govchain/govchain/test/internal/loadkit"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg, err := loadGatewayConfig(o.Config)
	if err != nil {
		return err
	}
	keys, err := loadKeys(o.Keys)
	if err != nil {
		return err
	}
	tables := stdout
	if o.JSON {
		tables = stderr
	}
	var progress io.Writer
	if o.Progress {
		progress = stderr
	}
	procs, err := findProcs(o.PIDDir)
	if err != nil {
		return err
	}
	if o.GatewayPID > 0 {
		procs = withGateway(procs, o.GatewayPID)
	}
	machine := loadkit.MachineInfo()

	// The direct path is always connected: the setup phase registers sellers through it.
	direct, err := newDirectPath(cfg)
	if err != nil {
		return fmt.Errorf("direct path: %w", err)
	}
	defer direct.Close()
	paths := map[string]path{pathDirect: direct}
	if o.Path != pathDirect {
		api := o.API
		if api == "" {
			api = keys["GOVCHAIN_API"]
		}
		conns := o.MaxFlight
		if len(o.Rates) == 0 {
			conns = 0
			for _, c := range o.Clients {
				conns = max(conns, c)
			}
		}
		hp, err := newHTTPPath(api, keys, conns, o.KeepAlive)
		if err != nil {
			return err
		}
		defer hp.Close()
		if err := hp.check(); err != nil {
			return err
		}
		if err := checkReady(ctx, hp.base); err != nil {
			return err
		}
		paths[pathHTTP] = hp
	}

	fmt.Fprintf(tables, "govchain bench: %s\n", machine)
	fmt.Fprintf(tables, "network: %s; paths: %s; processes measured: %s\n", cfg.Channel+"/"+cfg.Chaincode,
		strings.Join(o.paths(), " then "), describeProcs(procs))

	gen := NewGenerator(time.Now(), o.Lines, o.Mix)
	var setupOnce sync.Once
	var setupErr error
	enc := json.NewEncoder(stdout)
	var personalOnce sync.Once
	for _, wl := range o.Workloads {
		wlPaths := o.paths()
		if httpOnly(wl) {
			personalOnce.Do(func() { setupErr = setupPersonal(ctx, paths[pathHTTP].(*httpPath), gen, o.Personal, tables) })
			if setupErr != nil {
				return setupErr
			}
			if len(wlPaths) > 1 {
				fmt.Fprintf(tables, "%s: HTTP only (a logged personal-data read or check is the gateway's own two-step exchange)\n", wl)
			}
			wlPaths = []string{pathHTTP}
		}
		if sellers, reads := gen.needs(wl); sellers || reads {
			setupOnce.Do(func() { setupErr = setup(ctx, direct, gen, o, tables) })
			if setupErr != nil {
				return setupErr
			}
		}
		for _, spec := range o.specs(wl) {
			rr := &RunResult{Spec: spec, Repeat: o.Repeat}
			for rep := 0; rep < o.Repeat; rep++ {
				for i, pn := range phaseOrder(wlPaths, rep) {
					if ctx.Err() != nil {
						return ctx.Err()
					}
					if i > 0 || rep > 0 {
						sleepUntil(ctx, time.Now().Add(o.Cooldown))
					}
					if o.Quiet > 0 {
						waitQuiet(ctx, procs, o.Quiet, o.QuietMax, tables)
					}
					res := runPhase(ctx, paths[pn], gen, spec, procs, progress)
					if pn == pathHTTP {
						rr.HTTP = mergePhase(rr.HTTP, res)
					} else {
						rr.Direct = mergePhase(rr.Direct, res)
					}
				}
			}
			rr.PrintTable(tables, machine)
			if o.JSON {
				if err := enc.Encode(rr.JSON(machine)); err != nil {
					return err
				}
			}
			sleepUntil(ctx, time.Now().Add(o.Cooldown))
		}
	}
	return ctx.Err()
}

// phaseOrder is the order of the paths in repetition rep: reversed every other time
// (http, direct, direct, http, …), so that work one phase leaves behind (goleveldb
// compactions, blocks still committing) does not always land on the same path.
func phaseOrder[T any](paths []T, rep int) []T {
	out := slices.Clone(paths)
	if rep%2 == 1 {
		slices.Reverse(out)
	}
	return out
}

// waitQuiet waits until the processes outside the network and this benchmark use fewer
// than limit cores (sampled over 2 s), for at most maxWait.
func waitQuiet(ctx context.Context, procs []proc, limit float64, maxWait time.Duration, w io.Writer) {
	t0 := time.Now()
	said := false
	for ctx.Err() == nil {
		a := sampleCPU(procs)
		sleepUntil(ctx, time.Now().Add(2*time.Second))
		u := cpuDelta(procs, a, sampleCPU(procs), 2)
		other := u.Seconds[kindOther] / 2
		if other < limit {
			if said {
				fmt.Fprintf(w, "quiet after %.0fs\n", time.Since(t0).Seconds())
			}
			return
		}
		if time.Since(t0) > maxWait {
			fmt.Fprintf(w, "still %.2f cores used outside the network after %s: measuring anyway\n", other, maxWait)
			return
		}
		if !said {
			fmt.Fprintf(w, "waiting for the machine to quiet down: %.2f cores used outside the network\n", other)
			said = true
		}
	}
}

// specs lists the runs of one workload: one per concurrency level, or one per rate.
func (o *options) specs(wl string) []phaseSpec {
	var out []phaseSpec
	base := phaseSpec{Workload: wl, MaxFlight: o.MaxFlight, Warmup: o.Warmup, Duration: o.Duration, Timeout: o.Timeout}
	if len(o.Rates) > 0 {
		for _, r := range o.Rates {
			s := base
			s.Rate = r
			out = append(out, s)
		}
		return out
	}
	for _, c := range o.Clients {
		s := base
		s.Clients = c
		out = append(out, s)
	}
	return out
}

// withGateway replaces the gateway process of procs by pid.
func withGateway(procs []proc, pid int) []proc {
	out := procs[:0:0]
	for _, p := range procs {
		if p.Kind != kindGateway {
			out = append(out, p)
		}
	}
	return append(out, proc{Name: "gateway", Kind: kindGateway, PID: pid})
}

func describeProcs(procs []proc) string {
	n := map[string]int{}
	for _, p := range procs {
		n[p.Kind]++
	}
	var parts []string
	for _, k := range cpuKinds {
		if n[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[k], k))
		}
	}
	if n[kindGateway] == 0 {
		parts = append(parts, "no gateway PID file")
	}
	return strings.Join(parts, ", ")
}

// checkReady asks the gateway's /readyz (at the root, beside /api/v1).
func checkReady(ctx context.Context, base string) error {
	root := strings.TrimSuffix(base, "/api/v1")
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, root+"/readyz", nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("HTTP gateway not reachable at %s (is `make up` done?): %w", root, err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP gateway at %s is not ready: GET /readyz answered %s", root, res.Status)
	}
	return nil
}

// setup registers the sellers invoices are issued for and, when reads are measured, a
// read set of invoices, through the SDK. It is not timed.
func setup(ctx context.Context, d *directPath, gen *Generator, o *options, w io.Writer) error {
	t0 := time.Now()
	sellers := make([]string, o.Sellers)
	err := parallelDo(ctx, len(sellers), 8, func(i int) error {
		req := gen.RegisterRequest()
		sellers[i] = req.USCC
		op := registerOp(req)
		return setupOp(ctx, d, &op)
	})
	if err != nil {
		return fmt.Errorf("setup: register sellers: %w", err)
	}
	gen.sellers, gen.readBiz = sellers, sellers
	needReads := false
	for _, wl := range o.Workloads {
		_, r := gen.needs(wl)
		needReads = needReads || r
	}
	if needReads {
		invs := make([]string, o.ReadSet)
		err := parallelDo(ctx, len(invs), 8, func(i int) error {
			req := gen.InvoiceRequest(sellers[i%len(sellers)])
			invs[i] = req.Number
			op := invoiceOp(req)
			return setupOp(ctx, d, &op)
		})
		if err != nil {
			return fmt.Errorf("setup: issue the read set: %w", err)
		}
		gen.readInv = invs
	}
	fmt.Fprintf(w, "setup: %d sellers, %d invoices to read, through the SDK in %.1fs\n", len(gen.sellers), len(gen.readInv), time.Since(t0).Seconds())
	return nil
}

func setupOp(ctx context.Context, d *directPath, op *Op) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if out := d.Do(ctx, op); out.Fail != "" {
		return fmt.Errorf("%s %s:%s: %s: %s", op.Kind, op.Contract, op.Function, out.Fail, out.Detail)
	}
	return nil
}

// parallelDo runs f(0..n-1) on at most workers goroutines and returns the first error.
func parallelDo(ctx context.Context, n, workers int, f func(i int) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}
