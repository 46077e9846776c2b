// Package testpki writes throw-away certificates and keys for tests.
package testpki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Identity is a certificate and its key, as PEM files.
type Identity struct {
	CertPath, KeyPath string
	CertPEM, KeyPEM   []byte
	Cert              *x509.Certificate
	Key               *ecdsa.PrivateKey
	issuer            *Identity
}

// Option changes the certificate Write makes.
type Option func(*x509.Certificate, *Identity)

// Role adds the govchain.role attribute the way Fabric CA writes attributes (extension
// 1.2.3.4.5.6.7.8.1, JSON).
func Role(role string) Option {
	return func(c *x509.Certificate, _ *Identity) {
		v, _ := json.Marshal(map[string]map[string]string{"attrs": {"govchain.role": role}})
		c.ExtraExtensions = append(c.ExtraExtensions, pkix.Extension{Id: asn1.ObjectIdentifier{1, 2, 3, 4, 5, 6, 7, 8, 1}, Value: v})
	}
}

// OU sets the subject's organisational units (Fabric's NodeOUs: client, peer, admin…).
func OU(ous ...string) Option {
	return func(c *x509.Certificate, _ *Identity) { c.Subject.OrganizationalUnit = ous }
}

// IssuedBy signs the certificate with ca's key instead of self-signing it.
func IssuedBy(ca Identity) Option {
	return func(_ *x509.Certificate, id *Identity) { id.issuer = &ca }
}

// Write creates an ECDSA P-256 certificate (self-signed unless IssuedBy) with the given
// common name and organisation in dir (files <name>-cert.pem and <name>-key.pem, PKCS#8).
func Write(tb testing.TB, dir, name, cn, org string, opts ...Option) Identity {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{org}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost"},
	}
	var id Identity
	for _, o := range opts {
		o(tmpl, &id)
	}
	parent, signer := tmpl, any(key)
	if id.issuer != nil {
		parent, signer = id.issuer.Cert, id.issuer.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		tb.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	id = Identity{
		CertPath: filepath.Join(dir, name+"-cert.pem"),
		KeyPath:  filepath.Join(dir, name+"-key.pem"),
		CertPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:   pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}),
		Cert:     cert,
		Key:      key,
	}
	if err := os.WriteFile(id.CertPath, id.CertPEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(id.KeyPath, id.KeyPEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	return id
}
