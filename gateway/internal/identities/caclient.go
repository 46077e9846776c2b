package identities

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/govchain/govchain/internal/fabricid"
	"github.com/govchain/govchain/internal/gatewayconfig"
)

// CAClient is a small client of the Fabric CA REST API (fabric-ca-server v1.5): register,
// enroll, revoke and gencrl, JSON over HTTPS. Requests of the registrar carry Fabric CA's
// token, base64(cert) + "." + base64(ECDSA signature over SHA-256 of
// method + "." + base64(uri) + "." + base64(body) + "." + base64(cert)), the form v1.5.14+
// requires (util.GenECDSAToken); enroll authenticates with the enrolment secret (basic auth).
// Secrets and keys are never logged or put into errors.
type CAClient struct {
	base   string // https://host:port, no trailing slash
	caName string
	http   *http.Client
	cert   []byte // registrar certificate, PEM
	key    *ecdsa.PrivateKey
}

// NewCAClient builds a client from an org's cas[] entry.
func NewCAClient(c gatewayconfig.CA) (*CAClient, error) {
	roots, err := fabricid.ReadCertificates(c.TLSCACert)
	if err != nil {
		return nil, fmt.Errorf("CA of %s: tls_ca_cert: %w", c.Org, err)
	}
	pool := x509.NewCertPool()
	for _, r := range roots {
		pool.AddCert(r)
	}
	cert, err := readFile(c.RegistrarCert)
	if err != nil {
		return nil, fmt.Errorf("CA of %s: registrar_cert: %w", c.Org, err)
	}
	k, err := fabricid.ReadPrivateKey(c.RegistrarKey)
	if err != nil {
		return nil, fmt.Errorf("CA of %s: registrar_key: %w", c.Org, err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("CA of %s: registrar_key: not an ECDSA key", c.Org)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	return newCAClient(c.URL, c.CAName, &http.Client{Transport: tr, Timeout: 30 * time.Second}, cert, key)
}

func newCAClient(base, caName string, hc *http.Client, certPEM []byte, key *ecdsa.PrivateKey) (*CAClient, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("CA url %q: want https://host:port", base)
	}
	return &CAClient{base: strings.TrimRight(base, "/"), caName: caName, http: hc, cert: certPEM, key: key}, nil
}

// CAError is the CA's refusal: its HTTP status and its error messages.
type CAError struct {
	Status   int
	Code     int // the first of the CA's error codes
	Messages []string
}

func (e *CAError) Error() string {
	return fmt.Sprintf("Fabric CA answered %d: %s", e.Status, strings.Join(e.Messages, "; "))
}

// AlreadyRegistered reports whether err is the CA's "identity already registered".
func AlreadyRegistered(err error) bool {
	var ce *CAError
	if !errors.As(err, &ce) {
		return false
	}
	for _, m := range ce.Messages {
		if strings.Contains(m, "already registered") {
			return true
		}
	}
	return false
}

type caResponse struct {
	Success bool            `json:"success"`
	Result  json.RawMessage `json:"result"`
	Errors  []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

// Token is Fabric CA's authorization token for a request of the holder of certPEM and key.
func Token(certPEM []byte, key *ecdsa.PrivateKey, method, uri string, body []byte) (string, error) {
	b64cert := base64.StdEncoding.EncodeToString(certPEM)
	payload := method + "." + base64.StdEncoding.EncodeToString([]byte(uri)) + "." +
		base64.StdEncoding.EncodeToString(body) + "." + b64cert
	digest := sha256.Sum256([]byte(payload))
	sig, err := signLowS(key, digest[:])
	if err != nil {
		return "", err
	}
	return b64cert + "." + base64.StdEncoding.EncodeToString(sig), nil
}

// signLowS signs digest with key as DER with S in the lower half of the order, as Fabric's
// BCCSP signs and requires.
func signLowS(key *ecdsa.PrivateKey, digest []byte) ([]byte, error) {
	r, s, err := ecdsa.Sign(rand.Reader, key, digest)
	if err != nil {
		return nil, err
	}
	n := key.Curve.Params().N
	if s.Cmp(new(big.Int).Rsh(n, 1)) > 0 {
		s = new(big.Int).Sub(n, s)
	}
	return asn1.Marshal(struct{ R, S *big.Int }{r, s})
}

// do sends a request to /api/v1/<endpoint> and decodes the result into out. auth sets the
// request's authentication.
func (c *CAClient) do(ctx context.Context, method, endpoint string, body []byte, auth func(*http.Request) error, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/api/v1/"+endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if err := auth(req); err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("Fabric CA %s: %w", endpoint, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("Fabric CA %s: %w", endpoint, err)
	}
	var r caResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return &CAError{Status: resp.StatusCode, Messages: []string{"unreadable answer to " + endpoint}}
	}
	if resp.StatusCode >= 300 || !r.Success || len(r.Errors) > 0 {
		ce := &CAError{Status: resp.StatusCode}
		for i, e := range r.Errors {
			if i == 0 {
				ce.Code = e.Code
			}
			ce.Messages = append(ce.Messages, e.Message)
		}
		if len(ce.Messages) == 0 {
			ce.Messages = []string{endpoint + " failed"}
		}
		return ce
	}
	if out != nil {
		if err := json.Unmarshal(r.Result, out); err != nil {
			return fmt.Errorf("Fabric CA %s: result: %w", endpoint, err)
		}
	}
	return nil
}

// registrar authenticates a request as the registrar (token over method, URI and body).
func (c *CAClient) registrar(body []byte) func(*http.Request) error {
	return func(req *http.Request) error {
		tok, err := Token(c.cert, c.key, req.Method, req.URL.RequestURI(), body)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", tok)
		return nil
	}
}

// Register registers a client identity with the govchain.role attribute (in its enrolment
// certificates) and returns the enrolment secret (one enrolment only).
func (c *CAClient) Register(ctx context.Context, name, role, roleAttr string) (string, error) {
	body, err := json.Marshal(map[string]any{
		"id": name, "type": "client", "affiliation": "", "max_enrollments": 1,
		"attrs":  []map[string]any{{"name": roleAttr, "value": role, "ecert": true}},
		"caname": c.caName,
	})
	if err != nil {
		return "", err
	}
	var out struct {
		Secret string `json:"secret"`
	}
	if err := c.do(ctx, http.MethodPost, "register", body, c.registrar(body), &out); err != nil {
		return "", err
	}
	if out.Secret == "" {
		return "", errors.New("Fabric CA register: no secret in the answer")
	}
	return out.Secret, nil
}

// Enroll asks for a certificate for csrPEM (a PEM CERTIFICATE REQUEST) as name with its
// enrolment secret, and returns the certificate (PEM).
func (c *CAClient) Enroll(ctx context.Context, name, secret string, csrPEM []byte) ([]byte, error) {
	body, err := json.Marshal(map[string]any{"certificate_request": string(csrPEM), "caname": c.caName})
	if err != nil {
		return nil, err
	}
	var out struct {
		Cert string `json:"Cert"`
	}
	auth := func(req *http.Request) error { req.SetBasicAuth(name, secret); return nil }
	if err := c.do(ctx, http.MethodPost, "enroll", body, auth, &out); err != nil {
		return nil, err
	}
	cert, err := base64.StdEncoding.DecodeString(out.Cert)
	if err != nil || len(cert) == 0 {
		return nil, errors.New("Fabric CA enroll: no certificate in the answer")
	}
	return cert, nil
}

// RevokedCert is a certificate the CA revoked (serial and AKI in hex, as the CA gives them).
type RevokedCert struct {
	Serial string `json:"Serial"`
	AKI    string `json:"AKI"`
}

// Revoke revokes every certificate of the enrolment id name (and the identity: it can never
// enrol again), with an RFC 5280 reason name (e.g. "keycompromise", "cessationofoperation").
func (c *CAClient) Revoke(ctx context.Context, name, reason string) ([]RevokedCert, error) {
	body, err := json.Marshal(map[string]any{"id": name, "reason": reason, "caname": c.caName})
	if err != nil {
		return nil, err
	}
	var out struct {
		RevokedCerts []RevokedCert `json:"RevokedCerts"`
	}
	if err := c.do(ctx, http.MethodPost, "revoke", body, c.registrar(body), &out); err != nil {
		return nil, err
	}
	return out.RevokedCerts, nil
}

// GenCRL asks the CA for its CRL of every unexpired revoked certificate (PEM X509 CRL).
func (c *CAClient) GenCRL(ctx context.Context) ([]byte, error) {
	body, err := json.Marshal(map[string]any{"caname": c.caName})
	if err != nil {
		return nil, err
	}
	var out struct {
		CRL string `json:"CRL"`
	}
	if err := c.do(ctx, http.MethodPost, "gencrl", body, c.registrar(body), &out); err != nil {
		return nil, err
	}
	crl, err := base64.StdEncoding.DecodeString(out.CRL)
	if err != nil || len(crl) == 0 {
		return nil, errors.New("Fabric CA gencrl: no CRL in the answer")
	}
	return crl, nil
}

// NewKeyAndCSR makes a P-256 key and a CSR for it with the subject Fabric CA expects
// (CN = the enrolment id; C, L, O as netctl enrols users). The key is PKCS#8 PEM.
func NewKeyAndCSR(name, mspID string) (keyPEM, csrPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: name, Country: []string{"CN"}, Locality: []string{"GovCity"}, Organization: []string{mspID}},
	}, crypto.Signer(key))
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr}), nil
}
