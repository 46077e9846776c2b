// Package httpapi is the gateway's REST API: a Gin router over a ledger.Ledger, with
// API-key authentication, body limits, idempotency keys, request ids, metrics, structured
// logs, Server-Sent Events and an OpenAPI document that a test keeps true to the routes.
package httpapi

import (
	"context"
	"crypto/rand"
	"github.com/govchain/govchain/internal/proofbundle"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/gateway/internal/idempotency"
	"github.com/govchain/govchain/gateway/internal/identities"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/gateway/internal/ratelimit"
	"github.com/govchain/govchain/internal/domain"
	"github.com/govchain/govchain/internal/gatewayconfig"
)

// Principal is who an API key stands for.
type Principal struct {
	Org  string
	Role string
	// Name is the identity's name when not the org/role's default: one enrolled through
	// POST /identities, or a named identity of the gateway config (e.g. a client-signing one).
	Name    string
	MSPID   string
	KeyHash string // hex SHA-256 of the API key: scopes idempotency keys
	// ClientSigned: the identity signs on the client; it writes through /signing only.
	ClientSigned bool
}

// Caller is the principal's Fabric identity.
func (p Principal) Caller() ledger.Caller {
	return ledger.Caller{Org: p.Org, Role: p.Role, Name: p.Name}
}

// Identities is the identity lifecycle through the orgs' Fabric CAs (an *identities.Service).
type Identities interface {
	LookupKey(sum string) (identities.Principal, bool)
	Create(ctx context.Context, org, name, role string, csrPEM []byte, by string) (*identities.Created, error)
	List(org string) ([]identities.View, error)
	OrgOf(name, except string) string
	Revoke(ctx context.Context, org, name, reason, crlReason, by string) (*identities.Revoked, error)
}

// Idempotency is the idempotency store (an *idempotency.Store). Begin hands the request that
// claims a key a token; the other methods act only for the key's current owner.
type Idempotency interface {
	Begin(scope, key string, e idempotency.Entry) (idempotency.Outcome, *idempotency.Entry, idempotency.Token, error)
	SetTx(scope, key string, tok idempotency.Token, txID string) error
	Complete(scope, key string, tok idempotency.Token, status int, contentType string, body []byte) error
	Abort(scope, key string, tok idempotency.Token) error
	Release(scope, key string, tok idempotency.Token)
}

// Metrics receives HTTP request observations and event-stream counts.
type Metrics interface {
	ObserveHTTP(route, method string, status int, d time.Duration)
	StreamOpened()
	StreamClosed()
	Handler() http.Handler
}

// Config is everything the server depends on.
type Config struct {
	Ledger      ledger.Ledger
	Idempotency Idempotency
	// Keys maps the hex SHA-256 of every API key to its principal.
	Keys    map[string]Principal
	Metrics Metrics // optional
	// Verification is the chain verification (optional: without an audit office identity
	// the /ledger/verification routes answer 503).
	Verification Verification
	Logger       *slog.Logger

	MaxJSONBytes   int64
	MaxUploadBytes int64
	// RequestTimeout bounds reads; writes are bounded by the ledger's write deadline.
	RequestTimeout time.Duration
	// SigningTimeout is how long an unsigned client-signed step waits (default 5m).
	SigningTimeout time.Duration
	// KeepAlive is the interval of SSE keep-alive comments (default 15s).
	KeepAlive time.Duration
	// ReadyInterval is how long a /readyz answer is reused before the peers are probed
	// again (default 2s).
	ReadyInterval time.Duration
	CORSOrigins   []string
	// Index is the searchable index; nil: the /index routes answer 503.
	Index Index
	// Identities manages the identities enrolled through the orgs' CAs and authenticates
	// their API keys; nil: the /identities routes answer 503.
	Identities Identities
	// FingerprintKey keys the hash of personal input in idempotency fingerprints; keep it
	// across restarts (a random one is drawn when empty).
	FingerprintKey []byte
	// LicenceRenderer draws a licence as a PNG (GET /businesses/{uscc}/licence?format=png);
	// nil: that format answers 503 LICENCE_IMAGE_UNAVAILABLE (the JSON format still works).
	LicenceRenderer LicenceRenderer
	// LicencePublicURL is the gateway's public base URL (licence.public_url, validated by the
	// config); when set, a licence's QR code opens the verification page:
	// LicencePublicURL/verify#payload. Empty: the QR code carries the bare payload.
	LicencePublicURL string
	// VerifyCaller is the (server-signing) identity the public licence verification
	// evaluates with (licence.verify_identity); nil: POST /licences/verify answers 503.
	VerifyCaller *ledger.Caller
	// VerifyLimiter limits the public licence verification per client address; nil: a
	// limiter with the configuration's defaults (gatewayconfig.DefaultVerifyRatePerMinute,
	// DefaultVerifyBurst).
	VerifyLimiter RateLimiter
	// TrustedProxies are the reverse proxies (IPs or CIDRs) whose X-Forwarded-For names the
	// client; empty: the TCP peer is the client.
	TrustedProxies []string
}

// LicenceRenderer draws an electronic business licence (an *licenceimg.Renderer).
type LicenceRenderer interface {
	Render(domain.LicenceView) ([]byte, error)
}

// RateLimiter limits requests per client (a *ratelimit.Limiter): Allow takes a token for
// key, or reports how long until there is one.
type RateLimiter interface {
	Allow(key string) (bool, time.Duration)
}

// Server is the HTTP API.
type Server struct {
	cfg    Config
	log    *slog.Logger
	engine *gin.Engine
	steps  *signingSteps // client-signed writes in progress
	fpKey  []byte

	closeOnce sync.Once
	closing   chan struct{} // closed on shutdown: ends event streams

	ready readiness // the latest /readyz probe round

	proofs *proofbundle.Builder // caches the config and definition blocks of proof bundles
}

// New builds the server and its routes.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = 15 * time.Second
	}
	if cfg.ReadyInterval == 0 {
		cfg.ReadyInterval = 2 * time.Second
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = time.Minute
	}
	s := &Server{cfg: cfg, log: cfg.Logger, closing: make(chan struct{}), fpKey: cfg.FingerprintKey, proofs: proofbundle.NewBuilder()}
	if len(s.fpKey) == 0 {
		s.fpKey = make([]byte, 32)
		_, _ = rand.Read(s.fpKey)
	}
	if s.cfg.VerifyLimiter == nil {
		s.cfg.VerifyLimiter = ratelimit.New(ratelimit.Config{PerMinute: gatewayconfig.DefaultVerifyRatePerMinute, Burst: gatewayconfig.DefaultVerifyBurst})
	}
	s.steps = newSigningSteps()
	if cfg.SigningTimeout > 0 {
		s.steps.ttl = cfg.SigningTimeout
	}
	s.engine = s.router()
	return s
}

// Handler is the server's http.Handler.
func (s *Server) Handler() http.Handler { return s.engine }

// Routes lists the router's routes (method and Gin path).
func (s *Server) Routes() gin.RoutesInfo { return s.engine.Routes() }

// CloseStreams ends every event stream, so that a graceful shutdown does not wait for them.
func (s *Server) CloseStreams() {
	s.closeOnce.Do(func() { close(s.closing) })
}

// readContext bounds a read request.
func (s *Server) readContext(c *gin.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request.Context(), s.cfg.RequestTimeout)
}

func init() {
	gin.SetMode(gin.ReleaseMode)
}
