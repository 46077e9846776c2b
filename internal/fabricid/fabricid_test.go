package fabricid

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/internal/gatewayconfig"
)

func writeCred(t *testing.T, dir, name string, sec1 bool) (certPath, keyPath string, key *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPath = filepath.Join(dir, name+"-cert.pem")
	keyPath = filepath.Join(dir, name+"-key.pem")
	var kb *pem.Block
	if sec1 {
		b, _ := x509.MarshalECPrivateKey(key)
		kb = &pem.Block{Type: "EC PRIVATE KEY", Bytes: b}
	} else {
		b, _ := x509.MarshalPKCS8PrivateKey(key)
		kb = &pem.Block{Type: "PRIVATE KEY", Bytes: b}
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(kb), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath, key
}

func TestSigner(t *testing.T) {
	dir := t.TempDir()
	pkcs8Cert, pkcs8Key, key := writeCred(t, dir, "pkcs8", false)
	sec1Cert, sec1Key, _ := writeCred(t, dir, "sec1", true)
	cases := []struct {
		name, cert, key, wantErr string
	}{
		{"PKCS#8 key", pkcs8Cert, pkcs8Key, ""},
		{"SEC 1 key", sec1Cert, sec1Key, ""},
		{"missing certificate", filepath.Join(dir, "none.pem"), pkcs8Key, "cert"},
		{"a key file as certificate", pkcs8Key, pkcs8Key, "cert"},
		{"a certificate as key", pkcs8Cert, pkcs8Cert, "key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			xid, sign, err := Signer(gatewayconfig.Identity{Org: "market", Role: "registrar", MSPID: "MarketMSP", Cert: c.cert, Key: c.key})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), "market/registrar") {
					t.Fatalf("want an error about the %s naming the identity, got %v", c.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if xid.MspID() != "MarketMSP" {
				t.Fatalf("msp %q", xid.MspID())
			}
			digest := sha256.Sum256([]byte("proposal"))
			sig, err := sign(digest[:])
			if err != nil {
				t.Fatal(err)
			}
			if c.name == "PKCS#8 key" && !ecdsa.VerifyASN1(&key.PublicKey, digest[:], sig) {
				t.Fatal("the signature does not verify with the identity's key")
			}
		})
	}
	t.Run("a key that does not match the certificate", func(t *testing.T) {
		cert, _ := ReadCertificate(pkcs8Cert)
		other, _ := ReadPrivateKey(sec1Key)
		if KeyMatchesCertificate(other, cert) == nil {
			t.Fatal("a foreign key must not match")
		}
		own, _ := ReadPrivateKey(pkcs8Key)
		if err := KeyMatchesCertificate(own, cert); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("TLS roots", func(t *testing.T) {
		if _, err := TLSRoots(gatewayconfig.Peer{Name: "peer0.market", TLSCACert: pkcs8Cert}); err != nil {
			t.Fatal(err)
		}
		if _, err := TLSRoots(gatewayconfig.Peer{Name: "peer0.market", TLSCACert: pkcs8Key}); err == nil || !strings.Contains(err.Error(), "peer0.market") {
			t.Fatalf("a file without certificates: %v", err)
		}
	})
}
