// Package config loads and validates the gateway's YAML configuration.
//
// Relative file paths in the configuration (data_dir, tls_ca_cert, cert, key) are resolved
// against the directory that holds the configuration file, never against the process's
// working directory, so the gateway behaves the same wherever it is started from.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/govchain/govchain/internal/gatewayconfig"
)

// Config is the whole gateway configuration: the shared file schema plus where it was read
// from.
type Config struct {
	gatewayconfig.File `yaml:",inline"`

	// VerificationInterval is how often the gateway verifies the new blocks of the chain
	// from the audit office's peer (GET /api/v1/ledger/verification); default 1m.
	VerificationInterval time.Duration `yaml:"verification_interval,omitempty"`

	// BaseDir is the directory relative paths were resolved against (the config file's directory).
	BaseDir string `yaml:"-"`
}

// The file schema's parts, shared with netctl, the benchmark and the end-to-end tests.
type (
	Timeouts = gatewayconfig.Timeouts
	Limits   = gatewayconfig.Limits
	Retry    = gatewayconfig.Retry
	Peer     = gatewayconfig.Peer
	Identity = gatewayconfig.Identity
	APIKey   = gatewayconfig.APIKey
	CA       = gatewayconfig.CA
)

// Signing modes of an identity (identities[].signing).
const (
	SigningServer = gatewayconfig.SigningServer
	SigningClient = gatewayconfig.SigningClient
)

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
	cfg.ResolvePaths(cfg.BaseDir)
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return cfg, nil
}

// Parse decodes YAML and fills in defaults. It neither resolves paths nor validates.
func Parse(raw []byte) (*Config, error) {
	cfg := &Config{}
	if err := gatewayconfig.Decode(raw, cfg); err != nil {
		return nil, err
	}
	cfg.applyDefaults()
	return cfg, nil
}

// DBPath is the bbolt file holding idempotency keys and transaction state.
func (c *Config) DBPath() string {
	return filepath.Join(c.DataDir, "gateway.db")
}
