package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// pemPair returns a self-signed certificate and its key, PEM encoded.
func pemPair(t *testing.T) (cert, key []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "govchain-cc"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(k)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}

func TestLoadConfig(t *testing.T) {
	cert, key := pemPair(t)
	_, otherKey := pemPair(t)
	files := map[string][]byte{"/tls/cert.pem": cert, "/tls/key.pem": key, "/tls/ca.pem": cert, "/tls/other.key": otherKey, "/tls/junk": []byte("junk")}
	readFile := func(p string) ([]byte, error) {
		if b, ok := files[p]; ok {
			return b, nil
		}
		return nil, errors.New("no such file")
	}
	base := map[string]string{envID: "govchain_1.0:abc", envAddress: "0.0.0.0:9999"}
	with := func(extra map[string]string) func(string) string {
		return func(k string) string {
			if v, ok := extra[k]; ok {
				return v
			}
			return base[k]
		}
	}

	cases := []struct {
		name      string
		env       map[string]string
		errs      []string
		tls       bool
		mutualTLS bool
	}{
		{"plain", nil, nil, false, false},
		{"TLS", map[string]string{envTLSCert: "/tls/cert.pem", envTLSKey: "/tls/key.pem"}, nil, true, false},
		{"mutual TLS", map[string]string{envTLSCert: "/tls/cert.pem", envTLSKey: "/tls/key.pem", envTLSClientCAs: "/tls/ca.pem"}, nil, true, true},
		{"missing id and address", map[string]string{envID: "", envAddress: ""}, []string{"CHAINCODE_ID is required", "CHAINCODE_SERVER_ADDRESS is required"}, false, false},
		{"address without port", map[string]string{envAddress: "localhost"}, []string{"must be host:port"}, false, false},
		{"bad port", map[string]string{envAddress: ":http"}, []string{`port "http" must be 1..65535`}, false, false},
		{"cert without key", map[string]string{envTLSCert: "/tls/cert.pem"}, []string{"set both CHAINCODE_TLS_CERT and CHAINCODE_TLS_KEY"}, false, false},
		{"client CA without TLS", map[string]string{envTLSClientCAs: "/tls/ca.pem"}, []string{"CHAINCODE_TLS_CLIENT_CACERT needs TLS"}, false, false},
		{"unreadable files", map[string]string{envTLSCert: "/nope/cert", envTLSKey: "/nope/key"}, []string{"CHAINCODE_TLS_CERT: cannot read /nope/cert", "CHAINCODE_TLS_KEY: cannot read /nope/key"}, false, false},
		{"key does not match cert", map[string]string{envTLSCert: "/tls/cert.pem", envTLSKey: "/tls/other.key"}, []string{"not a matching PEM certificate and private key"}, false, false},
		{"client CA unreadable", map[string]string{envTLSCert: "/tls/cert.pem", envTLSKey: "/tls/key.pem", envTLSClientCAs: "/nope"}, []string{"CHAINCODE_TLS_CLIENT_CACERT: cannot read"}, false, false},
		{"client CA not PEM", map[string]string{envTLSCert: "/tls/cert.pem", envTLSKey: "/tls/key.pem", envTLSClientCAs: "/tls/junk"}, []string{"holds no PEM certificate"}, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := loadConfig(with(c.env), readFile)
			if len(c.errs) > 0 {
				require.Error(t, err)
				for _, e := range c.errs {
					require.ErrorContains(t, err, e)
				}
				require.NotContains(t, err.Error(), "PRIVATE KEY", "key material must never appear in errors")
				return
			}
			require.NoError(t, err)
			require.Equal(t, "govchain_1.0:abc", cfg.ccID)
			require.Equal(t, c.tls, !cfg.tls.Disabled)
			require.Equal(t, c.mutualTLS, cfg.mutualTLS)
			require.Equal(t, c.mutualTLS, cfg.tls.ClientCACerts != nil)
			if c.tls {
				require.Equal(t, key, cfg.tls.Key)
			}
		})
	}
}

func TestRunRefusesBadConfigWithoutLoggingSecrets(t *testing.T) {
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(io.MultiWriter(&logs), nil))
	err := run(logger, func(string) string { return "" }, func(string) ([]byte, error) { return nil, errors.New("unused") })
	require.ErrorContains(t, err, "CHAINCODE_ID is required")
	require.Empty(t, logs.String(), "nothing is started or logged before the configuration is valid")
}
