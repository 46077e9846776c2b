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
