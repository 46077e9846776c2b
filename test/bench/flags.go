package main

import (
	"flag"
	"fmt"
	"github.com/govchain/govchain/test/internal/loadkit"
	"io"
	"strconv"
	"strings"
	"time"
)

// Workloads.
const (
	wlRegister = "register"
	wlInvoice  = "invoice"
	wlEvidence = "evidence"
	wlRead     = "read"
	wlMixed    = "mixed"
	wlPersonal = "personal"
	wlVerify   = "verify"
)

var workloads = []string{wlRegister, wlInvoice, wlEvidence, wlRead, wlMixed, wlPersonal, wlVerify}

// Paths.
const (
	pathHTTP   = "http"
	pathDirect = "direct"
	pathBoth   = "both"
)

// options are the command-line settings.
type options struct {
	Workloads  []string
	Clients    []int
	Rates      []float64 // fixed-rate mode when set: one run per rate
	MaxFlight  int       // fixed-rate mode: most transactions in flight
	Duration   time.Duration
	Warmup     time.Duration
	Timeout    time.Duration
	Path       string
	JSON       bool
	Config     string
	Keys       string
	API        string
	PIDDir     string
	GatewayPID int // overrides data/network/pids/gateway.pid (a gateway started by hand)
	Mix        map[string]int
	Sellers    int
	ReadSet    int
	Personal   int // businesses with personal data registered and granted for personal|verify
	Progress   bool
	Lines      int // most lines per invoice
	Cooldown   time.Duration
	KeepAlive  bool          // HTTP connection reuse (false only to measure what reuse is worth)
	Repeat     int           // phases per path per run, alternating http/direct (ABBA), merged
	Quiet      float64       // wait before each phase until others use less than this many cores
	QuietMax   time.Duration // longest such wait
}

// parseIntList parses "1,8,32" (each > 0).
func parseIntList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty list")
	}
	return out, nil
}

// parseFloatList parses "50,100.5" (each > 0).
func parseFloatList(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.ParseFloat(f, 64)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty list")
	}
	return out, nil
}

// parseWorkloads parses "invoice,register" (or "all").
func parseWorkloads(s string) ([]string, error) {
	if strings.TrimSpace(s) == "all" {
		return append([]string(nil), workloads...), nil
	}
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		ok := false
		for _, w := range workloads {
			ok = ok || w == f
		}
		if !ok {
			return nil, fmt.Errorf("unknown workload %q (one of %s, or all)", f, strings.Join(workloads, "|"))
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no workload")
	}
	return out, nil
}

// parseMix parses "register=20,invoice=40,evidence=20,read=20" (non-negative weights, at
// least one positive).
func parseMix(s string) (map[string]int, error) {
	m := map[string]int{}
	total := 0
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("mix entry %q is not kind=weight", f)
		}
		switch k {
		case wlRegister, wlInvoice, wlEvidence, wlRead:
		default:
			return nil, fmt.Errorf("mix kind %q is not one of register, invoice, evidence, read", k)
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("mix weight %q of %s is not a non-negative integer", v, k)
		}
		m[k] = n
		total += n
	}
	if total == 0 {
		return nil, fmt.Errorf("mix has no positive weight")
	}
	return m, nil
}

// parseFlags parses args (without the program name).
func parseFlags(args []string, stderr io.Writer) (*options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := &options{}
	var workload, clients, rate, mix string
	fs.StringVar(&workload, "workload", wlInvoice, "workload: register|invoice|evidence|read|mixed|personal|verify, a comma list, or all (personal and verify: HTTP only)")
	fs.StringVar(&clients, "clients", "1,8,32,128", "closed-loop concurrent clients: N or a comma list for a sweep")
	fs.StringVar(&rate, "rate", "", "fixed-rate mode: transactions per second (R or a comma list); -clients is then ignored")
	fs.IntVar(&o.MaxFlight, "max-inflight", 1024, "fixed-rate mode: most transactions in flight at once")
	fs.DurationVar(&o.Duration, "duration", 20*time.Second, "measured duration of each phase")
	fs.DurationVar(&o.Warmup, "warmup", 3*time.Second, "unmeasured load before each phase's measurement starts")
	fs.DurationVar(&o.Cooldown, "cooldown", 2*time.Second, "pause between phases (lets the last blocks commit)")
	fs.DurationVar(&o.Timeout, "timeout", 60*time.Second, "per-transaction timeout (counted as a timeout failure)")
	fs.StringVar(&o.Path, "path", pathBoth, "http|direct|both: which path(s) to measure; both runs them back to back")
	fs.BoolVar(&o.JSON, "json", false, "print one JSON object per run on stdout (tables go to stderr)")
	fs.StringVar(&o.Config, "config", "data/gateway.yaml", "the gateway config written by make up (peers, identities)")
	fs.StringVar(&o.Keys, "keys", "data/keys.env", "the API keys written by make up")
	fs.StringVar(&o.API, "api", "", "HTTP gateway base URL (default: GOVCHAIN_API from -keys)")
	fs.StringVar(&o.PIDDir, "pids", "data/network/pids", "directory of the network's PID files (CPU accounting)")
	fs.IntVar(&o.GatewayPID, "gateway-pid", 0, "PID of the HTTP gateway for CPU accounting, when it is not the one make up started")
	fs.StringVar(&mix, "mix", "register=20,invoice=40,evidence=20,read=20", "mixed workload weights")
	fs.IntVar(&o.Sellers, "sellers", 16, "sellers registered in the setup phase for invoice workloads")
	fs.IntVar(&o.ReadSet, "read-set", 64, "invoices issued in the setup phase for read workloads")
	fs.IntVar(&o.Personal, "personal-set", 16, "businesses with personal data registered and granted in the setup phase for personal|verify")
	fs.IntVar(&o.Lines, "lines", 3, "most lines per invoice")
	fs.BoolVar(&o.KeepAlive, "keepalive", true, "reuse HTTP connections (false: one TCP connection per request, to measure what reuse is worth)")
	fs.IntVar(&o.Repeat, "repeat", 1, "phases per path and run, alternating http and direct in ABBA order (results merged): evens out a noisy shared machine")
	fs.Float64Var(&o.Quiet, "quiet", 0, "before each phase, wait until processes outside the network use fewer than this many cores (0: do not wait)")
	fs.DurationVar(&o.QuietMax, "quiet-max", 5*time.Minute, "longest wait for -quiet")
	fs.BoolVar(&o.Progress, "progress", true, "print a progress line on stderr while running")
	if err := loadkit.ParseFlags(fs, args, "usage: go run ./test/bench [flags]\n\n"+
		"Committed TPS and latency through the HTTP gateway versus the fabric-gateway SDK,\n"+
		"against the system started by `make up`.\n\n"); err != nil {
		return nil, err
	}
	var err error
	if o.Workloads, err = parseWorkloads(workload); err != nil {
		return nil, fmt.Errorf("-workload: %w", err)
	}
	if o.Clients, err = parseIntList(clients); err != nil {
		return nil, fmt.Errorf("-clients: %w", err)
	}
	if rate != "" {
		if o.Rates, err = parseFloatList(rate); err != nil {
			return nil, fmt.Errorf("-rate: %w", err)
		}
	}
	if o.Mix, err = parseMix(mix); err != nil {
		return nil, fmt.Errorf("-mix: %w", err)
	}
	switch o.Path {
	case pathHTTP, pathDirect, pathBoth:
	default:
		return nil, fmt.Errorf("-path must be http, direct or both, got %q", o.Path)
	}
	if o.Duration <= 0 {
		return nil, fmt.Errorf("-duration must be positive")
	}
	if o.Warmup < 0 || o.Cooldown < 0 {
		return nil, fmt.Errorf("-warmup and -cooldown must not be negative")
	}
	if o.Repeat <= 0 || o.Quiet < 0 {
		return nil, fmt.Errorf("-repeat must be positive and -quiet not negative")
	}
	if o.MaxFlight <= 0 || o.Sellers <= 0 || o.ReadSet <= 0 || o.Lines <= 0 || o.Personal <= 0 {
		return nil, fmt.Errorf("-max-inflight, -sellers, -read-set, -personal-set and -lines must be positive")
	}
	if o.Path == pathDirect {
		for _, wl := range o.Workloads {
			if httpOnly(wl) {
				return nil, fmt.Errorf("-workload %s is measured through the HTTP gateway only: use -path http or both", wl)
			}
		}
	}
	return o, nil
}

// paths lists the paths to measure, HTTP first.
func (o *options) paths() []string {
	switch o.Path {
	case pathHTTP:
		return []string{pathHTTP}
	case pathDirect:
		return []string{pathDirect}
	}
	return []string{pathHTTP, pathDirect}
}
