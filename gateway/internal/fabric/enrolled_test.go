package fabric

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

	"github.com/govchain/govchain/gateway/internal/config"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/gateway/internal/txstore"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

func selfSigned(t *testing.T, cn string) (certPEM, keyPEM []byte) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(t, err)
	kd, err := x509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})
}

// TestEnrolledIdentityAddedAndDropped: an identity added at runtime gets conns through every
// configured peer (its route as given) and is told apart from the org's configured identity
// of the same role; once dropped, nothing is signed with it.
func TestEnrolledIdentityAddedAndDropped(t *testing.T) {
	dir := t.TempDir()
	tlsCA, _ := selfSigned(t, "tls-ca")
	caFile := filepath.Join(dir, "tlsca.pem")
	require.NoError(t, os.WriteFile(caFile, tlsCA, 0o600))
	cfg := testConfig()
	cfg.Peers = nil
	for _, p := range testPeers() {
		p.Endpoint, p.TLSCACert = "127.0.0.1:1", caFile
		cfg.Peers = append(cfg.Peers, p)
	}
	db, err := bolt.Open(filepath.Join(dir, "gw.db"), 0o600, nil)
	require.NoError(t, err)
	defer db.Close()
	st, err := txstore.New(db)
	require.NoError(t, err)
	l, err := New(cfg, st)
	require.NoError(t, err)
	defer l.Close()

	clerk := ledger.Caller{Org: "market", Role: "registrar", Name: "clerk1"}
	cert, key := selfSigned(t, "clerk1")
	require.Error(t, l.AddIdentity(ledger.Caller{Org: "market", Role: "registrar"}, "MarketMSP", []string{"peer0.market"}, cert, key), "a name is required")
	require.Error(t, l.AddIdentity(clerk, "MarketMSP", []string{"peer0.nowhere"}, cert, key), "unknown peer")
	require.NoError(t, l.AddIdentity(clerk, "MarketMSP", []string{"peer0.market", "peer0.tax"}, cert, key))

	c, err := l.connFor(ledger.Call{Caller: clerk})
	require.NoError(t, err)
	r, ok := c.(*route)
	require.True(t, ok, "a route of two peers")
	require.Equal(t, "peer0.market", r.peer())
	gc := r.hops[0].(*gatewayConn)
	require.Equal(t, clerk, gc.caller)
	require.Equal(t, "MarketMSP", gc.mspID)
	confined, err := l.connFor(ledger.Call{Caller: clerk, Orgs: []string{"NotaryMSP"}})
	require.NoError(t, err)
	require.Equal(t, "peer0.notary", confined.peer())
	require.Len(t, l.peersOf(c), len(cfg.Peers))
	// The org's configured registrar is another identity: none is configured here.
	_, err = l.connFor(ledger.Call{Caller: ledger.Caller{Org: "market", Role: "registrar"}})
	require.Error(t, err)

	l.RemoveIdentity(clerk)
	_, err = l.connFor(ledger.Call{Caller: clerk})
	le, ok := ledger.AsError(err)
	require.True(t, ok)
	require.Equal(t, ledger.KindContract, le.Kind)
	require.Equal(t, "FORBIDDEN", le.Code)
}

// TestEnrolledClientSignedIdentity: an identity added without a key (enrolled with its
// holder's CSR) signs on the client as a configured `signing: client` one: SigningCertificate
// knows its certificate, its conns have no signer and read through a server-signed identity
// of its org; once dropped, its certificate is forgotten.
func TestEnrolledClientSignedIdentity(t *testing.T) {
	dir := t.TempDir()
	tlsCA, _ := selfSigned(t, "tls-ca")
	caFile := filepath.Join(dir, "tlsca.pem")
	require.NoError(t, os.WriteFile(caFile, tlsCA, 0o600))
	cfg := testConfig()
	cfg.Peers = nil
	for _, p := range testPeers() {
		p.Endpoint, p.TLSCACert = "127.0.0.1:1", caFile
		cfg.Peers = append(cfg.Peers, p)
	}
	adminCert, adminKey := selfSigned(t, "admin")
	certFile, keyFile := filepath.Join(dir, "admin.pem"), filepath.Join(dir, "admin.key")
	require.NoError(t, os.WriteFile(certFile, adminCert, 0o600))
	require.NoError(t, os.WriteFile(keyFile, adminKey, 0o600))
	admin := config.Identity{Org: "market", Role: "admin", MSPID: "MarketMSP", Cert: certFile, Key: keyFile, Peer: "peer0.market"}
	cfg.Identities = []config.Identity{admin}
	db, err := bolt.Open(filepath.Join(dir, "gw.db"), 0o600, nil)
	require.NoError(t, err)
	defer db.Close()
	st, err := txstore.New(db)
	require.NoError(t, err)
	l, err := New(cfg, st)
	require.NoError(t, err)
	defer l.Close()

	clerk := ledger.Caller{Org: "market", Role: "registrar", Name: "clerk-cs"}
	cert, _ := selfSigned(t, "clerk-cs")
	require.NoError(t, l.AddIdentity(clerk, "MarketMSP", []string{"peer0.market"}, cert, nil))
	got, ok := l.SigningCertificate(clerk)
	require.True(t, ok, "the certificate of an identity added without a key")
	b, _ := pem.Decode(cert)
	require.Equal(t, b.Bytes, got.Raw)
	_, ok = l.SigningCertificate(ledger.Caller{Org: "market", Role: "admin"})
	require.False(t, ok, "a server-signed identity has no signing certificate")

	c, err := l.connFor(ledger.Call{Caller: clerk})
	require.NoError(t, err)
	gc := c.(*gatewayConn)
	require.Nil(t, gc.sign, "no signer: only signed bytes")
	require.NotNil(t, gc.reader, "reads and commit status through a server-signed identity")
	require.Equal(t, ledger.Caller{Org: "market", Role: "admin"}, gc.reader.caller)
	cs, err := l.signingConns(ledger.Call{Caller: clerk})
	require.NoError(t, err)
	require.Len(t, cs, 1)

	// A server-signed enrolled identity is refused by the signing path.
	clerk2 := ledger.Caller{Org: "market", Role: "registrar", Name: "clerk2"}
	cert2, key2 := selfSigned(t, "clerk2")
	require.NoError(t, l.AddIdentity(clerk2, "MarketMSP", []string{"peer0.market"}, cert2, key2))
	_, ok = l.SigningCertificate(clerk2)
	require.False(t, ok)
	_, err = l.signingConns(ledger.Call{Caller: clerk2})
	require.Error(t, err)

	l.RemoveIdentity(clerk)
	_, ok = l.SigningCertificate(clerk)
	require.False(t, ok, "revoked: forgotten")
}
