package main

import (
	"fmt"

	"github.com/govchain/govchain/internal/gatewayconfig"
)

// loadGatewayConfig reads data/gateway.yaml (written by `make up`): the benchmark uses its
// channel, chaincode, peers and identities. Relative paths are relative to the file's
// directory, as for the gateway.
func loadGatewayConfig(path string) (*gatewayconfig.File, error) {
	c, err := gatewayconfig.Read(path)
	if err != nil {
		return nil, fmt.Errorf("%w (run `make up` first)", err)
	}
	if c.Channel == "" || c.Chaincode == "" || len(c.Peers) == 0 || len(c.Identities) == 0 {
		return nil, fmt.Errorf("%s: channel, chaincode, peers and identities are required", path)
	}
	return c, nil
}

func configIdentity(c *gatewayconfig.File, org, role string) (gatewayconfig.Identity, error) {
	if id, ok := c.Identity(org, role); ok {
		return id, nil
	}
	return gatewayconfig.Identity{}, fmt.Errorf("no identity %s/%s in the gateway config", org, role)
}

func configPeer(c *gatewayconfig.File, name string) (gatewayconfig.Peer, error) {
	if p, ok := c.Peer(name); ok {
		return p, nil
	}
	return gatewayconfig.Peer{}, fmt.Errorf("no peer %q in the gateway config", name)
}

func loadKeys(path string) (map[string]string, error) {
	keys, err := gatewayconfig.ReadKeys(path)
	if err != nil {
		return nil, fmt.Errorf("%w (run `make up` first)", err)
	}
	return keys, nil
}
