package httpapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/identities"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/stretchr/testify/require"
)

// memCA is an in-memory Fabric CA for the handlers (the REST client itself is tested
// against an httptest CA in package identities).
type memCA struct {
	mu      sync.Mutex
	key     *ecdsa.PrivateKey
	cert    *x509.Certificate
	secrets map[string]string
	roles   map[string]string
	serials map[string]*big.Int
	revoked []x509.RevocationListEntry
}

func newMemCA(t *testing.T) *memCA {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"}, IsCA: true, BasicConstraintsValid: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(t, err)
	c, _ := x509.ParseCertificate(der)
	return &memCA{key: k, cert: c, secrets: map[string]string{}, roles: map[string]string{}, serials: map[string]*big.Int{}}
}

func (m *memCA) Register(_ context.Context, name, role, _ string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.secrets[name]; ok {
		return "", &identities.CAError{Status: 400, Messages: []string{"Identity '" + name + "' is already registered"}}
	}
	m.secrets[name], m.roles[name] = "pw-"+name, role
	return m.secrets[name], nil
}

func (m *memCA) Enroll(_ context.Context, name, secret string, csrPEM []byte) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.secrets[name] != secret {
		return nil, &identities.CAError{Status: 401, Messages: []string{"Authentication failure"}}
	}
	blk, _ := pem.Decode(csrPEM)
	csr, err := x509.ParseCertificateRequest(blk.Bytes)
	if err != nil {
		return nil, err
	}
	attrs, _ := json.Marshal(map[string]any{"attrs": map[string]string{"govchain.role": m.roles[name]}})
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 100))
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4, 5, 6, 7, 8, 1}, Value: attrs}}}, m.cert, csr.PublicKey, m.key)
	if err != nil {
		return nil, err
	}
	m.serials[name] = serial
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}

func (m *memCA) Revoke(_ context.Context, name, _ string) ([]identities.RevokedCert, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.serials[name]
	m.revoked = append(m.revoked, x509.RevocationListEntry{SerialNumber: s, RevocationTime: time.Now()})
	return []identities.RevokedCert{{Serial: s.Text(16)}}, nil
}

func (m *memCA) GenCRL(context.Context) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(2), ThisUpdate: time.Now(),
		NextUpdate: time.Now().Add(time.Hour), RevokedCertificateEntries: m.revoked}, m.cert, m.key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), nil
}

// signers records the identities the service adds to and drops from the fabric layer.
type signers struct {
	mu     sync.Mutex
	active map[ledger.Caller]bool
	// keyless records the identities added without a key (client-signed): their certificate.
	keyless map[ledger.Caller][]byte
}

func (s *signers) AddIdentity(c ledger.Caller, _ string, _ []string, cert, key []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active[c] = true
	if len(key) == 0 {
		if s.keyless == nil {
			s.keyless = map[ledger.Caller][]byte{}
		}
		s.keyless[c] = cert
	}
	return nil
}

func (s *signers) RemoveIdentity(c ledger.Caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.active, c)
}

const keyTaxAdmin = "key-tax-admin"

type idHarness struct {
	*harness
	ca      *memCA
	signers *signers
	hook    identities.ChannelCRL
}

func newIDHarness(t *testing.T, hook identities.ChannelCRL) *idHarness {
	ih := &idHarness{ca: newMemCA(t), signers: &signers{active: map[ledger.Caller]bool{}}, hook: hook}
	ih.harness = newHarness(t, nil, func(c *Config) {
		keys := map[string]Principal{}
		for k, v := range c.Keys {
			keys[k] = v
		}
		keys[hashKey(keyTaxAdmin)] = Principal{Org: "tax", Role: "admin", MSPID: "TaxMSP", KeyHash: hashKey(keyTaxAdmin)}
		c.Keys = keys
	})
	ih.reload()
	return ih
}

// reload builds the identity service over the harness's database and a new server, as the
// gateway does at start.
func (ih *idHarness) reload() {
	svc, err := identities.New(identities.Config{DB: ih.db, Ledger: ih.signers, ChannelCRL: ih.hook, Orgs: map[string]identities.Org{
		"market": {MSPID: "MarketMSP", Route: []string{"peer0.market"}, CA: ih.ca},
		"tax":    {MSPID: "TaxMSP", Route: []string{"peer0.tax"}, CA: newMemCA(ih.t)},
	}})
	require.NoError(ih.t, err)
	require.NoError(ih.t, svc.Load())
	ih.cfg.Identities = svc
	ih.srv = New(ih.cfg)
}

func (ih *idHarness) enrol(name, role string) map[string]any {
	w := ih.do(request{method: "POST", path: "/api/v1/identities", key: keyAdmin, body: `{"name":"` + name + `","role":"` + role + `"}`})
	require.Equal(ih.t, http.StatusCreated, w.Code, w.Body.String())
	var out map[string]any
	require.NoError(ih.t, json.Unmarshal(w.Body.Bytes(), &out))
	return out
}

func TestIdentitiesAdminConfinedToItsOrg(t *testing.T) {
	ih := newIDHarness(t, nil)
	out := ih.enrol("clerk1", "registrar")
	require.Equal(t, "ACTIVE", out["status"])
	require.Equal(t, "MarketMSP", out["msp_id"])
	require.True(t, ih.signers.active[ledger.Caller{Org: "market", Role: "registrar", Name: "clerk1"}])

	for _, c := range []struct {
		name, method, path, key, body string
		status                        int
		code                          string
	}{
		{"registrar may not enrol", "POST", "/api/v1/identities", keyRegistrar, `{"name":"clerk2","role":"finance"}`, 403, "FORBIDDEN"},
		{"auditor may not list", "GET", "/api/v1/identities", keyAuditor, "", 403, "FORBIDDEN"},
		{"tax admin may not enrol for market", "POST", "/api/v1/identities", keyTaxAdmin, `{"name":"clerk2","role":"finance","org":"market"}`, 403, "FORBIDDEN"},
		{"tax admin may not list market", "GET", "/api/v1/identities?org=market", keyTaxAdmin, "", 403, "FORBIDDEN"},
		{"tax admin may not revoke market's clerk", "POST", "/api/v1/identities/clerk1/revocation", keyTaxAdmin, `{"reason":"no"}`, 403, "FORBIDDEN"},
		{"registrar may not revoke", "POST", "/api/v1/identities/clerk1/revocation", keyRegistrar, `{"reason":"no"}`, 403, "FORBIDDEN"},
		{"unknown name", "POST", "/api/v1/identities/nobody/revocation", keyAdmin, `{"reason":"no"}`, 404, "NOT_FOUND"},
		{"duplicate", "POST", "/api/v1/identities", keyAdmin, `{"name":"clerk1","role":"finance"}`, 409, "CONFLICT"},
		{"bad name", "POST", "/api/v1/identities", keyAdmin, `{"name":"Clerk One","role":"finance"}`, 400, "INVALID"},
		{"reserved name", "POST", "/api/v1/identities", keyAdmin, `{"name":"orgadmin","role":"finance"}`, 400, "INVALID"},
		{"role name as name", "POST", "/api/v1/identities", keyAdmin, `{"name":"registrar","role":"finance"}`, 400, "INVALID"},
		{"admin role", "POST", "/api/v1/identities", keyAdmin, `{"name":"clerk2","role":"admin"}`, 400, "INVALID"},
		{"unknown role", "POST", "/api/v1/identities", keyAdmin, `{"name":"clerk2","role":"mayor"}`, 400, "INVALID"},
		{"unknown field", "POST", "/api/v1/identities", keyAdmin, `{"name":"clerk2","role":"finance","key":"x"}`, 400, "INVALID"},
		{"no reason", "POST", "/api/v1/identities/clerk1/revocation", keyAdmin, `{"reason":""}`, 400, "INVALID"},
		{"bad crl reason", "POST", "/api/v1/identities/clerk1/revocation", keyAdmin, `{"reason":"left","crl_reason":"fired"}`, 400, "INVALID"},
	} {
		w := ih.do(request{method: c.method, path: c.path, key: c.key, body: c.body})
		require.Equal(t, c.status, w.Code, "%s: %s", c.name, w.Body.String())
		require.Equal(t, c.code, errorOf(t, w).Code, c.name)
	}
	// The tax admin sees none of market's identities.
	w := ih.do(request{method: "GET", path: "/api/v1/identities", key: keyTaxAdmin})
	require.Equal(t, http.StatusOK, w.Code)
	require.NotContains(t, w.Body.String(), "clerk1")
}

func TestIdentityKeyWritesAsItselfUntilRevoked(t *testing.T) {
	ih := newIDHarness(t, nil)
	fl := ih.ledger
	out := ih.enrol("clerk1", "registrar")
	apiKey := out["api_key"].(string)

	w := ih.do(request{method: "POST", path: "/api/v1/businesses", key: apiKey, body: registerBody})
	require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
	calls := fl.Calls()
	require.Equal(t, ledger.Caller{Org: "market", Role: "registrar", Name: "clerk1"}, calls[len(calls)-1].Caller)
	// The role's early check applies to it as to anyone: a registrar issues no invoice.
	w = ih.do(request{method: "POST", path: "/api/v1/invoices", key: apiKey, body: `{}`})
	require.Equal(t, http.StatusForbidden, w.Code, w.Body.String())

	// The list never shows a key.
	w = ih.do(request{method: "GET", path: "/api/v1/identities", key: keyAdmin})
	require.Equal(t, http.StatusOK, w.Code)
	require.NotContains(t, w.Body.String(), apiKey)
	require.NotContains(t, w.Body.String(), "PRIVATE KEY")

	w = ih.do(request{method: "POST", path: "/api/v1/identities/clerk1/revocation", key: keyAdmin, body: `{"reason":"left the bureau"}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var rev map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &rev))
	require.Equal(t, "REVOKED", rev["status"])
	require.Equal(t, "pending", rev["channel_crl"])
	blk, _ := pem.Decode([]byte(rev["crl"].(string)))
	crl, err := x509.ParseRevocationList(blk.Bytes)
	require.NoError(t, err)
	require.Len(t, crl.RevokedCertificateEntries, 1)
	require.Equal(t, out["serial"], crl.RevokedCertificateEntries[0].SerialNumber.Text(16))
	require.False(t, ih.signers.active[ledger.Caller{Org: "market", Role: "registrar", Name: "clerk1"}])

	// Refused at once, and again after a restart.
	w = ih.do(request{method: "POST", path: "/api/v1/businesses", key: apiKey, body: registerBody})
	require.Equal(t, http.StatusUnauthorized, w.Code, w.Body.String())
	w = ih.do(request{method: "POST", path: "/api/v1/identities/clerk1/revocation", key: keyAdmin, body: `{"reason":"again"}`})
	require.Equal(t, http.StatusConflict, w.Code, w.Body.String())
	ih.restart()
	ih.reload()
	w = ih.do(request{method: "GET", path: "/api/v1/businesses", key: apiKey})
	require.Equal(t, http.StatusUnauthorized, w.Code, w.Body.String())
}

func TestIdentitiesSurviveRestart(t *testing.T) {
	ih := newIDHarness(t, nil)
	k1 := ih.enrol("clerk1", "finance")["api_key"].(string)
	k2 := ih.enrol("clerk2", "depositor")["api_key"].(string)
	w := ih.do(request{method: "POST", path: "/api/v1/identities/clerk2/revocation", key: keyAdmin, body: `{"reason":"left"}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())

	ih.signers.active = map[ledger.Caller]bool{} // a new process: nothing added yet
	ih.restart()
	ih.reload()
	require.Equal(t, map[ledger.Caller]bool{{Org: "market", Role: "finance", Name: "clerk1"}: true}, ih.signers.active)
	w = ih.do(request{method: "GET", path: "/api/v1/businesses", key: k1})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	w = ih.do(request{method: "GET", path: "/api/v1/businesses", key: k2})
	require.Equal(t, http.StatusUnauthorized, w.Code, w.Body.String())
	w = ih.do(request{method: "GET", path: "/api/v1/identities", key: keyAdmin})
	var list struct{ Identities []map[string]any }
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &list))
	require.Len(t, list.Identities, 2)
	require.Equal(t, "ACTIVE", list.Identities[0]["status"])
	require.Equal(t, "REVOKED", list.Identities[1]["status"])
}

func TestIdentityRevocationChannelCRLHook(t *testing.T) {
	var got struct {
		org string
		crl []byte
	}
	hook := identities.ChannelCRLFunc(func(_ context.Context, org string, crl []byte) error {
		got.org, got.crl = org, crl
		return nil
	})
	ih := newIDHarness(t, hook)
	ih.enrol("clerk1", "finance")
	w := ih.do(request{method: "POST", path: "/api/v1/identities/clerk1/revocation", key: keyAdmin, body: `{"reason":"left"}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Contains(t, w.Body.String(), `"channel_crl":"updated"`)
	require.Equal(t, "market", got.org)
	require.Contains(t, string(got.crl), "BEGIN X509 CRL")

	ih.hook = identities.ChannelCRLFunc(func(context.Context, string, []byte) error { return errors.New("config update refused") })
	ih.reload()
	ih.enrol("clerk2", "finance")
	w = ih.do(request{method: "POST", path: "/api/v1/identities/clerk2/revocation", key: keyAdmin, body: `{"reason":"left"}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Contains(t, w.Body.String(), `"channel_crl":"pending"`)
	require.Contains(t, w.Body.String(), "config update refused")
}

func TestIdentitiesWithoutService(t *testing.T) {
	h := newHarness(t, nil)
	w := h.do(request{method: "GET", path: "/api/v1/identities", key: keyAdmin})
	require.Equal(t, http.StatusServiceUnavailable, w.Code, w.Body.String())
}
