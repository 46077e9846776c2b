// Package config loads and validates the gateway's YAML configuration.
//
// Relative file paths in the configuration (data_dir, tls_ca_cert, cert, key) are resolved
// against the directory that holds the configuration file, never against the process's
// working directory, so the gateway behaves the same wherever it is started from.
package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole gateway configuration.
type Config struct {
	Listen         string        `yaml:"listen"`
	Channel        string        `yaml:"channel"`
	Chaincode      string        `yaml:"chaincode"`
	DataDir        string        `yaml:"data_dir"`
	LogLevel       string        `yaml:"log_level"`
	Timeouts       Timeouts      `yaml:"timeouts"`
	Limits         Limits        `yaml:"limits"`
	Retry          Retry         `yaml:"retry"`
	CORSOrigins    []string      `yaml:"cors_origins"`
	IdempotencyTTL time.Duration `yaml:"idempotency_ttl"`
	Peers          []Peer        `yaml:"peers"`
	Identities     []Identity    `yaml:"identities"`
	APIKeys        []APIKey      `yaml:"api_keys"`
	// DebugListen, when set, serves Go's pprof endpoints (/debug/pprof/) on a separate
	// listener for profiling. No authentication: loopback addresses only.
	DebugListen string `yaml:"debug_listen"`

	// BaseDir is the directory relative paths were resolved against (the config file's directory).
	BaseDir string `yaml:"-"`
}

// Timeouts bound every wait. The first four are the fabric-gateway client timeouts.
type Timeouts struct {
	Evaluate     time.Duration `yaml:"evaluate"`
	Endorse      time.Duration `yaml:"endorse"`
	Submit       time.Duration `yaml:"submit"`
	CommitStatus time.Duration `yaml:"commit_status"`
	// Request bounds a read request (evaluate, transaction lookup) end to end.
	Request time.Duration `yaml:"request"`
	// WriteDeadline bounds a synchronous write: endorse, submit, resubmits and retries.
	WriteDeadline time.Duration `yaml:"write_deadline"`
	// PendingDeadline bounds how long the background worker keeps resubmitting a transaction
	// (async writes and synchronous writes that outlived WriteDeadline) before it gives up
	// and records the final status EXPIRED.
	PendingDeadline time.Duration `yaml:"pending_deadline"`
	// Shutdown bounds the graceful shutdown (in-flight requests finish within it).
	Shutdown time.Duration `yaml:"shutdown"`
}

// Limits bound request bodies.
type Limits struct {
	MaxJSONBytes   int64 `yaml:"max_json_bytes"`
	MaxUploadBytes int64 `yaml:"max_upload_bytes"`
}

// Retry bounds the retries of transient commit failures (MVCC_READ_CONFLICT, PHANTOM_READ_CONFLICT)
// with a fresh transaction, and the backoff between resubmissions of the same transaction.
type Retry struct {
	MaxAttempts    int           `yaml:"max_attempts"`
	InitialBackoff time.Duration `yaml:"initial_backoff"`
	MaxBackoff     time.Duration `yaml:"max_backoff"`
}

// Peer is one peer's gateway endpoint. The gateway keeps one gRPC connection per peer.
type Peer struct {
	Name       string `yaml:"name"`
	MSPID      string `yaml:"msp_id"`
	Endpoint   string `yaml:"endpoint"`
	TLSCACert  string `yaml:"tls_ca_cert"`
	ServerName string `yaml:"server_name"`
}

// Identity is one org/role Fabric identity; requests authenticated as that org/role are
// signed with it and sent through the named peer's connection.
type Identity struct {
	Org   string `yaml:"org"`
	Role  string `yaml:"role"`
	MSPID string `yaml:"msp_id"`
	Cert  string `yaml:"cert"`
	Key   string `yaml:"key"`
	Peer  string `yaml:"peer"`
}

// APIKey maps the hex SHA-256 of an API key to an org and role.
type APIKey struct {
	SHA256 string `yaml:"sha256"`
	Org    string `yaml:"org"`
	Role   string `yaml:"role"`
}

// Load reads the YAML file at path, applies defaults and environment overrides (lookup is
// usually os.LookupEnv), resolves relative paths against the file's directory and validates
// the result. Unknown keys are refused so that typos do not pass silently.
func Load(path string, lookup func(string) (string, bool)) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	cfg, err := Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	cfg.BaseDir = filepath.Dir(abs)
	if err := cfg.applyEnv(lookup); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	cfg.resolvePaths()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// Parse decodes YAML and fills in defaults. It neither resolves paths nor validates.
func Parse(raw []byte) (*Config, error) {
	cfg := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil {
		return nil, fmt.Errorf("parse YAML: %w", err)
	}
	cfg.applyDefaults()
	return cfg, nil
}

// Identity returns the identity configured for org and role.
func (c *Config) Identity(org, role string) (Identity, bool) {
	for _, id := range c.Identities {
		if id.Org == org && id.Role == role {
			return id, true
		}
	}
	return Identity{}, false
}

// Peer returns the peer with the given name.
func (c *Config) Peer(name string) (Peer, bool) {
	for _, p := range c.Peers {
		if p.Name == name {
			return p, true
		}
	}
	return Peer{}, false
}

// DBPath is the bbolt file holding idempotency keys and transaction state.
func (c *Config) DBPath() string {
	return filepath.Join(c.DataDir, "gateway.db")
}

func (c *Config) resolvePaths() {
	c.DataDir = c.resolve(c.DataDir)
	for i := range c.Peers {
		c.Peers[i].TLSCACert = c.resolve(c.Peers[i].TLSCACert)
	}
	for i := range c.Identities {
		c.Identities[i].Cert = c.resolve(c.Identities[i].Cert)
		c.Identities[i].Key = c.resolve(c.Identities[i].Key)
	}
}

func (c *Config) resolve(p string) string {
	if p == "" || filepath.IsAbs(p) || c.BaseDir == "" {
		return p
	}
	return filepath.Join(c.BaseDir, p)
}
