package config

import (
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/govchain/govchain/internal/fabricid"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Orgs are the short org names API keys and identities may use.
var Orgs = []string{"market", "tax", "notary", "audit"}

// Roles are the role names API keys and identities may use.
var Roles = []string{"registrar", "invoice-issuer", "finance", "depositor", "notary", "auditor", "admin"}

// Validate checks the whole configuration and reports every problem at once, each naming
// the offending entry. It reads the certificate and key files it refers to.
func (c *Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		add("listen %q: want host:port", c.Listen)
	}
	if c.DebugListen != "" {
		host, _, err := net.SplitHostPort(c.DebugListen)
		if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
			add("debug_listen %q: want a loopback host:port such as 127.0.0.1:6060 (pprof has no authentication)", c.DebugListen)
		}
	}
	if c.Channel == "" {
		add("channel: must not be empty")
	}
	if c.Chaincode == "" {
		add("chaincode: must not be empty")
	}
	if c.DataDir == "" {
		add("data_dir: must not be empty")
	}
	if _, err := ParseLogLevel(c.LogLevel); err != nil {
		add("log_level: %v", err)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"timeouts.evaluate", c.Timeouts.Evaluate}, {"timeouts.endorse", c.Timeouts.Endorse},
		{"timeouts.submit", c.Timeouts.Submit}, {"timeouts.commit_status", c.Timeouts.CommitStatus},
		{"timeouts.request", c.Timeouts.Request}, {"timeouts.write_deadline", c.Timeouts.WriteDeadline},
		{"timeouts.pending_deadline", c.Timeouts.PendingDeadline}, {"timeouts.shutdown", c.Timeouts.Shutdown},
		{"timeouts.signing", c.Timeouts.Signing},
		{"idempotency_ttl", c.IdempotencyTTL}, {"retry.initial_backoff", c.Retry.InitialBackoff},
		{"retry.max_backoff", c.Retry.MaxBackoff}, {"verification_interval", c.VerificationInterval},
	} {
		if d.v <= 0 {
			add("%s: must be positive, got %v", d.name, d.v)
		}
	}
	if c.Timeouts.WriteDeadline < c.Timeouts.Endorse+c.Timeouts.Submit {
		add("timeouts.write_deadline %v: must be at least endorse + submit (%v)", c.Timeouts.WriteDeadline, c.Timeouts.Endorse+c.Timeouts.Submit)
	}
	if c.Timeouts.PendingDeadline < c.Timeouts.WriteDeadline {
		add("timeouts.pending_deadline %v: must be at least write_deadline (%v)", c.Timeouts.PendingDeadline, c.Timeouts.WriteDeadline)
	}
	if c.Limits.MaxJSONBytes <= 0 {
		add("limits.max_json_bytes: must be positive, got %d", c.Limits.MaxJSONBytes)
	}
	if c.Limits.MaxUploadBytes <= 0 {
		add("limits.max_upload_bytes: must be positive, got %d", c.Limits.MaxUploadBytes)
	}
	if c.Retry.MaxAttempts < 1 || c.Retry.MaxAttempts > 10 {
		add("retry.max_attempts: must be 1..10, got %d", c.Retry.MaxAttempts)
	}
	for i, o := range c.CORSOrigins {
		if err := checkOrigin(o); err != nil {
			add("cors_origins[%d] %q: %v", i, o, err)
		}
	}

	errs = append(errs, c.validatePeers()...)
	errs = append(errs, c.validateOrderers()...)
	errs = append(errs, c.validateIdentities()...)
	errs = append(errs, c.validateAPIKeys()...)
	errs = append(errs, c.validateIndex()...)
	errs = append(errs, c.validateCAs()...)
	errs = append(errs, c.validateLicence()...)
	return errors.Join(errs...)
}

// validateCAs checks cas[]: one per org, each for an org with an admin identity (whose route
// the enrolled identities take), an https URL, readable TLS roots and a registrar key that
// matches its certificate.
func (c *Config) validateCAs() []error {
	var errs []error
	seen := map[string]bool{}
	for i, ca := range c.CAs {
		where := fmt.Sprintf("cas[%d] (%s)", i, ca.Org)
		if !slices.Contains(Orgs, ca.Org) {
			errs = append(errs, fmt.Errorf("%s: org %q: want one of %s", where, ca.Org, strings.Join(Orgs, ", ")))
		}
		if seen[ca.Org] {
			errs = append(errs, fmt.Errorf("%s: duplicate CA for org %s", where, ca.Org))
		}
		seen[ca.Org] = true
		if _, ok := c.Identity(ca.Org, "admin"); !ok {
			errs = append(errs, fmt.Errorf("%s: no identity for org %q role admin (its admin manages the identities; its peers are theirs)", where, ca.Org))
		}
		if u, err := url.Parse(ca.URL); err != nil || u.Scheme != "https" || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s: url %q: want https://host:port", where, ca.URL))
		}
		if _, err := fabricid.ReadCertificates(ca.TLSCACert); err != nil {
			errs = append(errs, fmt.Errorf("%s: tls_ca_cert: %v", where, err))
		}
		cert, err := fabricid.ReadCertificate(ca.RegistrarCert)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: registrar_cert: %v", where, err))
		}
		key, err := fabricid.ReadPrivateKey(ca.RegistrarKey)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: registrar_key: %v", where, err))
		}
		if cert != nil && key != nil {
			if err := fabricid.KeyMatchesCertificate(key, cert); err != nil {
				errs = append(errs, fmt.Errorf("%s: registrar_key %s: %v", where, ca.RegistrarKey, err))
			}
		}
	}
	return errs
}

func (c *Config) validatePeers() []error {
	var errs []error
	if len(c.Peers) == 0 {
		return []error{errors.New("peers: at least one peer is required")}
	}
	seen := map[string]bool{}
	for i, p := range c.Peers {
		where := fmt.Sprintf("peers[%d] (%s)", i, p.Name)
		if p.Name == "" {
			errs = append(errs, fmt.Errorf("peers[%d]: name must not be empty", i))
		} else if seen[p.Name] {
			errs = append(errs, fmt.Errorf("%s: duplicate peer name", where))
		}
		seen[p.Name] = true
		if p.MSPID == "" {
			errs = append(errs, fmt.Errorf("%s: msp_id must not be empty", where))
		}
		if _, _, err := net.SplitHostPort(p.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("%s: endpoint %q: want host:port", where, p.Endpoint))
		}
		if p.TLSCACert == "" {
			errs = append(errs, fmt.Errorf("%s: tls_ca_cert must not be empty (TLS is required)", where))
		} else if _, err := fabricid.ReadCertificates(p.TLSCACert); err != nil {
			errs = append(errs, fmt.Errorf("%s: tls_ca_cert: %v", where, err))
		}
	}
	return errs
}

// validateOrderers checks the optional orderers (used only to publish CRLs into the
// channel configuration).
func (c *Config) validateOrderers() []error {
	var errs []error
	seen := map[string]bool{}
	for i, o := range c.Orderers {
		where := fmt.Sprintf("orderers[%d] (%s)", i, o.Name)
		if o.Name == "" {
			errs = append(errs, fmt.Errorf("orderers[%d]: name must not be empty", i))
		} else if seen[o.Name] {
			errs = append(errs, fmt.Errorf("%s: duplicate orderer name", where))
		}
		seen[o.Name] = true
		if _, _, err := net.SplitHostPort(o.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("%s: endpoint %q: want host:port", where, o.Endpoint))
		}
		if o.TLSCACert == "" {
			errs = append(errs, fmt.Errorf("%s: tls_ca_cert must not be empty (TLS is required)", where))
		} else if _, err := fabricid.ReadCertificates(o.TLSCACert); err != nil {
			errs = append(errs, fmt.Errorf("%s: tls_ca_cert: %v", where, err))
		}
	}
	return errs
}

func (c *Config) validateIdentities() []error {
	var errs []error
	if len(c.Identities) == 0 {
		return []error{errors.New("identities: at least one identity is required")}
	}
	seen := map[string]bool{}
	for i, id := range c.Identities {
		where := fmt.Sprintf("identities[%d] (%s)", i, id.Label())
		if !slices.Contains(Orgs, id.Org) {
			errs = append(errs, fmt.Errorf("%s: org %q: want one of %s", where, id.Org, strings.Join(Orgs, ", ")))
		}
		if !slices.Contains(Roles, id.Role) {
			errs = append(errs, fmt.Errorf("%s: role %q: want one of %s", where, id.Role, strings.Join(Roles, ", ")))
		}
		k := id.Label()
		if seen[k] {
			if id.Name != "" {
				errs = append(errs, fmt.Errorf("%s: duplicate identity for org %s role %s name %s", where, id.Org, id.Role, id.Name))
			} else {
				errs = append(errs, fmt.Errorf("%s: duplicate identity for org %s role %s", where, id.Org, id.Role))
			}
		}
		if id.Name != "" && !validName(id.Name) {
			errs = append(errs, fmt.Errorf("%s: name %q: want 1 to 64 letters, digits, '-' or '_'", where, id.Name))
		}
		switch id.Signing {
		case "", SigningServer, SigningClient:
		default:
			errs = append(errs, fmt.Errorf("%s: signing %q: want server (the gateway holds the key) or client (the key holder signs through /api/v1/signing)", where, id.Signing))
		}
		seen[k] = true
		if id.MSPID == "" {
			errs = append(errs, fmt.Errorf("%s: msp_id must not be empty", where))
		}
		errs = append(errs, c.validateRoute(where, id)...)
		cert, err := fabricid.ReadCertificate(id.Cert)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: cert: %v", where, err))
		}
		var key crypto.PrivateKey
		switch {
		case id.ClientSigned() && id.Key != "":
			errs = append(errs, fmt.Errorf("%s: key: must be absent for signing: client (only the key holder has the key)", where))
		case id.ClientSigned():
		case id.Key == "":
			errs = append(errs, fmt.Errorf("%s: key: must be set (signing: server needs the private key; an identity whose key the gateway must not hold is signing: client)", where))
		default:
			key, err = fabricid.ReadPrivateKey(id.Key)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: key: %v", where, err))
			}
		}
		if cert != nil && key != nil {
			if err := fabricid.KeyMatchesCertificate(key, cert); err != nil {
				errs = append(errs, fmt.Errorf("%s: key %s: %v", where, id.Key, err))
			}
		}
		if cert != nil {
			for _, err := range checkIdentityCertificate(id, cert) {
				errs = append(errs, fmt.Errorf("%s: %v", where, err))
			}
		}
		if home, ok := c.Peer(id.Home()); ok && id.MSPID != "" && home.MSPID != id.MSPID {
			errs = append(errs, fmt.Errorf("%s: its own peer %s (the first of its route) belongs to %s, not %s", where, home.Name, home.MSPID, id.MSPID))
		}
	}
	return errs
}

// validateRoute checks an identity's peers: peer, peers or both (then peer is the first of
// peers), each a configured peer, none twice.
func (c *Config) validateRoute(where string, id Identity) []error {
	var errs []error
	if id.Peer == "" && len(id.Peers) == 0 {
		return []error{fmt.Errorf("%s: peer or peers must be set", where)}
	}
	if id.Peer != "" && len(id.Peers) > 0 && id.Peers[0] != id.Peer {
		errs = append(errs, fmt.Errorf("%s: peer %q must be the first of peers %v (its own peer comes first)", where, id.Peer, id.Peers))
	}
	if id.Peer != "" {
		if _, ok := c.Peer(id.Peer); !ok {
			errs = append(errs, fmt.Errorf("%s: peer %q is not among peers", where, id.Peer))
		}
	}
	seen := map[string]bool{}
	for j, name := range id.Peers {
		if _, ok := c.Peer(name); !ok {
			errs = append(errs, fmt.Errorf("%s: peers[%d] %q is not among peers", where, j, name))
		}
		if seen[name] {
			errs = append(errs, fmt.Errorf("%s: peers[%d] %q is listed twice", where, j, name))
		}
		seen[name] = true
	}
	return errs
}

func (c *Config) validateAPIKeys() []error {
	var errs []error
	if len(c.APIKeys) == 0 {
		errs = append(errs, errors.New("api_keys: at least one API key is required"))
	}
	seen := map[string]bool{}
	for i := range c.APIKeys {
		k := &c.APIKeys[i]
		k.SHA256 = strings.ToLower(strings.TrimSpace(k.SHA256))
		where := fmt.Sprintf("api_keys[%d] (sha256 %s, %s/%s)", i, shortHash(k.SHA256), k.Org, k.Role)
		if b, err := hex.DecodeString(k.SHA256); err != nil || len(b) != 32 {
			errs = append(errs, fmt.Errorf("%s: sha256 must be 64 hex characters (the SHA-256 of the key, never the key itself)", where))
		} else if seen[k.SHA256] {
			errs = append(errs, fmt.Errorf("%s: duplicate key hash", where))
		}
		seen[k.SHA256] = true
		if _, ok := c.NamedIdentity(k.Org, k.Role, k.Identity); !ok {
			if k.Identity != "" {
				errs = append(errs, fmt.Errorf("%s: no identity for org %q role %q name %q", where, k.Org, k.Role, k.Identity))
			} else {
				errs = append(errs, fmt.Errorf("%s: no identity for org %q role %q", where, k.Org, k.Role))
			}
		}
	}
	return errs
}

func shortHash(h string) string {
	if len(h) > 8 {
		return h[:8] + "…"
	}
	return h
}

func checkOrigin(o string) error {
	if o == "*" {
		return nil
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return errors.New(`want "*" or scheme://host[:port]`)
	}
	return nil
}

// ParseLogLevel turns debug|info|warn|error into a slog level.
func ParseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	switch strings.ToLower(s) {
	case "debug", "info", "warn", "error":
		return l, l.UnmarshalText([]byte(s))
	}
	return l, fmt.Errorf("%q: want debug, info, warn or error", s)
}

// validName accepts identity names: 1 to 64 letters, digits, '-' or '_'.
func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
