package netctl

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

func caName(o Org) string { return "ca." + o.Name }

// caProc is the fabric-ca-server process of an org.
func (n *Network) caProc(o Org) Proc {
	return Proc{
		Name:  caName(o),
		Bin:   n.L.BinPath("fabric-ca-server"),
		Args:  []string{"start", "--home", n.L.CAHome(o.Name)},
		Dir:   n.L.CAHome(o.Name),
		Ports: []int{n.T.Port(o.CAOffset), n.T.Port(o.CAOffset + 1)},
	}
}

func (n *Network) caURL(o Org) string { return "https://" + n.T.Addr(o.CAOffset) }

func (n *Network) caHosts(o Org) string {
	return strings.Join([]string{n.T.Host, "localhost", fmt.Sprintf("ca.%s.%s", o.Name, n.T.Domain)}, ",")
}

// ensureCA initialises (first time only) and starts the org's CA with TLS on its
// API and its operations endpoint, then waits until it is healthy.
func (n *Network) ensureCA(ctx context.Context, o Org) error {
	home := n.L.CAHome(o.Name)
	cfg := filepath.Join(home, "fabric-ca-server-config.yaml")
	tlsDir := filepath.Join(home, "tls")
	if _, err := os.Stat(filepath.Join(tlsDir, "key.pem")); err != nil {
		if err := n.bootstrapCA(ctx, o); err != nil {
			return fmt.Errorf("bootstrap %s: %w", caName(o), err)
		}
	}
	if err := editYAML(cfg, cfg, map[string]any{
		"address":                  n.T.Host,
		"port":                     n.T.Port(o.CAOffset),
		"tls.enabled":              true,
		"tls.certfile":             filepath.Join(tlsDir, "cert.pem"),
		"tls.keyfile":              filepath.Join(tlsDir, "key.pem"),
		"operations.listenAddress": n.T.Addr(o.CAOffset + 1),
		"operations.tls.enabled":   true,
		"operations.tls.cert.file": filepath.Join(tlsDir, "cert.pem"),
		"operations.tls.key.file":  filepath.Join(tlsDir, "key.pem"),
		"metrics.provider":         "prometheus",
		"ca.name":                  "ca-" + o.Name,
		"registry.maxenrollments":  -1,
	}); err != nil {
		return err
	}
	if _, err := start(n.L, n.T.Host, n.caProc(o)); err != nil {
		return err
	}
	return n.waitHealthy(ctx, caName(o), n.T.Addr(o.CAOffset+1), n.L.CACert(o.Name))
}

// bootstrapCA runs `fabric-ca-server init`, then starts the server once so that
// it issues its own TLS certificate (signed by the org's root CA), stops it and
// keeps that certificate and its key for the API and operations endpoints.
func (n *Network) bootstrapCA(ctx context.Context, o Org) error {
	home := n.L.CAHome(o.Name)
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	pw := n.caPassword(o.Name)
	if pw == "" {
		pw = randomSecret(16)
		n.setCAPassword(o.Name, pw)
	}
	if _, err := os.Stat(n.L.CACert(o.Name)); err != nil {
		// A minimal config before init: the root certificate's subject and the
		// bootstrap registrar (kept in this 0600 file, not on a command line).
		initial := map[string]any{
			"csr": map[string]any{
				"cn":    fmt.Sprintf("ca.%s.%s", o.Name, n.T.Domain),
				"names": []map[string]string{{"C": "CN", "L": "GovCity", "O": o.MSPID, "OU": "ca"}},
				"hosts": strings.Split(n.caHosts(o), ","),
			},
			"signing": map[string]any{
				"default": map[string]any{"usage": []string{"digital signature"}, "expiry": "8760h"},
				"profiles": map[string]any{
					"ca": map[string]any{"usage": []string{"cert sign", "crl sign"}, "expiry": "43800h",
						"caconstraint": map[string]any{"isca": true, "maxpathlen": 0}},
					"tls": map[string]any{"usage": []string{"signing", "key encipherment", "server auth", "client auth", "key agreement"},
						"expiry": "8760h"},
				},
			},
			"registry": map[string]any{
				"maxenrollments": -1,
				"identities": []map[string]any{{
					"name": "admin", "pass": pw, "type": "client", "affiliation": "",
					"attrs": map[string]any{
						"hf.Registrar.Roles": "*", "hf.Registrar.DelegateRoles": "*", "hf.Registrar.Attributes": "*",
						"hf.Revoker": true, "hf.IntermediateCA": true, "hf.GenCRL": true, "hf.AffiliationMgr": true,
					},
				}},
			},
		}
		b, err := yaml.Marshal(initial)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(home, "fabric-ca-server-config.yaml"), b, 0o600); err != nil {
			return err
		}
		if _, err := run(nil, home, n.L.BinPath("fabric-ca-server"), "init", "--home", home); err != nil {
			return err
		}
	}
	cfg := filepath.Join(home, "fabric-ca-server-config.yaml")
	if err := editYAML(cfg, cfg, map[string]any{
		"address":                  n.T.Host,
		"port":                     n.T.Port(o.CAOffset),
		"tls.enabled":              true,
		"operations.listenAddress": n.T.Addr(o.CAOffset + 1),
		"operations.tls.enabled":   false,
		"ca.name":                  "ca-" + o.Name,
		// enrollOrg removes and registers again an identity an interrupted run left
		// registered with a secret it no longer knows.
		"cfg.identities.allowremove": true,
	}); err != nil {
		return err
	}
	p := n.caProc(o)
	p.Name = caName(o) + "-bootstrap"
	if _, err := start(n.L, n.T.Host, p); err != nil {
		return err
	}
	defer func() { _, _ = stop(n.L, p.Name, 5*time.Second) }()
	tlsCert := filepath.Join(home, "tls-cert.pem")
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(tlsCert); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the CA did not create %s within 20s; see %s", tlsCert, n.L.Log(p.Name))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	time.Sleep(100 * time.Millisecond) // the key is written right after the certificate
	if _, err := stop(n.L, p.Name, 5*time.Second); err != nil {
		return err
	}
	keyPEM, err := matchingKey(tlsCert, filepath.Join(home, "msp", "keystore"))
	if err != nil {
		return err
	}
	certPEM, err := os.ReadFile(tlsCert)
	if err != nil {
		return err
	}
	tlsDir := filepath.Join(home, "tls")
	if err := os.MkdirAll(tlsDir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(tlsDir, "cert.pem"), certPEM, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(tlsDir, "key.pem"), keyPEM, 0o600)
}

// matchingKey finds the private key in keystore whose public key matches the
// certificate.
func matchingKey(certFile, keystore string) ([]byte, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(certPEM)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM certificate", certFile)
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, err
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an ECDSA certificate", certFile)
	}
	entries, err := os.ReadDir(keystore)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), "_sk") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(keystore, e.Name()))
		if err != nil {
			continue
		}
		kb, _ := pem.Decode(raw)
		if kb == nil {
			continue
		}
		k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
		if err != nil {
			continue
		}
		if ek, ok := k.(*ecdsa.PrivateKey); ok && ek.PublicKey.Equal(pub) {
			return raw, nil
		}
	}
	return nil, fmt.Errorf("no key in %s matches %s", keystore, certFile)
}
