package httpapi

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/gateway/internal/identities"
)

// unmatchedRoute is the route label and logged route of a request no route matched.
const unmatchedRoute = "unmatched"

// recovery turns a panic into a 500 and logs its stack (never the request body).
func (s *Server) recovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.Error("panic", "request_id", c.GetString(ctxRequestID), "panic", clipTo(fmt.Sprint(r), maxErrorText), "stack", string(debug.Stack()))
				if !c.Writer.Written() {
					s.fail(c, fmt.Errorf("panic: %v", r))
				} else {
					c.Abort()
				}
			}
		}()
		c.Next()
	}
}

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID takes a sane X-Request-ID from the client or makes one, and echoes it.
func (s *Server) requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if !requestIDRE.MatchString(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set(ctxRequestID, id)
		c.Header("X-Request-ID", id)
		c.Next()
	}
}

// observe records metrics and writes one log line per request: no bodies, no query
// strings, no API keys. Labels come from fixed sets (the matched route template or
// "unmatched"; the method reduced by the metrics to the standard ones or "other") and every
// logged value the client chose is clipped, so no request can grow the metrics or a log line
// beyond a fixed size.
func (s *Server) observe() gin.HandlerFunc {
	return func(c *gin.Context) {
		t0 := time.Now()
		c.Next()
		d := time.Since(t0)
		route := c.FullPath() // a template of the route table, never the raw path
		if route == "" {
			route = unmatchedRoute
		}
		status := c.Writer.Status()
		inner := sinkFrom(c) != nil // a write route run inside a client-signed proposal
		if s.cfg.Metrics != nil && !inner {
			s.cfg.Metrics.ObserveHTTP(route, c.Request.Method, status, d)
		}
		attrs := []any{
			"request_id", c.GetString(ctxRequestID),
			"method", clip(c.Request.Method),
			"route", route,
			"path", clip(c.Request.URL.Path),
			"status", status,
			"duration_ms", float64(d.Microseconds()) / 1000,
			"bytes", c.Writer.Size(),
		}
		if p, ok := c.Get(ctxPrincipal); ok {
			pr := p.(Principal)
			attrs = append(attrs, "org", pr.Org, "role", pr.Role)
			if pr.Name != "" {
				attrs = append(attrs, "identity", pr.Name)
			}
		}
		if inner {
			attrs = append(attrs, "signing_proposal", true)
		}
		if tx := c.GetString(ctxTxID); tx != "" {
			attrs = append(attrs, "tx_id", tx)
		}
		if code := c.GetString(ctxErrorCode); code != "" {
			attrs = append(attrs, "error_code", code)
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelWarn
		}
		s.log.Log(c.Request.Context(), level, "request", attrs...)
	}
}

// authenticate resolves X-API-Key (compared by its SHA-256) to a principal: 401 otherwise.
func (s *Server) authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		key := c.GetHeader("X-API-Key")
		if key == "" {
			s.fail(c, &httpError{Code: codeUnauthenticated, Message: "missing X-API-Key header"})
			return
		}
		sum := sha256.Sum256([]byte(key))
		hash := hex.EncodeToString(sum[:])
		p, ok := s.cfg.Keys[hash]
		if !ok && s.cfg.Identities != nil {
			// An identity enrolled through POST /identities: only while it is ACTIVE.
			var e identities.Principal
			if e, ok = s.cfg.Identities.LookupKey(hash); ok {
				p = Principal{Org: e.Org, Role: e.Role, MSPID: e.MSPID, KeyHash: hash, Name: e.Name, ClientSigned: e.ClientSigned}
			}
		}
		if !ok {
			s.fail(c, &httpError{Code: codeUnauthenticated, Message: "unknown API key"})
			return
		}
		c.Set(ctxPrincipal, p)
		c.Next()
	}
}
