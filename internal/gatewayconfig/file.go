package gatewayconfig

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"gopkg.in/yaml.v3"
)

// File is the whole gateway configuration file. Optional keys are omitted when written empty.
type File struct {
	Listen         string        `yaml:"listen,omitempty"`
	Channel        string        `yaml:"channel,omitempty"`
	Chaincode      string        `yaml:"chaincode,omitempty"`
	DataDir        string        `yaml:"data_dir,omitempty"`
	LogLevel       string        `yaml:"log_level,omitempty"`
	Timeouts       Timeouts      `yaml:"timeouts,omitempty"`
	Limits         Limits        `yaml:"limits,omitempty"`
	Retry          Retry         `yaml:"retry,omitempty"`
	CORSOrigins    []string      `yaml:"cors_origins,omitempty"`
	IdempotencyTTL time.Duration `yaml:"idempotency_ttl,omitempty"`
	Peers          []Peer        `yaml:"peers"`
	Identities     []Identity    `yaml:"identities"`
	APIKeys        []APIKey      `yaml:"api_keys"`
	// DebugListen, when set, serves Go's pprof endpoints (/debug/pprof/) on a separate
	// listener for profiling. No authentication: loopback addresses only.
	DebugListen string `yaml:"debug_listen,omitempty"`
	// Index is the searchable index the gateway keeps from the block stream.
	Index Index `yaml:"index,omitempty"`
	// CAs are the orgs' Fabric CAs through which an org's admin enrols and revokes its
	// people (POST /api/v1/identities). An org without one cannot manage identities.
	CAs []CA `yaml:"cas,omitempty"`
	// Orderers (optional) are the ordering service's Broadcast endpoints. Only channel
	// configuration updates use them (internal/chanconfig: an org's CRL published into its
	// MSP, signed by that org's identity of role admin); transactions go through the peers.
	Orderers []Orderer `yaml:"orderers,omitempty"`
	// Licence configures the electronic business licence routes (the PNG rendering and the
	// public verification).
	Licence Licence `yaml:"licence,omitempty"`
	// TrustedProxies are the reverse proxies (IP addresses or CIDR ranges) whose
	// X-Forwarded-For and X-Real-IP headers the gateway believes when it tells clients apart
	// (the public licence verification's rate limit). Empty: only the TCP peer address
	// counts, so a client cannot pick its own address with a header.
	TrustedProxies []string `yaml:"trusted_proxies,omitempty"`
}

// Licence configures the electronic business licence routes.
type Licence struct {
	// FontFile (optional) is a CJK font (TrueType/OpenType, e.g. wqy-microhei.ttc) the licence
	// image is drawn with; without one GET .../licence?format=png answers 503.
	FontFile string `yaml:"font_file,omitempty"`
	// VerifyIdentity (ORG/ROLE or ORG/ROLE/NAME, a server-signing identity of identities)
	// evaluates the public licence verification (POST /api/v1/licences/verify, no API key).
	VerifyIdentity string `yaml:"verify_identity,omitempty"`
	// VerifyRatePerMinute and VerifyBurst limit the public verification per client address
	// (a token bucket: VerifyBurst at once, then VerifyRatePerMinute a minute).
	VerifyRatePerMinute int `yaml:"verify_rate_per_minute,omitempty"`
	VerifyBurst         int `yaml:"verify_burst,omitempty"`
	// PublicURL (optional) is the gateway's public base URL (absolute http or https, no
	// query or fragment, e.g. https://licence.gov.example). When set, the licence's QR code
	// carries PublicURL + "/verify#" + payload, so a phone's camera opens the gateway's
	// verification page (GET /verify); unset, it carries the bare payload.
	PublicURL string `yaml:"public_url,omitempty"`
}

// Defaults of the public licence verification's rate limit, per client address.
const (
	DefaultVerifyRatePerMinute = 30
	DefaultVerifyBurst         = 10
)

// DefaultVerifyOrg and DefaultVerifyRole name the identity that answers the public licence
// verification when licence.verify_identity is unset: the market bureau's registrar (the
// bureau issues the licences and its own peer holds them).
const (
	DefaultVerifyOrg  = "market"
	DefaultVerifyRole = "registrar"
)

// DefaultVerifyIdentity is the identity the public licence verification evaluates with when
// licence.verify_identity is unset: market/registrar, else the first server-signing
// identity of org market. ok is false when there is none.
func (f *File) DefaultVerifyIdentity() (Identity, bool) {
	if id, ok := f.Identity(DefaultVerifyOrg, DefaultVerifyRole); ok && !id.ClientSigned() {
		return id, true
	}
	for _, id := range f.Identities {
		if id.Org == DefaultVerifyOrg && !id.ClientSigned() {
			return id, true
		}
	}
	return Identity{}, false
}

// CA is one org's Fabric CA and the registrar identity the gateway acts as there: it needs
// hf.Registrar.Roles (client), hf.Registrar.Attributes (govchain.role), hf.Revoker and
// hf.GenCRL. Its key never leaves the gateway.
type CA struct {
	Org string `yaml:"org"`
	// URL is the CA's https://host:port; CAName its ca.name (fabric-ca-server's --ca.name).
	URL    string `yaml:"url"`
	CAName string `yaml:"ca_name,omitempty"`
	// TLSCACert verifies the CA's TLS certificate.
	TLSCACert string `yaml:"tls_ca_cert"`
	// RegistrarCert and RegistrarKey are the registrar's enrolment certificate and key.
	RegistrarCert string `yaml:"registrar_cert"`
	RegistrarKey  string `yaml:"registrar_key"`
}

// CA returns the CA configured for org.
func (f *File) CA(org string) (CA, bool) {
	for _, c := range f.CAs {
		if c.Org == org {
			return c, true
		}
	}
	return CA{}, false
}

// Orderer is one orderer's Broadcast endpoint (server TLS only: the orderers do not ask
// clients for a certificate).
type Orderer struct {
	Name       string `yaml:"name"`
	Endpoint   string `yaml:"endpoint"`
	TLSCACert  string `yaml:"tls_ca_cert"`
	ServerName string `yaml:"server_name,omitempty"`
}

// Index configures the searchable index: a database the gateway fills from the block stream
// of Identity's own peer. Driver sqlite (default; DSN default data_dir/index.db), postgres
// (DSN required: a postgres:// URL or key=value string for pgx) or none (no index).
type Index struct {
	Driver string `yaml:"driver,omitempty"`
	DSN    string `yaml:"dsn,omitempty"`
	// Identity (ORG/ROLE) reads the blocks; default audit/auditor, or the first identity on a
	// gateway without it. Its own peer is the source; never another agency's peer.
	Identity string `yaml:"identity,omitempty"`
}

// Timeouts bound every wait. The first four are the fabric-gateway client timeouts.
type Timeouts struct {
	Evaluate     time.Duration `yaml:"evaluate,omitempty"`
	Endorse      time.Duration `yaml:"endorse,omitempty"`
	Submit       time.Duration `yaml:"submit,omitempty"`
	CommitStatus time.Duration `yaml:"commit_status,omitempty"`
	// Request bounds a read request (evaluate, transaction lookup) end to end.
	Request time.Duration `yaml:"request,omitempty"`
	// WriteDeadline bounds a synchronous write: endorse, submit, resubmits and retries.
	WriteDeadline time.Duration `yaml:"write_deadline,omitempty"`
	// PendingDeadline bounds how long the background worker keeps resubmitting a transaction
	// (async writes and synchronous writes that outlived WriteDeadline) before it gives up
	// and records the final status EXPIRED.
	PendingDeadline time.Duration `yaml:"pending_deadline,omitempty"`
	// Shutdown bounds the graceful shutdown (in-flight requests finish within it).
	Shutdown time.Duration `yaml:"shutdown,omitempty"`
	// Signing is how long an unsigned step of a client-signed write waits for its signature.
	Signing time.Duration `yaml:"signing,omitempty"`
}

// Limits bound request bodies.
type Limits struct {
	MaxJSONBytes   int64 `yaml:"max_json_bytes,omitempty"`
	MaxUploadBytes int64 `yaml:"max_upload_bytes,omitempty"`
}

// Retry bounds the retries of transient commit failures (MVCC_READ_CONFLICT, PHANTOM_READ_CONFLICT)
// with a fresh transaction, and the backoff between resubmissions of the same transaction.
type Retry struct {
	MaxAttempts    int           `yaml:"max_attempts,omitempty"`
	InitialBackoff time.Duration `yaml:"initial_backoff,omitempty"`
	MaxBackoff     time.Duration `yaml:"max_backoff,omitempty"`
}

// Peer is one peer's gateway endpoint. The gateway keeps one gRPC connection per peer.
type Peer struct {
	Name       string `yaml:"name"`
	MSPID      string `yaml:"msp_id"`
	Endpoint   string `yaml:"endpoint"`
	TLSCACert  string `yaml:"tls_ca_cert"`
	ServerName string `yaml:"server_name,omitempty"`
}

// Identity is one org/role Fabric identity; requests authenticated as that org/role are
// signed with it and sent through Peer's connection, or, when that peer is unreachable,
// through the next peer of Peers that is.
type Identity struct {
	Org  string `yaml:"org"`
	Role string `yaml:"role"`
	// Name tells apart several identities of one org and role (e.g. a second registrar who
	// signs on the client); empty for the org/role's default identity.
	Name  string `yaml:"name,omitempty"`
	MSPID string `yaml:"msp_id"`
	Cert  string `yaml:"cert"`
	// Key is the private key (server-side signing); absent for signing: client.
	Key string `yaml:"key,omitempty"`
	// Signing is who signs the identity's proposals and transactions: "server" (default: the
	// gateway, with Key) or "client" (the key holder, through the /signing routes; the
	// gateway holds the certificate only).
	Signing string `yaml:"signing,omitempty"`
	// CACert (optional) is the CA certificate of the identity's MSP: when set, the gateway
	// refuses to start unless Cert was issued by it.
	CACert string `yaml:"ca_cert,omitempty"`
	// Peer is the identity's own (entry) peer. It may be omitted when Peers is set.
	Peer string `yaml:"peer,omitempty"`
	// Peers is the ordered list of peers to connect through: the own peer first, then the
	// fallbacks. Empty: Peer only.
	Peers []string `yaml:"peers,omitempty"`
}

// Signing modes of an identity.
const (
	SigningServer = "server"
	SigningClient = "client"
)

// ClientSigned reports whether the identity signs on the client (the gateway has no key).
func (id Identity) ClientSigned() bool { return id.Signing == SigningClient }

// Label is org/role, or org/role/name for a named identity.
func (id Identity) Label() string {
	if id.Name != "" {
		return id.Org + "/" + id.Role + "/" + id.Name
	}
	return id.Org + "/" + id.Role
}

// Route is the ordered list of peers the identity connects through: Peers, or Peer alone.
func (id Identity) Route() []string {
	if len(id.Peers) > 0 {
		return id.Peers
	}
	if id.Peer == "" {
		return nil
	}
	return []string{id.Peer}
}

// Home is the identity's own peer: the first of its route.
func (id Identity) Home() string {
	if r := id.Route(); len(r) > 0 {
		return r[0]
	}
	return ""
}

// APIKey maps the hex SHA-256 of an API key to an org and role.
type APIKey struct {
	SHA256 string `yaml:"sha256"`
	Org    string `yaml:"org"`
	Role   string `yaml:"role"`
	// Identity is the name of the identity (identities[].name) when it is not the org/role's
	// default one.
	Identity string `yaml:"identity,omitempty"`
}

// Identity returns the default (unnamed) identity configured for org and role.
func (f *File) Identity(org, role string) (Identity, bool) {
	return f.NamedIdentity(org, role, "")
}

// NamedIdentity returns the identity configured for org, role and name ("" = the default).
func (f *File) NamedIdentity(org, role, name string) (Identity, bool) {
	for _, id := range f.Identities {
		if id.Org == org && id.Role == role && id.Name == name {
			return id, true
		}
	}
	return Identity{}, false
}

// Peer returns the peer with the given name.
func (f *File) Peer(name string) (Peer, bool) {
	for _, p := range f.Peers {
		if p.Name == name {
			return p, true
		}
	}
	return Peer{}, false
}

// ResolvePaths makes the relative file paths (data_dir, tls_ca_cert of peers and orderers, cert, key, licence.font_file) absolute
// against base, the directory that holds the configuration file.
func (f *File) ResolvePaths(base string) {
	resolve := func(p string) string {
		if p == "" || filepath.IsAbs(p) || base == "" {
			return p
		}
		return filepath.Join(base, p)
	}
	f.DataDir = resolve(f.DataDir)
	f.Licence.FontFile = resolve(f.Licence.FontFile)
	for i := range f.Peers {
		f.Peers[i].TLSCACert = resolve(f.Peers[i].TLSCACert)
	}
	for i := range f.Orderers {
		f.Orderers[i].TLSCACert = resolve(f.Orderers[i].TLSCACert)
	}
	for i := range f.Identities {
		f.Identities[i].Cert = resolve(f.Identities[i].Cert)
		f.Identities[i].Key = resolve(f.Identities[i].Key)
		f.Identities[i].CACert = resolve(f.Identities[i].CACert)
	}
	for i := range f.CAs {
		f.CAs[i].TLSCACert = resolve(f.CAs[i].TLSCACert)
		f.CAs[i].RegistrarCert = resolve(f.CAs[i].RegistrarCert)
		f.CAs[i].RegistrarKey = resolve(f.CAs[i].RegistrarKey)
	}
}

// Decode parses YAML into dst, refusing unknown keys so that typos do not pass silently.
// dst is a *File or a struct that inlines one.
func Decode(raw []byte, dst any) error {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("parse YAML: %w", err)
	}
	return nil
}

// Read reads and decodes the file at path (no defaults, no validation) and resolves its
// relative paths against the file's directory.
func Read(path string) (*File, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f := &File{}
	if err := Decode(raw, f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	f.ResolvePaths(filepath.Dir(abs))
	return f, nil
}

// Write writes f to path (mode 0600) after the comment head (each line starting with "#").
func (f *File) Write(path, head string) error {
	b, err := yaml.Marshal(f)
	if err != nil {
		return err
	}
	return os.WriteFile(path, append([]byte(head), b...), 0o600)
}
