package main

import (
	"errors"
	"flag"
	"fmt"
	"github.com/govchain/govchain/test/internal/loadkit"
	"io"
	"strings"
	"time"
)

// Faults, in the order the suite runs them.
const (
	faultLeader    = "leader"     // the Raft leader orderer
	faultFollower  = "follower"   // an orderer that is not the leader
	faultPeer      = "peer"       // peer0.tax: endorses, but is not the writers' entry peer
	faultEntryPeer = "entry-peer" // peer0.market: the market registrar's own peer
	faultChaincode = "chaincode"  // cc.market: the market bureau's chaincode server
	faultGateway   = "gateway"    // the HTTP gateway process
)

var allFaults = []string{faultLeader, faultFollower, faultPeer, faultEntryPeer, faultChaincode, faultGateway}

// options are the command-line settings.
type options struct {
	Faults       []string
	RepeatLeader int           // leader kills
	Clients      int           // writers: half synchronous, half asynchronous
	AsyncRate    float64       // requests per second of each asynchronous writer
	Before       time.Duration // steady load before each kill
	During       time.Duration // how long the killed node stays down
	After        time.Duration // load after the node is back, before the next fault
	RetryFor     time.Duration // how long a writer retries one write (same Idempotency-Key)
	Timeout      time.Duration // one HTTP request
	Poll         time.Duration // how often a pending asynchronous write is asked for
	CatchUpMax   time.Duration // target: a restarted node at the others' height within this
	P99Target    time.Duration // target: write p99 during a fault (reported, not an exit status)
	Keep         bool          // leave the network up
	JSON         bool
	Data         string // GOVCHAIN_DATA, relative to the repository root
	BasePort     int
	GatewayAddr  string
}

// parseFaults parses "leader,gateway" (or "all") into a known, duplicate-free list in the
// order given.
func parseFaults(s string) ([]string, error) {
	if strings.TrimSpace(s) == "all" {
		return append([]string(nil), allFaults...), nil
	}
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		known := false
		for _, k := range allFaults {
			known = known || k == f
		}
		if !known {
			return nil, fmt.Errorf("unknown fault %q (want %s or all)", f, strings.Join(allFaults, ","))
		}
		if !seen[f] {
			out = append(out, f)
			seen[f] = true
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no fault given")
	}
	return out, nil
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("fault", flag.ContinueOnError)
	fs.SetOutput(stderr)
	faults := strings.Join(allFaults, ",")
	fs.StringVar(&faults, "faults", faults, "comma list of faults to inject, in this order, or all: "+strings.Join(allFaults, ","))
	fs.IntVar(&o.RepeatLeader, "repeat-leader", 5, "how many times the Raft leader is killed")
	fs.IntVar(&o.Clients, "clients", 4, "writers (market registrar registering businesses): half wait for the commit, half submit with ?async=true")
	fs.Float64Var(&o.AsyncRate, "async-rate", 5, "registrations per second of each asynchronous writer")
	fs.DurationVar(&o.Before, "before", 5*time.Second, "steady load before each kill")
	fs.DurationVar(&o.During, "during", 10*time.Second, "how long the killed node stays down before it is restarted")
	fs.DurationVar(&o.After, "after", 5*time.Second, "load after the restarted node is back, before the next fault")
	fs.DurationVar(&o.RetryFor, "retry-for", 45*time.Second, "how long a writer retries one write with the same Idempotency-Key before it gives up (not acknowledged)")
	fs.DurationVar(&o.Timeout, "timeout", 100*time.Second, "timeout of one HTTP request (the gateway's own write deadline is 90 s)")
	fs.DurationVar(&o.Poll, "poll", 250*time.Millisecond, "how often each pending asynchronous write's status is asked for")
	fs.DurationVar(&o.CatchUpMax, "catchup-max", 30*time.Second, "target: a restarted peer or orderer reaches the others' height within this (exit status 1 if not)")
	fs.DurationVar(&o.P99Target, "p99-target", 5*time.Second, "target: write p99 during a fault (reported; not an exit status)")
	fs.BoolVar(&o.Keep, "keep", false, "leave the network up at the end (scripts/network.sh down with the same environment stops it)")
	fs.BoolVar(&o.JSON, "json", false, "print the results as one JSON object on stdout (tables go to stderr)")
	fs.StringVar(&o.Data, "data", "data/fault", "the network's data directory (GOVCHAIN_DATA), relative to the repository root")
	fs.IntVar(&o.BasePort, "base-port", 27000, "the network's port range (GOVCHAIN_BASE_PORT)")
	fs.StringVar(&o.GatewayAddr, "gateway-addr", "127.0.0.1:27800", "the HTTP gateway's address (GOVCHAIN_GATEWAY_ADDR)")
	if err := loadkit.ParseFlags(fs, args, "usage: go run ./test/fault [flags]\n\n"+
		"Starts a clean network of its own, kills one node at a time under write load, restarts it and\n"+
		"reports what was acknowledged, what was lost, how long clients waited and how long the node\n"+
		"took to catch up. Exit status 1 if an acknowledged write was lost, an asynchronous write never\n"+
		"reached a final status, or a restarted node did not catch up in time.\n\n"); err != nil {
		return nil, err
	}
	var err error
	if o.Faults, err = parseFaults(faults); err != nil {
		return nil, fmt.Errorf("-faults: %w", err)
	}
	switch {
	case o.RepeatLeader < 1:
		return nil, errors.New("-repeat-leader must be at least 1")
	case o.Clients < 1:
		return nil, errors.New("-clients must be at least 1")
	case o.AsyncRate <= 0:
		return nil, errors.New("-async-rate must be positive")
	case o.Before < 0 || o.During < 0 || o.After < 0:
		return nil, errors.New("-before, -during and -after must not be negative")
	case o.RetryFor <= 0 || o.Timeout <= 0 || o.Poll <= 0 || o.CatchUpMax <= 0:
		return nil, errors.New("-retry-for, -timeout, -poll and -catchup-max must be positive")
	case o.BasePort < 1024 || o.BasePort > 65000:
		return nil, errors.New("-base-port must be between 1024 and 65000")
	}
	return o, nil
}

// syncWriters and asyncWriters split the clients: the odd one out waits for the commit.
func (o *options) syncWriters() int  { return o.Clients - o.Clients/2 }
func (o *options) asyncWriters() int { return o.Clients / 2 }

// plan expands the faults into the kills to make: the leader fault RepeatLeader times.
func (o *options) plan() []string {
	var out []string
	for _, f := range o.Faults {
		n := 1
		if f == faultLeader {
			n = o.RepeatLeader
		}
		for range n {
			out = append(out, f)
		}
	}
	return out
}
