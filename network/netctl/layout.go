package netctl

import (
	"fmt"
	"path/filepath"
)

// Layout names every generated file. Everything lives under Data (git-ignored):
//
//	data/network/orgs/<org>/...   CA home, MSPs, TLS material, users
//	data/network/nodes/<node>/    per-node config and ledger
//	data/network/channel/         configtx.yaml and the genesis block
//	data/network/chaincode/<org>/ ccaas package per org
//	data/network/pids/<node>.pid  PIDs of processes this tool started
//	data/logs/<node>.log          one log file per process
type Layout struct {
	Root string // repository root
	Data string // data/
	Bin  string // bin/ with the Fabric binaries
}

// Net is data/network.
func (l Layout) Net() string { return filepath.Join(l.Data, "network") }

// Org is the directory of an org's crypto material.
func (l Layout) Org(org string) string { return filepath.Join(l.Net(), "orgs", org) }

// RegistrarMSP is the MSP of the gateway's registrar at an org's CA (it registers, enrols
// and revokes the identities an org's admin manages through the gateway).
func (l Layout) RegistrarMSP(org string) string {
	return filepath.Join(l.Org(org), "gateway-registrar", "msp")
}

// CAHome is the fabric-ca-server home of an org.
func (l Layout) CAHome(org string) string { return filepath.Join(l.Org(org), "ca") }

// CACert is the org's root CA certificate; it also roots every TLS certificate of the org.
func (l Layout) CACert(org string) string { return filepath.Join(l.CAHome(org), "ca-cert.pem") }

// OrgMSP is the org's channel MSP directory (cacerts, tlscacerts, config.yaml).
func (l Layout) OrgMSP(org string) string { return filepath.Join(l.Org(org), "msp") }

// NodeCrypto is the crypto directory of a peer, orderer or chaincode server.
func (l Layout) NodeCrypto(org, node string) string {
	return filepath.Join(l.Org(org), "nodes", node)
}

// UserMSP is a user's (or the admin's) MSP directory.
func (l Layout) UserMSP(org, user string) string {
	return filepath.Join(l.Org(org), "users", user, "msp")
}

// UserTLS is a user's TLS client material (used by the orderer admin for osnadmin).
func (l Layout) UserTLS(org, user string) string {
	return filepath.Join(l.Org(org), "users", user, "tls")
}

// NodeDir holds a node's config file and its ledger.
func (l Layout) NodeDir(node string) string { return filepath.Join(l.Net(), "nodes", node) }

// Channel is where configtx.yaml and the genesis block go.
func (l Layout) Channel() string { return filepath.Join(l.Net(), "channel") }

// GenesisBlock is the application channel's genesis block.
func (l Layout) GenesisBlock() string { return filepath.Join(l.Channel(), "genesis.block") }

// ChaincodeDir holds an org's chaincode package.
func (l Layout) ChaincodeDir(org string) string {
	return filepath.Join(l.Net(), "chaincode", org)
}

// Builder is the external builder directory given to the peers.
func (l Layout) Builder() string { return filepath.Join(l.Net(), "builder") }

// PIDFile is where a started process's PID is recorded.
func (l Layout) PIDFile(node string) string {
	return filepath.Join(l.Net(), "pids", node+".pid")
}

// Log is a process's log file.
func (l Layout) Log(node string) string { return filepath.Join(l.Data, "logs", node+".log") }

// State is the JSON file recording what has been generated and deployed.
func (l Layout) State() string { return filepath.Join(l.Net(), "state.json") }

// KeysEnv is the git-ignored file with the dev API keys of every org and role.
func (l Layout) KeysEnv() string { return filepath.Join(l.Data, "keys.env") }

// GatewayConfig is the HTTP gateway's generated configuration.
func (l Layout) GatewayConfig() string { return filepath.Join(l.Data, "gateway.yaml") }

// BinPath is the path of a Fabric binary.
func (l Layout) BinPath(name string) string { return filepath.Join(l.Bin, name) }

// TLSFiles are the three TLS files of a node or user.
type TLSFiles struct{ Cert, Key, CA string }

// NodeTLS returns the TLS files of a node.
func (l Layout) NodeTLS(org, node string) TLSFiles {
	d := filepath.Join(l.NodeCrypto(org, node), "tls")
	return TLSFiles{Cert: filepath.Join(d, "cert.pem"), Key: filepath.Join(d, "key.pem"), CA: filepath.Join(d, "ca.pem")}
}

// NodeMSP returns a node's local MSP directory.
func (l Layout) NodeMSP(org, node string) string {
	return filepath.Join(l.NodeCrypto(org, node), "msp")
}

// nodeID is the process name of a peer ("peer0.market") or orderer ("orderer0").
func nodeID(org Org, n Node) string {
	if org.IsOrderer() {
		return n.Name
	}
	return fmt.Sprintf("%s.%s", n.Name, org.Name)
}
