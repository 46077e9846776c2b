// Package netctl builds, starts, stops and inspects the govchain test network:
// Fabric CAs, Raft orderers, peers and chaincode-as-a-service servers, all as
// native processes on one machine.
package netctl

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"
)

// Topology is network/network.yaml: the single description of the network.
type Topology struct {
	BasePort   int        `yaml:"base_port"`
	Host       string     `yaml:"host"`
	Domain     string     `yaml:"domain"`
	Channel    string     `yaml:"channel"`
	Ordering   Ordering   `yaml:"ordering"`
	PeerLimits PeerLimits `yaml:"peer_limits"`
	Runtime    Runtime    `yaml:"runtime"`
	Chaincode  Chaincode  `yaml:"chaincode"`
	Orgs       []Org      `yaml:"orgs"`
}

// Ordering holds the channel's batch settings.
type Ordering struct {
	BatchTimeout      string `yaml:"batch_timeout"`
	MaxMessageCount   int    `yaml:"max_message_count"`
	AbsoluteMaxBytes  string `yaml:"absolute_max_bytes"`
	PreferredMaxBytes string `yaml:"preferred_max_bytes"`
	RaftTickInterval  string `yaml:"raft_tick_interval"` // election timeout = 10 ticks
	// SnapshotIntervalSize: the Raft data between two etcdraft snapshots (Fabric: 16 MB).
	SnapshotIntervalSize string `yaml:"snapshot_interval_size"`
}

// Runtime tunes the Go runtime of the processes govnet starts.
type Runtime struct {
	// GOGC for peers, orderers, chaincode servers and the HTTP gateway (0: Go's default, 100).
	GOGC int `yaml:"gogc"`
}

// PeerLimits are the peers' concurrency limits.
type PeerLimits struct {
	GatewayConcurrency  int `yaml:"gateway_concurrency"`
	EndorserConcurrency int `yaml:"endorser_concurrency"`
	DeliverConcurrency  int `yaml:"deliver_concurrency"`
}

// Chaincode describes the one chaincode deployed on the channel.
type Chaincode struct {
	Name              string `yaml:"name"`
	EndorsementPolicy string `yaml:"endorsement_policy"`
}

// Org is one organisation: the orderer org or an agency.
type Org struct {
	Name            string `yaml:"name"`
	MSPID           string `yaml:"msp_id"`
	Description     string `yaml:"description"`
	CAOffset        int    `yaml:"ca_offset"`
	Orderers        []Node `yaml:"orderers"`
	Peers           []Node `yaml:"peers"`
	ChaincodeOffset int    `yaml:"chaincode_offset"`
	Users           []User `yaml:"users"`
}

// Node is an orderer or a peer; it owns ports base+offset .. base+offset+9.
type Node struct {
	Name   string `yaml:"name"`
	Offset int    `yaml:"offset"`
}

// User is an application identity with its govchain.role attribute.
type User struct {
	Name string `yaml:"name"`
	Role string `yaml:"role"`
	// Signing client: the gateway gets the certificate only; the key stays in the user's
	// MSP directory for its client (govchain-sign, the tests). Default: the gateway signs.
	Signing string `yaml:"signing,omitempty"`
}

// IsOrderer reports whether the org runs the ordering service.
func (o Org) IsOrderer() bool { return len(o.Orderers) > 0 }

// LoadTopology reads the topology file and applies the environment overrides
// GOVCHAIN_BASE_PORT, GOVCHAIN_HOST and GOVCHAIN_DOMAIN.
func LoadTopology(path string) (*Topology, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read topology: %w", err)
	}
	var t Topology
	if err := yaml.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("parse topology %s: %w", path, err)
	}
	if v := os.Getenv("GOVCHAIN_BASE_PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil {
			return nil, fmt.Errorf("GOVCHAIN_BASE_PORT=%q is not a number", v)
		}
		t.BasePort = p
	}
	if v := os.Getenv("GOVCHAIN_HOST"); v != "" {
		t.Host = v
	}
	if v := os.Getenv("GOVCHAIN_DOMAIN"); v != "" {
		t.Domain = v
	}
	if err := t.validate(); err != nil {
		return nil, fmt.Errorf("topology %s: %w", path, err)
	}
	return &t, nil
}

// sizeRE is a size as configtxgen reads it: a number and KB or MB.
var sizeRE = regexp.MustCompile(`^[1-9][0-9]* (KB|MB)$`)

func (t *Topology) validate() error {
	if t.BasePort < 1024 || t.BasePort > 65000-200 {
		return fmt.Errorf("base_port %d must be between 1024 and 64800", t.BasePort)
	}
	if t.Host == "" || t.Domain == "" || t.Channel == "" || t.Chaincode.Name == "" {
		return fmt.Errorf("host, domain, channel and chaincode.name are required")
	}
	if _, err := time.ParseDuration(t.Ordering.BatchTimeout); err != nil {
		return fmt.Errorf("ordering.batch_timeout: %w", err)
	}
	if t.Ordering.RaftTickInterval == "" {
		t.Ordering.RaftTickInterval = "500ms" // Fabric's default
	}
	if _, err := time.ParseDuration(t.Ordering.RaftTickInterval); err != nil {
		return fmt.Errorf("ordering.raft_tick_interval: %w", err)
	}
	if t.Ordering.SnapshotIntervalSize == "" {
		t.Ordering.SnapshotIntervalSize = "16 MB" // Fabric's default
	}
	if !sizeRE.MatchString(t.Ordering.SnapshotIntervalSize) {
		return fmt.Errorf("ordering.snapshot_interval_size %q: want a size like \"1 MB\" or \"512 KB\"", t.Ordering.SnapshotIntervalSize)
	}
	if t.Runtime.GOGC < 0 {
		return fmt.Errorf("runtime.gogc %d: want 0 (Go's default) or a percentage", t.Runtime.GOGC)
	}
	orderers, peers := 0, 0
	used := map[int]string{}
	claim := func(off int, what string) error {
		if prev, ok := used[off]; ok {
			return fmt.Errorf("port offset %d used by both %s and %s", off, prev, what)
		}
		used[off] = what
		return nil
	}
	for _, o := range t.Orgs {
		if o.Name == "" || o.MSPID == "" {
			return fmt.Errorf("every org needs name and msp_id")
		}
		if err := claim(o.CAOffset, "ca."+o.Name); err != nil {
			return err
		}
		for _, n := range o.Orderers {
			orderers++
			if err := claim(n.Offset, n.Name); err != nil {
				return err
			}
		}
		for _, u := range o.Users {
			if u.Signing != "" && u.Signing != "server" && u.Signing != "client" {
				return fmt.Errorf("org %s user %s: signing %q: want server or client", o.Name, u.Name, u.Signing)
			}
		}
		for _, n := range o.Peers {
			peers++
			if err := claim(n.Offset, n.Name+"."+o.Name); err != nil {
				return err
			}
		}
		if len(o.Peers) > 0 {
			if err := claim(o.ChaincodeOffset, "cc."+o.Name); err != nil {
				return err
			}
		}
	}
	if orderers == 0 || peers == 0 {
		return fmt.Errorf("need at least one orderer and one peer")
	}
	return nil
}

// Port returns base_port + offset.
func (t *Topology) Port(offset int) int { return t.BasePort + offset }

// Addr returns host:port for an offset.
func (t *Topology) Addr(offset int) string { return fmt.Sprintf("%s:%d", t.Host, t.Port(offset)) }

// PeerOrgs returns the orgs that run peers (the agencies).
func (t *Topology) PeerOrgs() []Org {
	var out []Org
	for _, o := range t.Orgs {
		if len(o.Peers) > 0 {
			out = append(out, o)
		}
	}
	return out
}

// PeerNode is one peer with its org.
type PeerNode struct {
	Org  Org
	Node Node
}

// PeerNodes lists every peer of every agency.
func (t *Topology) PeerNodes() []PeerNode {
	var out []PeerNode
	for _, o := range t.PeerOrgs() {
		for _, nd := range o.Peers {
			out = append(out, PeerNode{o, nd})
		}
	}
	return out
}

// OrdererOrg returns the org that runs the ordering service.
func (t *Topology) OrdererOrg() Org {
	for _, o := range t.Orgs {
		if o.IsOrderer() {
			return o
		}
	}
	return Org{}
}

// Org returns the org with the given short name.
func (t *Topology) Org(name string) (Org, bool) {
	for _, o := range t.Orgs {
		if o.Name == name {
			return o, true
		}
	}
	return Org{}, false
}

// GoEnv is the Go runtime environment for the processes govnet starts.
func (t *Topology) GoEnv() []string {
	if t.Runtime.GOGC == 0 {
		return nil
	}
	return []string{"GOGC=" + strconv.Itoa(t.Runtime.GOGC)}
}
