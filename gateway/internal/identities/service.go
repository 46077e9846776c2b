// Package identities is the lifecycle of an agency's people through its Fabric CA: an org's
// admin registers and enrols a new identity (its certificate carries govchain.role), which
// gets an API key at once and signs through the gateway (or, enrolled with its holder's CSR,
// signs on the client: the gateway keeps its certificate only); a revoked identity is revoked at
// the CA, its CRL generated and handed to the ChannelCRL hook, and its API key refused at
// once. Records (certificate, key, the key's SHA-256) live in the gateway's bbolt database,
// so enrolled identities survive a restart.
package identities

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/govchain/govchain/gateway/internal/config"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/domain"
	bolt "go.etcd.io/bbolt"
)

// ChannelCRL puts an org's CRL into that org's MSP in the channel configuration (a config
// update signed as the channel's policies require), so that the peers refuse what the
// revoked certificates sign. It is called after every revocation with the CA's whole current
// CRL (PEM, "X509 CRL"); org is the short org name (market, tax, notary, audit). Until it
// returns nil the revoked certificate is refused only by the gateway (its API key), not by
// the peers.
type ChannelCRL interface {
	UpdateChannelCRL(ctx context.Context, org string, crlPEM []byte) error
}

// ChannelCRLFunc adapts a function to ChannelCRL.
type ChannelCRLFunc func(ctx context.Context, org string, crlPEM []byte) error

// UpdateChannelCRL implements ChannelCRL.
func (f ChannelCRLFunc) UpdateChannelCRL(ctx context.Context, org string, crlPEM []byte) error {
	return f(ctx, org, crlPEM)
}

// CA is what the service needs of an org's Fabric CA (a *CAClient).
type CA interface {
	Register(ctx context.Context, name, role, roleAttr string) (string, error)
	Enroll(ctx context.Context, name, secret string, csrPEM []byte) ([]byte, error)
	Revoke(ctx context.Context, name, reason string) ([]RevokedCert, error)
	GenCRL(ctx context.Context) ([]byte, error)
}

// Ledger adds and drops the signing identities of the gateway's fabric layer.
type Ledger interface {
	AddIdentity(caller ledger.Caller, mspID string, hops []string, certPEM, keyPEM []byte) error
	RemoveIdentity(caller ledger.Caller)
}

// Org is what the service knows of an org: its MSP, the peers its identities connect
// through (those of its admin identity) and its CA (nil: no identity management).
type Org struct {
	MSPID string
	Route []string
	CA    CA
}

// Config is everything the service depends on.
type Config struct {
	DB     *bolt.DB
	Orgs   map[string]Org
	Ledger Ledger
	// ChannelCRL is optional: nil reports "channel_crl": "pending" after a revocation.
	ChannelCRL ChannelCRL
	Logger     *slog.Logger
	Now        func() time.Time
}

// Service manages the enrolled identities.
type Service struct {
	cfg   Config
	st    *store
	log   *slog.Logger
	mu    sync.Mutex // serialises Create and Revoke
	keyMu sync.RWMutex
	keys  map[string]*Record // SHA-256 (hex) of the API key of every ACTIVE identity
}

// New opens the store. Call Load before serving requests.
func New(cfg Config) (*Service, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	st, err := newStore(cfg.DB)
	if err != nil {
		return nil, err
	}
	return &Service{cfg: cfg, st: st, log: cfg.Logger, keys: map[string]*Record{}}, nil
}

// Load makes every ACTIVE identity of the store usable again (after a restart): its API key
// accepted and its signing identity added to the ledger. Call it before the ledger resumes
// pending transactions.
func (s *Service) Load() error {
	recs, err := s.st.all()
	if err != nil {
		return err
	}
	n := 0
	for _, r := range recs {
		if r.Status != StatusActive {
			continue
		}
		if err := s.activate(r); err != nil {
			return fmt.Errorf("identity %s/%s: %w", r.Org, r.Name, err)
		}
		n++
	}
	s.log.Info("enrolled identities loaded", "active", n, "total", len(recs))
	return nil
}

func (s *Service) activate(r *Record) error {
	org, ok := s.cfg.Orgs[r.Org]
	if !ok || len(org.Route) == 0 {
		return fmt.Errorf("org %s has no admin identity whose peers it could use", r.Org)
	}
	if err := s.cfg.Ledger.AddIdentity(caller(r), r.MSPID, org.Route, r.CertPEM, r.KeyPEM); err != nil {
		return err
	}
	s.keyMu.Lock()
	s.keys[r.KeySHA256] = r
	s.keyMu.Unlock()
	return nil
}

func caller(r *Record) ledger.Caller { return ledger.Caller{Org: r.Org, Role: r.Role, Name: r.Name} }

// Principal is who an enrolled identity's API key stands for.
type Principal struct {
	Org, Role, Name, MSPID string
	// ClientSigned: enrolled with its holder's CSR; it writes through /api/v1/signing only.
	ClientSigned bool
}

// LookupKey returns the ACTIVE identity whose API key has this SHA-256 (hex, lower case).
func (s *Service) LookupKey(sum string) (Principal, bool) {
	s.keyMu.RLock()
	r, ok := s.keys[sum]
	s.keyMu.RUnlock()
	if !ok {
		return Principal{}, false
	}
	return Principal{Org: r.Org, Role: r.Role, Name: r.Name, MSPID: r.MSPID, ClientSigned: r.ClientSigned()}, true
}

// View is an identity as the API shows it: never a key.
type View struct {
	Org        string     `json:"org"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	MSPID      string     `json:"msp_id"`
	Status     string     `json:"status"`
	Serial     string     `json:"serial"`
	EnrolledAt time.Time  `json:"enrolled_at"`
	EnrolledBy string     `json:"enrolled_by"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	RevokedBy  string     `json:"revoked_by,omitempty"`
	Reason     string     `json:"reason,omitempty"`
	// Signing is "server" (the gateway made and keeps the key) or "client" (enrolled with
	// the holder's CSR: the gateway never had the key; writes go through /api/v1/signing).
	Signing string `json:"signing"`
	// Certificate is the identity's enrolment certificate (PEM): public.
	Certificate string `json:"certificate"`
}

func view(r *Record) View {
	signing := "server"
	if r.ClientSigned() {
		signing = SigningClient
	}
	return View{Signing: signing, Org: r.Org, Name: r.Name, Role: r.Role, MSPID: r.MSPID, Status: r.Status, Serial: r.Serial,
		EnrolledAt: r.EnrolledAt, EnrolledBy: r.EnrolledBy, RevokedAt: r.RevokedAt, RevokedBy: r.RevokedBy,
		Reason: r.Reason, Certificate: string(r.CertPEM)}
}

// nameRE is an enrolment id: lower-case letters, digits, '.', '_' and '-', starting with a
// letter, 2–32 characters.
var nameRE = regexp.MustCompile(`^[a-z][a-z0-9._-]{1,31}$`)

// reserved are the enrolment ids netctl gives the network's own identities (and the CA's
// bootstrap registrar): never a person's.
var reserved = []string{"admin", "orgadmin", "ccserver"}

// Roles an admin may give: every role but admin (an admin is made by the network's operator).
var Roles = []string{domain.RoleRegistrar, domain.RoleInvoiceIssuer, domain.RoleFinance, domain.RoleDepositor, domain.RoleNotary, domain.RoleAuditor}

// ValidateName refuses (INVALID) a name that is not an enrolment id a person may have.
func ValidateName(name string) error {
	if !nameRE.MatchString(name) {
		return domain.Errorf(domain.CodeInvalid, "name %q: want 2-32 characters of a-z, 0-9, '.', '_' or '-', starting with a letter", name)
	}
	if slices.Contains(reserved, name) || strings.HasPrefix(name, "peer") || strings.HasPrefix(name, "orderer") || slices.Contains(config.Roles, name) {
		return domain.Errorf(domain.CodeInvalid, "name %q is reserved for the network's own identities", name)
	}
	return nil
}

// ValidateRole refuses (INVALID) a role that cannot be given.
func ValidateRole(role string) error {
	if !slices.Contains(Roles, role) {
		return domain.Errorf(domain.CodeInvalid, "role %q: want one of %s (an admin is made by the network's operator)", role, strings.Join(Roles, ", "))
	}
	return nil
}

// CAFailure is a failure of the org's CA: Unavailable when it could not be asked.
type CAFailure struct {
	Unavailable bool
	Err         error
}

func (e *CAFailure) Error() string { return e.Err.Error() }
func (e *CAFailure) Unwrap() error { return e.Err }

func caFailure(err error) error {
	var ce *CAError
	if errors.As(err, &ce) {
		return &CAFailure{Err: err}
	}
	return &CAFailure{Unavailable: true, Err: err}
}

func (s *Service) org(org string) (Org, error) {
	o, ok := s.cfg.Orgs[org]
	if !ok || o.CA == nil {
		return Org{}, &CAFailure{Unavailable: true, Err: fmt.Errorf("no Fabric CA is configured for org %s: its identities cannot be managed through this gateway", org)}
	}
	return o, nil
}

// Created is the answer to Create: the identity and its API key, shown once.
type Created struct {
	View
	APIKey string `json:"api_key"`
}

// Create registers name with the org's CA (type client, govchain.role = role in its
// enrolment certificates), enrols it, stores it and makes it usable at once. Without csrPEM
// the gateway makes the key and keeps it (server-side signing); with csrPEM (the holder's
// PKCS#10 request, see ValidateCSR) the CA certifies the holder's key, the gateway keeps the
// certificate only and the identity signs on the client (/api/v1/signing). by names the
// admin (for the record).
func (s *Service) Create(ctx context.Context, org, name, role string, csrPEM []byte, by string) (*Created, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if err := ValidateRole(role); err != nil {
		return nil, err
	}
	var holder *x509.CertificateRequest
	if len(csrPEM) > 0 {
		var err error
		if holder, err = ValidateCSR(csrPEM, name); err != nil {
			return nil, err
		}
	}
	o, err := s.org(org)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, found, err := s.st.get(org, name); err != nil {
		return nil, err
	} else if found {
		return nil, domain.Errorf(domain.CodeConflict, "%s already has an identity %q (%s since %s)", org, name, old.Status, old.EnrolledAt.UTC().Format(time.RFC3339))
	}
	secret, err := o.CA.Register(ctx, name, role, domain.RoleAttribute)
	if err != nil {
		if AlreadyRegistered(err) {
			return nil, domain.Errorf(domain.CodeConflict, "%q is already registered with the Fabric CA of %s", name, org)
		}
		return nil, caFailure(err)
	}
	var keyPEM []byte
	if holder == nil {
		if keyPEM, csrPEM, err = NewKeyAndCSR(name, o.MSPID); err != nil {
			return nil, err
		}
	}
	certPEM, err := o.CA.Enroll(ctx, name, secret, csrPEM)
	if err != nil {
		return nil, caFailure(err)
	}
	cert, err := parseCert(certPEM)
	if err != nil {
		return nil, &CAFailure{Err: fmt.Errorf("the CA's certificate for %s: %w", name, err)}
	}
	if got, err := config.CertificateRole(cert); err != nil || got != role {
		return nil, &CAFailure{Err: fmt.Errorf("the CA's certificate for %s carries %s=%q, not %q", name, domain.RoleAttribute, got, role)}
	}
	signing := ""
	if holder != nil {
		if !samePublicKey(cert.PublicKey, holder.PublicKey) {
			return nil, &CAFailure{Err: fmt.Errorf("the CA's certificate for %s does not certify the key of the CSR", name)}
		}
		signing = SigningClient
	}
	apiKey := "gck_" + randomHex(24)
	sum := sha256.Sum256([]byte(apiKey))
	r := &Record{Org: org, Name: name, Role: role, MSPID: o.MSPID, Status: StatusActive,
		Serial: serialHex(cert.SerialNumber), EnrolledAt: s.cfg.Now().UTC(), EnrolledBy: by,
		KeySHA256: hex.EncodeToString(sum[:]), CertPEM: certPEM, KeyPEM: keyPEM, Signing: signing}
	if err := s.st.put(r); err != nil {
		return nil, err
	}
	if err := s.activate(r); err != nil {
		return nil, err
	}
	s.log.Info("identity enrolled", "org", org, "name", name, "role", role, "serial", r.Serial, "signing", view(r).Signing, "by", by)
	return &Created{View: view(r), APIKey: apiKey}, nil
}

// List is the org's identities enrolled through the gateway, by name.
func (s *Service) List(org string) ([]View, error) {
	recs, err := s.st.all()
	if err != nil {
		return nil, err
	}
	out := []View{}
	for _, r := range recs {
		if r.Org == org {
			out = append(out, view(r))
		}
	}
	return out, nil
}

// OrgOf is the org other than except that has an identity name (for a 403 rather than a 404
// when an admin names another org's identity), or "".
func (s *Service) OrgOf(name, except string) string {
	recs, err := s.st.all()
	if err != nil {
		return ""
	}
	for _, r := range recs {
		if r.Name == name && r.Org != except {
			return r.Org
		}
	}
	return ""
}

// Revoked is the answer to Revoke.
type Revoked struct {
	View
	// RevokedSerials are the certificates the CA revoked (hex).
	RevokedSerials []string `json:"revoked_serials"`
	// CRL is the CA's CRL generated after the revocation (PEM).
	CRL string `json:"crl"`
	// ChannelCRL: "updated" once the ChannelCRL hook put the CRL into the channel
	// configuration; "pending" otherwise (no hook, or it failed: ChannelCRLError).
	ChannelCRL      string `json:"channel_crl"`
	ChannelCRLError string `json:"channel_crl_error,omitempty"`
	Note            string `json:"note,omitempty"`
}

// CRLReasons are the revocation reasons Fabric CA knows (RFC 5280), by name.
var CRLReasons = []string{"unspecified", "keycompromise", "cacompromise", "affiliationchange", "superseded",
	"cessationofoperation", "certificatehold", "privilegewithdrawn", "aacompromise"}

// Revoke revokes the org's identity name at its CA (every certificate of the enrolment id),
// stops its API key and signing identity at once, generates the CA's CRL and hands it to the
// ChannelCRL hook. reason is the admin's words (kept); crlReason an RFC 5280 reason name
// (default cessationofoperation).
func (s *Service) Revoke(ctx context.Context, org, name, reason, crlReason, by string) (*Revoked, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	if crlReason == "" {
		crlReason = "cessationofoperation"
	}
	if !slices.Contains(CRLReasons, crlReason) {
		return nil, domain.Errorf(domain.CodeInvalid, "crl_reason %q: want one of %s", crlReason, strings.Join(CRLReasons, ", "))
	}
	o, err := s.org(org)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, found, err := s.st.get(org, name)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, domain.Errorf(domain.CodeNotFound, "%s has no identity %q enrolled through the gateway", org, name)
	}
	if r.Status == StatusRevoked {
		return nil, domain.Errorf(domain.CodeConflict, "%s/%s is already REVOKED (since %s)", org, name, r.RevokedAt.UTC().Format(time.RFC3339))
	}
	revoked, err := o.CA.Revoke(ctx, name, crlReason)
	if err != nil {
		return nil, caFailure(err)
	}
	// From here the certificate is revoked at the CA: stop the key and the signer at once.
	s.keyMu.Lock()
	delete(s.keys, r.KeySHA256)
	s.keyMu.Unlock()
	s.cfg.Ledger.RemoveIdentity(caller(r))
	now := s.cfg.Now().UTC()
	r.Status, r.RevokedAt, r.RevokedBy, r.Reason, r.KeyPEM = StatusRevoked, &now, by, reason, nil
	if err := s.st.put(r); err != nil {
		return nil, err
	}
	s.log.Info("identity revoked", "org", org, "name", name, "serial", r.Serial, "by", by, "certificates", len(revoked))
	out := &Revoked{View: view(r), RevokedSerials: []string{}, ChannelCRL: "pending"}
	for _, c := range revoked {
		out.RevokedSerials = append(out.RevokedSerials, strings.ToLower(strings.TrimLeft(c.Serial, "0")))
	}
	crl, err := o.CA.GenCRL(ctx)
	if err != nil {
		out.ChannelCRLError = "the CA's CRL could not be generated: " + err.Error()
		out.Note = "revoked at the CA and refused by this gateway; the peers will refuse the certificate only once the CA's CRL is in the channel configuration"
		return out, nil
	}
	out.CRL = string(crl)
	if s.cfg.ChannelCRL == nil {
		out.Note = "revoked at the CA and refused by this gateway; the peers will refuse the certificate only once this CRL is in the channel configuration"
		return out, nil
	}
	if err := s.cfg.ChannelCRL.UpdateChannelCRL(ctx, org, crl); err != nil {
		s.log.Warn("the CRL could not be put into the channel configuration", "org", org, "error", err)
		out.ChannelCRLError = err.Error()
		out.Note = "revoked at the CA and refused by this gateway; the peers will refuse the certificate only once this CRL is in the channel configuration"
		return out, nil
	}
	out.ChannelCRL = "updated"
	return out, nil
}

func parseCert(certPEM []byte) (*x509.Certificate, error) {
	b, _ := pem.Decode(certPEM)
	if b == nil || b.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	return x509.ParseCertificate(b.Bytes)
}

func serialHex(n *big.Int) string { return n.Text(16) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
