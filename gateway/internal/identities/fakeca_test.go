package identities

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeCA is an httptest Fabric CA: it checks the registrar's token exactly as
// fabric-ca-server v1.5.15 does (util.VerifyToken: the signature over
// method.b64(uri).b64(body).b64(cert), low S) and the enrolment secret, issues certificates
// with the Fabric CA attribute extension and keeps revocations for its CRL.
type fakeCA struct {
	t       *testing.T
	srv     *httptest.Server
	caKey   *ecdsa.PrivateKey
	caCert  *x509.Certificate
	regCert []byte // the registrar's certificate (PEM)
	regKey  *ecdsa.PrivateKey

	mu      sync.Mutex
	secrets map[string]string // id → secret
	attrs   map[string]string // id → govchain.role
	serials map[string][]*big.Int
	revoked []x509.RevocationListEntry
	calls   []string
	down    bool
}

func newFakeCA(t *testing.T) *fakeCA {
	f := &fakeCA{t: t, secrets: map[string]string{}, attrs: map[string]string{}, serials: map[string][]*big.Int{}}
	f.caKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca.market"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, SubjectKeyId: []byte{1, 2, 3, 4}}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &f.caKey.PublicKey, f.caKey)
	f.caCert, _ = x509.ParseCertificate(der)
	f.regKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	f.regCert = f.issue(t, "gwregistrar", "", &f.regKey.PublicKey)
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeCA) issue(t *testing.T, cn, role string, pub any) []byte {
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn, OrganizationalUnit: []string{"client"}},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	if role != "" {
		v, _ := json.Marshal(map[string]any{"attrs": map[string]string{"govchain.role": role}})
		tmpl.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4, 5, 6, 7, 8, 1}, Value: v}}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, f.caCert, pub, f.caKey)
	if err != nil {
		t.Fatal(err)
	}
	f.serials[cn] = append(f.serials[cn], serial)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func (f *fakeCA) client(t *testing.T) *CAClient {
	c, err := newCAClient(f.srv.URL, "ca-market", f.srv.Client(), f.regCert, f.regKey)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fakeCA) answer(w http.ResponseWriter, status int, result any, errMsg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]any{"success": errMsg == "", "result": result, "errors": []any{}, "messages": []any{}}
	if errMsg != "" {
		body["errors"] = []any{map[string]any{"code": 0, "message": errMsg}}
	}
	_ = json.NewEncoder(w).Encode(body)
}

// verifyToken is fabric-ca's util.VerifyToken for ECDSA.
func (f *fakeCA) verifyToken(r *http.Request, body []byte) bool {
	tok := r.Header.Get("Authorization")
	b64cert, b64sig, ok := strings.Cut(tok, ".")
	if !ok {
		return false
	}
	certPEM, err := base64.StdEncoding.DecodeString(b64cert)
	if err != nil || string(certPEM) != string(f.regCert) {
		return false
	}
	sig, err := base64.StdEncoding.DecodeString(b64sig)
	if err != nil {
		return false
	}
	var rs struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(sig, &rs); err != nil {
		return false
	}
	if rs.S.Cmp(new(big.Int).Rsh(elliptic.P256().Params().N, 1)) > 0 {
		return false // BCCSP refuses high S
	}
	payload := r.Method + "." + base64.StdEncoding.EncodeToString([]byte(r.URL.RequestURI())) + "." +
		base64.StdEncoding.EncodeToString(body) + "." + b64cert
	d := sha256.Sum256([]byte(payload))
	return ecdsa.Verify(&f.regKey.PublicKey, d[:], rs.R, rs.S)
}

func (f *fakeCA) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	f.calls = append(f.calls, r.URL.Path)
	if f.down {
		f.answer(w, 500, nil, "database is down")
		return
	}
	if r.URL.Path != "/api/v1/enroll" && !f.verifyToken(r, body) {
		f.answer(w, 401, nil, "Authorization failure")
		return
	}
	var req map[string]any
	_ = json.Unmarshal(body, &req)
	switch r.URL.Path {
	case "/api/v1/register":
		id, _ := req["id"].(string)
		if _, ok := f.secrets[id]; ok {
			f.answer(w, 400, nil, "Identity '"+id+"' is already registered")
			return
		}
		attrs, _ := req["attrs"].([]any)
		for _, a := range attrs {
			m := a.(map[string]any)
			if m["name"] == "govchain.role" && m["ecert"] == true {
				f.attrs[id] = m["value"].(string)
			}
		}
		f.secrets[id] = "s3cret-" + id
		f.answer(w, 201, map[string]any{"secret": f.secrets[id]}, "")
	case "/api/v1/enroll":
		name, secret, ok := r.BasicAuth()
		if !ok || f.secrets[name] != secret || secret == "" {
			f.answer(w, 401, nil, "Authentication failure")
			return
		}
		blk, _ := pem.Decode([]byte(req["certificate_request"].(string)))
		csr, err := x509.ParseCertificateRequest(blk.Bytes)
		if err != nil || csr.CheckSignature() != nil || csr.Subject.CommonName != name {
			f.answer(w, 400, nil, "bad CSR")
			return
		}
		cert := f.issue(f.t, name, f.attrs[name], csr.PublicKey)
		f.answer(w, 201, map[string]any{"Cert": base64.StdEncoding.EncodeToString(cert)}, "")
	case "/api/v1/revoke":
		id, _ := req["id"].(string)
		var out []map[string]string
		for _, s := range f.serials[id] {
			f.revoked = append(f.revoked, x509.RevocationListEntry{SerialNumber: s, RevocationTime: time.Now()})
			out = append(out, map[string]string{"Serial": s.Text(16), "AKI": "01020304"})
		}
		f.answer(w, 200, map[string]any{"RevokedCerts": out, "CRL": ""}, "")
	case "/api/v1/gencrl":
		der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(int64(len(f.revoked) + 1)),
			ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour), RevokedCertificateEntries: f.revoked}, f.caCert, f.caKey)
		if err != nil {
			f.answer(w, 500, nil, err.Error())
			return
		}
		crl := pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
		f.answer(w, 200, map[string]any{"CRL": base64.StdEncoding.EncodeToString(crl)}, "")
	default:
		f.answer(w, 404, nil, "no such endpoint")
	}
}

func TestCAClientAgainstFakeCA(t *testing.T) {
	f := newFakeCA(t)
	c := f.client(t)
	ctx := context.Background()
	secret, err := c.Register(ctx, "clerk1", "registrar", "govchain.role")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Register(ctx, "clerk1", "registrar", "govchain.role"); !AlreadyRegistered(err) {
		t.Fatalf("a second registration must be AlreadyRegistered, got %v", err)
	}
	_, csr, err := NewKeyAndCSR("clerk1", "MarketMSP")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Enroll(ctx, "clerk1", "wrong", csr); err == nil {
		t.Fatal("a wrong secret must be refused")
	}
	certPEM, err := c.Enroll(ctx, "clerk1", secret, csr)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := parseCert(certPEM)
	if err != nil || cert.Subject.CommonName != "clerk1" {
		t.Fatalf("enrolled certificate: %v %v", err, cert)
	}
	revoked, err := c.Revoke(ctx, "clerk1", "cessationofoperation")
	if err != nil || len(revoked) != 1 || revoked[0].Serial != cert.SerialNumber.Text(16) {
		t.Fatalf("revoke: %v %v", revoked, err)
	}
	crlPEM, err := c.GenCRL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(crlPEM)
	crl, err := x509.ParseRevocationList(blk.Bytes)
	if err != nil || len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(cert.SerialNumber) != 0 {
		t.Fatalf("CRL: %v %v", err, crl)
	}
}

func TestCATokenIsCheckedAndLowS(t *testing.T) {
	f := newFakeCA(t)
	// Another key with the registrar's certificate: the CA refuses the token.
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	bad, err := newCAClient(f.srv.URL, "ca-market", f.srv.Client(), f.regCert, other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Register(context.Background(), "clerk1", "registrar", "govchain.role"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("a token signed by another key must be refused with 401, got %v", err)
	}
	// Every token is low S (the fake refuses high S; try many signatures).
	for i := 0; i < 64; i++ {
		tok, err := Token(f.regCert, f.regKey, "POST", "/api/v1/register", []byte(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		_, b64sig, _ := strings.Cut(tok, ".")
		sig, _ := base64.StdEncoding.DecodeString(b64sig)
		var rs struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(sig, &rs); err != nil {
			t.Fatal(err)
		}
		if rs.S.Cmp(new(big.Int).Rsh(elliptic.P256().Params().N, 1)) > 0 {
			t.Fatal("high S in a token")
		}
	}
}
