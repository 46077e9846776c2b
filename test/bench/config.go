package main

import (
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// gatewayConfig is the part of data/gateway.yaml (written by `make up`) the benchmark uses.
type gatewayConfig struct {
	Listen     string       `yaml:"listen"`
	Channel    string       `yaml:"channel"`
	Chaincode  string       `yaml:"chaincode"`
	Peers      []peerConfig `yaml:"peers"`
	Identities []idConfig   `yaml:"identities"`
}

type peerConfig struct {
	Name       string `yaml:"name"`
	MSPID      string `yaml:"msp_id"`
	Endpoint   string `yaml:"endpoint"`
	TLSCACert  string `yaml:"tls_ca_cert"`
	ServerName string `yaml:"server_name"`
}

type idConfig struct {
	Org   string `yaml:"org"`
	Role  string `yaml:"role"`
	MSPID string `yaml:"msp_id"`
	Cert  string `yaml:"cert"`
	Key   string `yaml:"key"`
	Peer  string `yaml:"peer"`
}

func loadGatewayConfig(path string) (*gatewayConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w (run `make up` first)", err)
	}
	var c gatewayConfig
	if err := yaml.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if c.Channel == "" || c.Chaincode == "" || len(c.Peers) == 0 || len(c.Identities) == 0 {
		return nil, fmt.Errorf("%s: channel, chaincode, peers and identities are required", path)
	}
	// Relative paths are relative to the config file's directory's parent (the repo root
	// for data/gateway.yaml); make up writes absolute ones.
	base := filepath.Dir(filepath.Dir(path))
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(base, p)
	}
	for i := range c.Peers {
		c.Peers[i].TLSCACert = abs(c.Peers[i].TLSCACert)
	}
	for i := range c.Identities {
		c.Identities[i].Cert = abs(c.Identities[i].Cert)
		c.Identities[i].Key = abs(c.Identities[i].Key)
	}
	return &c, nil
}

func (c *gatewayConfig) identity(org, role string) (idConfig, error) {
	for _, id := range c.Identities {
		if id.Org == org && id.Role == role {
			return id, nil
		}
	}
	return idConfig{}, fmt.Errorf("no identity %s/%s in the gateway config", org, role)
}

func (c *gatewayConfig) peer(name string) (peerConfig, error) {
	for _, p := range c.Peers {
		if p.Name == name {
			return p, nil
		}
	}
	return peerConfig{}, fmt.Errorf("no peer %q in the gateway config", name)
}
