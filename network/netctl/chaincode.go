package netctl

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ccServerName is the process name of an org's chaincode server.
func ccServerName(o Org) string { return "cc." + o.Name }

// buildChaincode compiles the chaincode server into bin/ and returns the
// version: the first 12 hex digits of the binary's SHA-256, so a changed
// binary means a new package label and a new definition sequence.
func (n *Network) buildChaincode() (string, error) {
	out := n.L.BinPath("govchain-cc")
	pkg := "./chaincode/cmd/govchain-cc"
	if v := os.Getenv("GOVCHAIN_CHAINCODE_PKG"); v != "" {
		pkg = v // another chaincode main package, for experiments
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
	cmd.Dir = n.L.Root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build chaincode: %w\n%s", err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// connectionJSON is what the peer's ccaas builder needs to dial the org's
// chaincode server. TLS credentials are not in it: the builder's release step
// adds the peer's own client certificate at install time.
type connectionJSON struct {
	Address            string `json:"address"`
	DialTimeout        string `json:"dial_timeout"`
	TLSRequired        bool   `json:"tls_required"`
	ClientAuthRequired bool   `json:"client_auth_required"`
	ClientKey          string `json:"client_key,omitempty"`
	ClientCert         string `json:"client_cert,omitempty"`
	RootCert           string `json:"root_cert,omitempty"`
}

// writePackage writes a ccaas chaincode package for the org and returns its path.
// The archive is byte-for-byte reproducible (fixed times and order), so its
// package ID is stable.
func (n *Network) writePackage(o Org, label string) (string, error) {
	conn, err := json.MarshalIndent(connectionJSON{
		Address: n.T.Addr(o.ChaincodeOffset), DialTimeout: "10s",
		TLSRequired: true, ClientAuthRequired: true,
	}, "", "  ")
	if err != nil {
		return "", err
	}
	code, err := tgz([]tarFile{{"connection.json", conn}})
	if err != nil {
		return "", err
	}
	meta, _ := json.Marshal(map[string]string{"type": "ccaas", "label": label})
	pkg, err := tgz([]tarFile{{"metadata.json", meta}, {"code.tar.gz", code}})
	if err != nil {
		return "", err
	}
	dir := n.L.ChaincodeDir(o.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, label+".tar.gz")
	return path, os.WriteFile(path, pkg, 0o644)
}

type tarFile struct {
	name string
	body []byte
}

func tgz(files []tarFile) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		hdr := &tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ccServerProc describes an org's chaincode server (mutual TLS with its peers).
func (n *Network) ccServerProc(o Org, packageID string) Proc {
	tls := n.L.NodeTLS(o.Name, "ccserver")
	return Proc{
		Name: ccServerName(o),
		Bin:  n.L.BinPath("govchain-cc"),
		Env: append([]string{
			"CHAINCODE_ID=" + packageID,
			"CHAINCODE_SERVER_ADDRESS=" + n.T.Addr(o.ChaincodeOffset),
			"CHAINCODE_TLS_CERT=" + tls.Cert,
			"CHAINCODE_TLS_KEY=" + tls.Key,
			"CHAINCODE_TLS_CLIENT_CACERT=" + n.L.CACert(o.Name),
		}, n.T.GoEnv()...),
		Dir:   n.L.Root,
		Ports: []int{n.T.Port(o.ChaincodeOffset)},
	}
}

// startCCServers (re)starts each org's chaincode server with its package ID and
// waits until each accepts connections.
func (n *Network) startCCServers(ctx context.Context, restart bool) error {
	return parallel(n.T.PeerOrgs(), func(o Org) error {
		id := n.packageID(o.Name)
		if id == "" {
			return nil
		}
		if restart {
			if _, err := stop(n.L, ccServerName(o), 5*time.Second); err != nil {
				return err
			}
		}
		if _, err := start(n.L, n.T.Host, n.ccServerProc(o, id)); err != nil {
			return err
		}
		return n.waitListening(ctx, ccServerName(o), n.T.Addr(o.ChaincodeOffset))
	})
}

func (n *Network) waitListening(ctx context.Context, name, addr string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if _, ok := running(n.L, name); !ok {
			return fmt.Errorf("%s exited during start-up; see %s", name, n.L.Log(name))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s not listening on %s after 30s; see %s", name, addr, n.L.Log(name))
}

func (n *Network) packageID(org string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.S.Chaincode.PackageIDs[org]
}

// Deploy builds the chaincode and, when the binary changed (or nothing is
// deployed yet), packages it per org, (re)starts the chaincode servers,
// installs on every peer, approves for every org and commits the definition with
// the next sequence. Unchanged code leaves the definition alone.
func (n *Network) Deploy(ctx context.Context) error {
	binVersion, err := n.buildChaincode()
	if err != nil {
		return err
	}
	collPath, collJSON, err := n.writeCollections()
	if err != nil {
		return err
	}
	// The definition changes with the binary or the collections: both go into the version.
	sum := sha256.Sum256(append([]byte(binVersion+"\n"), collJSON...))
	version := hex.EncodeToString(sum[:])[:12]
	cc := n.T.Chaincode
	committed, err := n.committedSequence()
	if err != nil {
		return err
	}
	if cur := n.chaincodeState(); cur.Version == version && committed > 0 && committed == cur.Sequence {
		n.Log.Info("chaincode unchanged", "name", cc.Name, "version", version, "sequence", committed)
		return n.startCCServers(ctx, false)
	}
	label := cc.Name + "_" + version
	seq := committed + 1
	n.Log.Info("deploying chaincode", "name", cc.Name, "label", label, "sequence", seq)
	ids := map[string]string{}
	for _, o := range n.T.PeerOrgs() {
		pkg, err := n.writePackage(o, label)
		if err != nil {
			return err
		}
		out, err := run(n.peerEnv(o, o.Peers[0]), "", n.L.BinPath("peer"), "lifecycle", "chaincode", "calculatepackageid", pkg)
		if err != nil {
			return err
		}
		ids[o.Name] = strings.TrimSpace(string(out))
	}
	n.mu.Lock()
	n.S.Chaincode = ChaincodeState{Label: label, Version: version, Sequence: n.S.Chaincode.Sequence, PackageIDs: ids}
	n.mu.Unlock()
	if err := n.saveState(); err != nil {
		return err
	}
	if err := n.startCCServers(ctx, true); err != nil {
		return err
	}
	err = parallel(n.T.PeerOrgs(), func(o Org) error {
		for _, nd := range o.Peers {
			pkg := filepath.Join(n.L.ChaincodeDir(o.Name), label+".tar.gz")
			out, err := run(n.peerEnv(o, nd), "", n.L.BinPath("peer"), "lifecycle", "chaincode", "install", pkg)
			if err != nil && !strings.Contains(string(out), "already successfully installed") {
				return fmt.Errorf("install on %s: %w", describe(o, nd), err)
			}
		}
		args := append([]string{"lifecycle", "chaincode", "approveformyorg", "-C", n.T.Channel, "-n", cc.Name,
			"--version", version, "--sequence", strconv.FormatInt(seq, 10), "--package-id", ids[o.Name],
			"--signature-policy", cc.EndorsementPolicy, "--collections-config", collPath, "--waitForEventTimeout", "60s"}, n.ordererArgs()...)
		if _, err := n.retryRaft(ctx, n.peerEnv(o, o.Peers[0]), args...); err != nil {
			return fmt.Errorf("approve for %s: %w", o.MSPID, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	args := []string{"lifecycle", "chaincode", "commit", "-C", n.T.Channel, "-n", cc.Name,
		"--version", version, "--sequence", strconv.FormatInt(seq, 10),
		"--signature-policy", cc.EndorsementPolicy, "--collections-config", collPath, "--waitForEventTimeout", "60s"}
	args = append(args, n.ordererArgs()...)
	for _, o := range n.T.PeerOrgs() {
		args = append(args, "--peerAddresses", n.T.Addr(o.Peers[0].Offset+portListen), "--tlsRootCertFiles", n.L.CACert(o.Name))
	}
	first := n.T.PeerOrgs()[0]
	if _, err := n.retryRaft(ctx, n.peerEnv(first, first.Peers[0]), args...); err != nil {
		return fmt.Errorf("commit chaincode definition: %w", err)
	}
	n.mu.Lock()
	n.S.Chaincode.Sequence = seq
	n.mu.Unlock()
	return n.saveState()
}

// retryRaft runs a peer CLI command that goes through the orderer, retrying
// while the Raft cluster has no leader yet (right after a join or a restart).
func (n *Network) retryRaft(ctx context.Context, env []string, args ...string) ([]byte, error) {
	deadline := time.Now().Add(45 * time.Second)
	for {
		out, err := run(env, "", n.L.BinPath("peer"), args...)
		if err == nil {
			return out, nil
		}
		msg := err.Error()
		transient := strings.Contains(msg, "no Raft leader") || strings.Contains(msg, "SERVICE_UNAVAILABLE") ||
			strings.Contains(msg, "connection refused") || strings.Contains(msg, "not connected to a leader")
		if !transient || time.Now().After(deadline) {
			return out, err
		}
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// committedSequence asks the first peer for the committed definition's
// sequence (0 when none is committed).
func (n *Network) committedSequence() (int64, error) {
	o := n.T.PeerOrgs()[0]
	out, err := run(n.peerEnv(o, o.Peers[0]), "", n.L.BinPath("peer"), "lifecycle", "chaincode", "querycommitted",
		"-C", n.T.Channel, "-n", n.T.Chaincode.Name, "-O", "json")
	if err != nil {
		if strings.Contains(string(out), "not found") || strings.Contains(string(out), "is not defined") {
			return 0, nil
		}
		return 0, err
	}
	var def struct {
		Sequence int64 `json:"sequence"`
	}
	if err := json.Unmarshal(out, &def); err != nil {
		return 0, fmt.Errorf("parse querycommitted: %w", err)
	}
	return def.Sequence, nil
}

// waitChaincode waits until the chaincode answers a query on every peer.
func (n *Network) waitChaincode(ctx context.Context) error {
	return parallel(n.T.PeerOrgs(), func(o Org) error {
		deadline := time.Now().Add(60 * time.Second)
		for {
			_, err := run(n.peerEnv(o, o.Peers[0]), "", n.L.BinPath("peer"), "chaincode", "query",
				"-C", n.T.Channel, "-n", n.T.Chaincode.Name, "-c", `{"Args":["org.hyperledger.fabric:GetMetadata"]}`)
			if err == nil {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("chaincode does not answer on %s: %w", describe(o, o.Peers[0]), err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
	})
}
