package netctl

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// Port layout inside a node's block of ten (base_port + offset + k).
const (
	portListen    = 0 // peer/orderer gRPC
	portAdmin     = 1 // orderer channel participation API (mutual TLS)
	portChaincode = 1 // peer chaincode listener (unused by ccaas, but bound)
	portOps       = 2 // operations: /healthz, /metrics, /logspec
	portPprof     = 3 // Go pprof, only with GOVCHAIN_PPROF=1 (plain HTTP, loopback)
)

// pprofEnabled reports whether peers and orderers should serve Go's pprof
// endpoints (GOVCHAIN_PPROF=1): for profiling under the benchmark, never on by
// default because the endpoint has no authentication.
func pprofEnabled() bool { return os.Getenv("GOVCHAIN_PPROF") == "1" }

// ordererProc writes the orderer's config and returns its process description.
func (n *Network) ordererProc(o Org, nd Node) (Proc, error) {
	id := nodeID(o, nd)
	dir := n.L.NodeDir(id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Proc{}, err
	}
	tls := n.L.NodeTLS(o.Name, nd.Name)
	err := editYAML(filepath.Join(n.L.Bin, "config", "orderer.yaml"), filepath.Join(dir, "orderer.yaml"), map[string]any{
		"General.ListenAddress":             n.T.Host,
		"General.ListenPort":                n.T.Port(nd.Offset + portListen),
		"General.TLS.Enabled":               true,
		"General.TLS.PrivateKey":            tls.Key,
		"General.TLS.Certificate":           tls.Cert,
		"General.TLS.RootCAs":               []string{tls.CA},
		"General.TLS.ClientAuthRequired":    false,
		"General.Cluster.ClientCertificate": tls.Cert,
		"General.Cluster.ClientPrivateKey":  tls.Key,
		// A follower forwards a transaction to the leader it knows; if that leader has
		// just died, the client waits this long (Fabric: 7 s) before trying again.
		"General.Cluster.RPCTimeout":        "2s",
		"General.BootstrapMethod":           "none",
		"General.BootstrapFile":             "",
		"General.LocalMSPDir":               n.L.NodeMSP(o.Name, nd.Name),
		"General.LocalMSPID":                o.MSPID,
		"General.Profile.Enabled":           pprofEnabled(),
		"General.Profile.Address":           n.T.Addr(nd.Offset + portPprof),
		"FileLedger.Location":               filepath.Join(dir, "ledger"),
		"Consensus.WALDir":                  filepath.Join(dir, "etcdraft", "wal"),
		"Consensus.SnapDir":                 filepath.Join(dir, "etcdraft", "snapshot"),
		"Operations.ListenAddress":          n.T.Addr(nd.Offset + portOps),
		"Operations.TLS.Enabled":            true,
		"Operations.TLS.Certificate":        tls.Cert,
		"Operations.TLS.PrivateKey":         tls.Key,
		"Operations.TLS.ClientAuthRequired": false,
		"Operations.TLS.ClientRootCAs":      []string{tls.CA},
		"Metrics.Provider":                  "prometheus",
		"Admin.ListenAddress":               n.T.Addr(nd.Offset + portAdmin),
		"Admin.TLS.Enabled":                 true,
		"Admin.TLS.Certificate":             tls.Cert,
		"Admin.TLS.PrivateKey":              tls.Key,
		"Admin.TLS.ClientAuthRequired":      true,
		"Admin.TLS.ClientRootCAs":           []string{tls.CA},
		"ChannelParticipation.Enabled":      true,
	})
	if err != nil {
		return Proc{}, err
	}
	return Proc{
		Name:  id,
		Bin:   n.L.BinPath("orderer"),
		Env:   append([]string{"FABRIC_CFG_PATH=" + dir, "FABRIC_LOGGING_SPEC=" + n.logSpec()}, n.T.GoEnv()...),
		Dir:   dir,
		Ports: []int{n.T.Port(nd.Offset + portListen), n.T.Port(nd.Offset + portAdmin), n.T.Port(nd.Offset + portOps)},
	}, nil
}

// peerProc writes the peer's core.yaml and returns its process description.
func (n *Network) peerProc(o Org, nd Node) (Proc, error) {
	id := nodeID(o, nd)
	dir := n.L.NodeDir(id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Proc{}, err
	}
	tls := n.L.NodeTLS(o.Name, nd.Name)
	addr := n.T.Addr(nd.Offset + portListen)
	err := editYAML(filepath.Join(n.L.Bin, "config", "core.yaml"), filepath.Join(dir, "core.yaml"), map[string]any{
		"peer.id":                       id,
		"peer.networkId":                "govchain",
		"peer.listenAddress":            addr,
		"peer.address":                  addr,
		"peer.chaincodeListenAddress":   n.T.Addr(nd.Offset + portChaincode),
		"peer.chaincodeAddress":         n.T.Addr(nd.Offset + portChaincode),
		"peer.gossip.bootstrap":         addr,
		"peer.gossip.externalEndpoint":  addr,
		"peer.gossip.useLeaderElection": true,
		// Peers start together, so the first dial of another org's anchor peer often
		// fails; Fabric's 25 s reconnect interval would then leave discovery blind
		// to that org for half a minute. On one host, retry and publish quickly.
		"peer.gossip.reconnectInterval":        "2s",
		"peer.gossip.aliveTimeInterval":        "2s",
		"peer.gossip.publishStateInfoInterval": "1s",
		"peer.gossip.requestStateInfoInterval": "1s",
		"peer.gossip.orgLeader":                false,
		"peer.tls.enabled":                     true,
		"peer.tls.clientAuthRequired":          false,
		"peer.tls.cert.file":                   tls.Cert,
		"peer.tls.key.file":                    tls.Key,
		"peer.tls.rootcert.file":               tls.CA,
		"peer.tls.clientCert.file":             tls.Cert,
		"peer.tls.clientKey.file":              tls.Key,
		"peer.fileSystemPath":                  filepath.Join(dir, "data"),
		"peer.mspConfigPath":                   n.L.NodeMSP(o.Name, nd.Name),
		"peer.localMspId":                      o.MSPID,
		"peer.gateway.enabled":                 true,
		// A transaction sent to an orderer that lost its Raft leader waits in Broadcast
		// until a new one is elected (~2 s here); Fabric's gateway service tries the next
		// orderer only after broadcastTimeout (default 10 s), which clerks then wait.
		"peer.gateway.broadcastTimeout": "3s",
		// The HTTP gateway pings idle connections every 10 s to notice a dead peer;
		// Fabric's default 60 s minimum would close them (too_many_pings).
		"peer.keepalive.minInterval":              "5s",
		"peer.limits.concurrency.gatewayService":  n.T.PeerLimits.GatewayConcurrency,
		"peer.limits.concurrency.endorserService": n.T.PeerLimits.EndorserConcurrency,
		"peer.limits.concurrency.deliverService":  n.T.PeerLimits.DeliverConcurrency,
		"vm.endpoint":                             "",
		"chaincode.externalBuilders": []map[string]any{{
			"name":                 "govchain-ccaas",
			"path":                 n.L.Builder(),
			"propagateEnvironment": []string{"GOVCHAIN_CCAAS_CLIENT_CERT", "GOVCHAIN_CCAAS_CLIENT_KEY", "GOVCHAIN_CCAAS_ROOT_CERT"},
		}},
		"ledger.state.stateDatabase": "goleveldb",
		// Purged private data (erasure) leaves the private data store at the next block,
		// not after Fabric's default 100.
		"ledger.pvtdataStore.purgeInterval":  1,
		"ledger.snapshots.rootDir":           filepath.Join(dir, "snapshots"),
		"operations.listenAddress":           n.T.Addr(nd.Offset + portOps),
		"operations.tls.enabled":             true,
		"operations.tls.cert.file":           tls.Cert,
		"operations.tls.key.file":            tls.Key,
		"operations.tls.clientAuthRequired":  false,
		"operations.tls.clientRootCAs.files": []string{tls.CA},
		"metrics.provider":                   "prometheus",
		"peer.profile.enabled":               pprofEnabled(),
		"peer.profile.listenAddress":         n.T.Addr(nd.Offset + portPprof),
	})
	if err != nil {
		return Proc{}, err
	}
	return Proc{
		Name: id,
		Bin:  n.L.BinPath("peer"),
		Args: []string{"node", "start"},
		Env: append([]string{
			"FABRIC_CFG_PATH=" + dir,
			"FABRIC_LOGGING_SPEC=" + n.logSpec(),
			// The ccaas builder's release step reads these to give the peer its
			// mutual-TLS client credentials for the chaincode server, so no key
			// ever travels inside a chaincode package.
			"GOVCHAIN_CCAAS_CLIENT_CERT=" + tls.Cert,
			"GOVCHAIN_CCAAS_CLIENT_KEY=" + tls.Key,
			"GOVCHAIN_CCAAS_ROOT_CERT=" + n.L.CACert(o.Name),
		}, n.T.GoEnv()...),
		Dir:   dir,
		Ports: []int{n.T.Port(nd.Offset + portListen), n.T.Port(nd.Offset + portChaincode), n.T.Port(nd.Offset + portOps)},
	}, nil
}

func (n *Network) logSpec() string {
	if v := os.Getenv("GOVCHAIN_FABRIC_LOGGING_SPEC"); v != "" {
		return v
	}
	// INFO, except the loggers that write a line per transaction (endorser: "finished
	// chaincode", gateway: "Sending transaction to orderer", gRPC: every call) or per
	// failed sub-policy; the gateway's request log has the transaction ids.
	return "info:gossip,comm.grpc.server,cauthdsl,policies,endorser,gateway=warning"
}

// startOrderers starts every orderer and waits until each is healthy.
func (n *Network) startOrderers(ctx context.Context) error {
	o := n.T.OrdererOrg()
	return parallel(o.Orderers, func(nd Node) error {
		p, err := n.ordererProc(o, nd)
		if err != nil {
			return err
		}
		if _, err := start(n.L, n.T.Host, p); err != nil {
			return err
		}
		return n.waitHealthy(ctx, p.Name, n.T.Addr(nd.Offset+portOps), n.L.CACert(o.Name))
	})
}

// startPeers starts every peer and waits until each is healthy.
func (n *Network) startPeers(ctx context.Context) error {
	return parallel(n.T.PeerNodes(), func(x PeerNode) error {
		p, err := n.peerProc(x.Org, x.Node)
		if err != nil {
			return err
		}
		if _, err := start(n.L, n.T.Host, p); err != nil {
			return err
		}
		return n.waitHealthy(ctx, p.Name, n.T.Addr(x.Node.Offset+portOps), n.L.CACert(x.Org.Name))
	})
}

// peerEnv is the environment for the peer CLI acting as the org admin against
// the given peer.
func (n *Network) peerEnv(o Org, nd Node) []string {
	return []string{
		"FABRIC_CFG_PATH=" + n.L.NodeDir(nodeID(o, nd)),
		"CORE_PEER_LOCALMSPID=" + o.MSPID,
		"CORE_PEER_MSPCONFIGPATH=" + n.L.UserMSP(o.Name, "admin"),
		"CORE_PEER_ADDRESS=" + n.T.Addr(nd.Offset+portListen),
		"CORE_PEER_TLS_ENABLED=true",
		"CORE_PEER_TLS_ROOTCERT_FILE=" + n.L.CACert(o.Name),
		"FABRIC_LOGGING_SPEC=warning",
	}
}

// ordererArgs are the peer CLI flags to reach the first orderer over TLS.
func (n *Network) ordererArgs() []string {
	o := n.T.OrdererOrg()
	return []string{"-o", n.T.Addr(o.Orderers[0].Offset + portListen), "--tls", "--cafile", n.L.CACert(o.Name)}
}

func describe(o Org, nd Node) string { return fmt.Sprintf("%s (%s)", nodeID(o, nd), o.MSPID) }

// CLIEnv is the environment for Fabric's peer CLI acting as the given user of
// an org ("admin" or a user name from the topology) against the org's first
// peer. Tests and operators use it with `peer chaincode query|invoke`.
func (n *Network) CLIEnv(org, user string) ([]string, error) {
	o, ok := n.T.Org(org)
	if !ok || len(o.Peers) == 0 {
		return nil, fmt.Errorf("no peer org %q", org)
	}
	// The later assignment wins in exec's environment.
	return append(n.peerEnv(o, o.Peers[0]), "CORE_PEER_MSPCONFIGPATH="+n.L.UserMSP(o.Name, user)), nil
}

// OrdererFlags are the peer CLI flags to reach the ordering service over TLS.
func (n *Network) OrdererFlags() []string { return n.ordererArgs() }

// PeerFlags are the peer CLI --peerAddresses/--tlsRootCertFiles flags for the
// named orgs' first peers.
func (n *Network) PeerFlags(orgs ...string) []string {
	var out []string
	for _, name := range orgs {
		if o, ok := n.T.Org(name); ok && len(o.Peers) > 0 {
			out = append(out, "--peerAddresses", n.T.Addr(o.Peers[0].Offset+portListen), "--tlsRootCertFiles", n.L.CACert(o.Name))
		}
	}
	return out
}
