package netctl

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"
)

// Network ties the topology, the file layout and the persisted state together.
type Network struct {
	T   *Topology
	L   Layout
	S   *State
	Log *slog.Logger

	// mu guards S: Up runs its steps for orgs, orderers and peers in parallel
	// goroutines. Read and write S only through the helpers below (or with mu held).
	mu sync.Mutex
}

// Open loads the topology and the state.
func Open(topologyFile string, l Layout, log *slog.Logger) (*Network, error) {
	t, err := LoadTopology(topologyFile)
	if err != nil {
		return nil, err
	}
	s, err := loadState(l)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", l.State(), err)
	}
	return &Network{T: t, L: l, S: s, Log: log}, nil
}

func (n *Network) saveState() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.S.save(n.L)
}

func (n *Network) setCAPassword(org, pw string) {
	n.mu.Lock()
	n.S.CAPasswords[org] = pw
	n.mu.Unlock()
	_ = n.saveState()
}

// caPassword is the bootstrap registrar's password of the org's CA ("" if not
// yet generated).
func (n *Network) caPassword(org string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.S.CAPasswords[org]
}

// chaincodeState returns a copy of the deployed chaincode definition.
func (n *Network) chaincodeState() ChaincodeState {
	n.mu.Lock()
	defer n.mu.Unlock()
	cs := n.S.Chaincode
	cs.PackageIDs = make(map[string]string, len(n.S.Chaincode.PackageIDs))
	for k, v := range n.S.Chaincode.PackageIDs {
		cs.PackageIDs[k] = v
	}
	return cs
}

func (n *Network) enrolled(org string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.S.Enrolled[org]
}

func (n *Network) markEnrolled(org string) {
	n.mu.Lock()
	n.S.Enrolled[org] = true
	n.mu.Unlock()
	_ = n.saveState()
}

// tlsClient returns an HTTPS client trusting the given CA file, presenting the
// optional client certificate (the operations /metrics and /logspec endpoints
// require one when TLS is on).
func tlsClient(caFile string, client ...TLSFiles) (*http.Client, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no certificates", caFile)
	}
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	for _, c := range client {
		kp, err := tls.LoadX509KeyPair(c.Cert, c.Key)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = append(cfg.Certificates, kp)
	}
	return &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}, nil
}

// healthz asks a node's operations endpoint (TLS) whether it is healthy.
func healthz(addr, caFile string) error {
	c, err := tlsClient(caFile)
	if err != nil {
		return err
	}
	resp, err := c.Get("https://" + addr + "/healthz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz %d: %s", resp.StatusCode, body)
	}
	return nil
}

// waitHealthy polls a node's /healthz until it answers OK, its process dies, or
// 60 s pass.
func (n *Network) waitHealthy(ctx context.Context, name, opsAddr, caFile string) error {
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		if last = healthz(opsAddr, caFile); last == nil {
			return nil
		}
		if _, ok := running(n.L, name); !ok {
			return fmt.Errorf("%s exited during start-up; see %s", name, n.L.Log(name))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s not healthy after 60s (%v); see %s", name, last, n.L.Log(name))
}

// parallel runs f for every item concurrently and returns the first error.
func parallel[T any](items []T, f func(T) error) error {
	errs := make(chan error, len(items))
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Add(1)
		go func(it T) {
			defer wg.Done()
			errs <- f(it)
		}(it)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
