// Package testpki writes throw-away certificates and keys for tests.
package testpki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
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
}

// Write creates a self-signed ECDSA P-256 certificate with the given common name and
// organisation in dir (files <name>-cert.pem and <name>-key.pem, PKCS#8).
func Write(tb testing.TB, dir, name, cn, org string) Identity {
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
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
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
	id := Identity{
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
