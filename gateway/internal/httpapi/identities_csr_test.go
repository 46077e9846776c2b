package httpapi

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"testing"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// csrFor makes a PEM CSR with subject CN = cn signed by key.
func csrFor(t *testing.T, key any, cn string) string {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, key)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

func quoted(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func (ih *idHarness) enrolCSR(name, role, csr string) *jsonResponse {
	w := ih.do(request{method: "POST", path: "/api/v1/identities", key: keyAdmin,
		body: `{"name":"` + name + `","role":"` + role + `","csr":` + quoted(csr) + `}`})
	return &jsonResponse{code: w.Code, body: w.Body.Bytes()}
}

type jsonResponse struct {
	code int
	body []byte
}

// rawRecord is the identity store's record as kept in the database.
func (ih *idHarness) rawRecord(key string) map[string]any {
	ih.t.Helper()
	var out map[string]any
	require.NoError(ih.t, ih.db.View(func(tx *bolt.Tx) error {
		return json.Unmarshal(tx.Bucket([]byte("identities")).Get([]byte(key)), &out)
	}))
	return out
}

func TestIdentityCSRRefused(t *testing.T) {
	ih := newIDHarness(t, nil)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	good := csrFor(t, p256, "clerk-cs")
	// Not self-signed: the signature does not verify with the key the CSR carries.
	blk, _ := pem.Decode([]byte(good))
	bad := append([]byte(nil), blk.Bytes...)
	bad[len(bad)-3] ^= 0xff
	tampered := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: bad}))
	for _, c := range []struct{ name, csr, want string }{
		{"garbage", "not a csr", "PEM"},
		{"a certificate, not a request", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2, 3}})), "PEM"},
		{"undecodable request", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte{1, 2, 3}})), "PKCS#10"},
		{"wrong curve", csrFor(t, p384, "clerk-cs"), "P-256"},
		{"rsa", csrFor(t, rsaKey, "clerk-cs"), "P-256"},
		{"not self-signed", tampered, "not signed by the key"},
		{"CN is not the name", csrFor(t, p256, "someone-else"), "CN=clerk-cs"},
		{"two requests", good + good, "exactly one"},
	} {
		r := ih.enrolCSR("clerk-cs", "registrar", c.csr)
		require.Equal(t, http.StatusBadRequest, r.code, "%s: %s", c.name, r.body)
		require.Contains(t, string(r.body), `"INVALID"`, c.name)
		require.Contains(t, string(r.body), c.want, c.name)
	}
	ih.ca.mu.Lock()
	require.Empty(t, ih.ca.secrets, "nothing is registered at the CA for a refused CSR")
	ih.ca.mu.Unlock()
	r := ih.enrolCSR("clerk-cs", "registrar", good)
	require.Equal(t, http.StatusCreated, r.code, string(r.body))
}

// TestIdentityEnrolledWithCSR: the holder keeps the key; the gateway stores the certificate
// (of the CSR's key) only, the API key writes only through /api/v1/signing, and all of it
// survives a restart until revoked.
func TestIdentityEnrolledWithCSR(t *testing.T) {
	ih := newIDHarness(t, nil)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	r := ih.enrolCSR("clerk-cs", "registrar", csrFor(t, key, "clerk-cs"))
	require.Equal(t, http.StatusCreated, r.code, string(r.body))
	var out map[string]any
	require.NoError(t, json.Unmarshal(r.body, &out))
	require.Equal(t, "client", out["signing"])
	require.NotContains(t, string(r.body), "PRIVATE KEY")
	apiKey := out["api_key"].(string)
	blk, _ := pem.Decode([]byte(out["certificate"].(string)))
	cert, err := x509.ParseCertificate(blk.Bytes)
	require.NoError(t, err)
	require.True(t, key.PublicKey.Equal(cert.PublicKey), "the CA certified the holder's key")
	caller := ledger.Caller{Org: "market", Role: "registrar", Name: "clerk-cs"}
	require.Contains(t, ih.signers.keyless, caller, "added to the fabric layer without a key")
	require.Equal(t, out["certificate"], string(ih.signers.keyless[caller]))

	// A server-signed identity is still made without a csr.
	require.Equal(t, "server", ih.enrol("clerk1", "registrar")["signing"])

	refusedOnWriteRoutes := func() {
		t.Helper()
		w := ih.do(request{method: "POST", path: "/api/v1/businesses", key: apiKey, body: registerBody})
		require.Equal(t, http.StatusForbidden, w.Code, w.Body.String())
		require.Contains(t, w.Body.String(), "/api/v1/signing")
		// (Its reads are refused by the fabric layer, which has no key to sign them: not here,
		// where the ledger is a fake; the end-to-end suite shows it.)
		w = ih.do(request{method: "GET", path: "/api/v1/businesses", key: apiKey})
		require.Equal(t, http.StatusOK, w.Code, "authenticated: %s", w.Body.String())
	}
	refusedOnWriteRoutes()
	for _, c := range ih.ledger.Calls() {
		require.NotEqual(t, "business:Register", c.Name(), "nothing was written")
	}
	// The stored record has no key.
	rec := ih.rawRecord("market/clerk-cs")
	require.Equal(t, "client", rec["signing"])
	require.NotContains(t, rec, "key_pem")

	ih.signers.active, ih.signers.keyless = map[ledger.Caller]bool{}, nil // a new process
	ih.restart()
	ih.reload()
	require.Contains(t, ih.signers.keyless, caller, "client-signed again after a restart")
	refusedOnWriteRoutes()
	w := ih.do(request{method: "GET", path: "/api/v1/identities", key: keyAdmin})
	require.Contains(t, w.Body.String(), `"signing":"client"`)

	w = ih.do(request{method: "POST", path: "/api/v1/identities/clerk-cs/revocation", key: keyAdmin, body: `{"reason":"left"}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.False(t, ih.signers.active[caller])
	w = ih.do(request{method: "GET", path: "/api/v1/businesses", key: apiKey})
	require.Equal(t, http.StatusUnauthorized, w.Code, w.Body.String())
}
