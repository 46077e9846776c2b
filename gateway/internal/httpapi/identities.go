package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/gateway/internal/identities"
	"github.com/govchain/govchain/internal/domain"
)

// identityTimeout bounds one identity request (register and enrol, or revoke, gencrl and the
// channel CRL hook, which orders a config update).
const identityTimeout = 2 * time.Minute

// identityAdmin refuses (403) anyone but an org's admin, and (503) a gateway without identity
// management; it returns the admin's org.
func (s *Server) identityAdmin(c *gin.Context, org string) (Principal, bool) {
	p := principal(c)
	if p.Role != "admin" || p.Name != "" {
		s.fail(c, domain.Errorf(domain.CodeForbidden, "only an org's admin manages its identities; this key is %s/%s", p.Org, p.Role))
		return p, false
	}
	if org != "" && org != p.Org {
		s.fail(c, domain.Errorf(domain.CodeForbidden, "the admin of %s manages only the identities of %s, not of %s", p.Org, p.Org, clip(org)))
		return p, false
	}
	if s.cfg.Identities == nil {
		s.fail(c, &httpError{Code: codeUnavailable, Message: "identity management is not configured on this gateway (no cas[])"})
		return p, false
	}
	return p, true
}

// identityFailure maps a CA failure to 503 (unreachable) or 502 CA_FAILED; the CA's words go
// to the log, not to the client.
func (s *Server) identityFailure(c *gin.Context, err error) {
	var cf *identities.CAFailure
	if errors.As(err, &cf) {
		s.log.Warn("Fabric CA request failed", "request_id", c.GetString(ctxRequestID), "org", principal(c).Org, "error", clipTo(err.Error(), maxErrorText))
		if cf.Unavailable {
			s.fail(c, &httpError{Code: codeUnavailable, Message: "the org's Fabric CA cannot be reached or is not configured"})
			return
		}
		s.fail(c, &httpError{Code: codeCAFailed, Message: "the org's Fabric CA refused the request (see the gateway's log)"})
		return
	}
	var de *domain.Error
	if errors.As(err, &de) {
		s.fail(c, err)
		return
	}
	s.fail(c, err) // 500, cause in the log
}

type createIdentityRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
	// Org is optional: the admin's own org (anything else is 403).
	Org string `json:"org,omitempty"`
	// CSR is optional: the holder's PKCS#10 request (PEM, P-256, CN = name). With it the
	// holder keeps the key and the identity signs on the client (/api/v1/signing).
	CSR string `json:"csr,omitempty"`
}

// POST /identities {name, role, csr?} → registered and enrolled at the org's CA; 201 with
// the API key, shown this once. With a csr the gateway keeps only the certificate.
func (s *Server) createIdentity(c *gin.Context) {
	var req createIdentityRequest
	if err := decode(c, "identity", &req); err != nil {
		s.fail(c, err)
		return
	}
	p, ok := s.identityAdmin(c, req.Org)
	if !ok {
		return
	}
	if err := identities.ValidateName(req.Name); err != nil {
		s.fail(c, err)
		return
	}
	if err := identities.ValidateRole(req.Role); err != nil {
		s.fail(c, err)
		return
	}
	var csr []byte
	if req.CSR != "" {
		csr = []byte(req.CSR)
		if _, err := identities.ValidateCSR(csr, req.Name); err != nil {
			s.fail(c, err)
			return
		}
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), identityTimeout)
	defer cancel()
	out, err := s.cfg.Identities.Create(ctx, p.Org, req.Name, req.Role, csr, p.Org+"/"+p.Role)
	if err != nil {
		s.identityFailure(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, out)
}

// GET /identities[?org=] → the admin's org's identities enrolled through the gateway.
func (s *Server) listIdentities(c *gin.Context) {
	p, ok := s.identityAdmin(c, c.Query("org"))
	if !ok {
		return
	}
	list, err := s.cfg.Identities.List(p.Org)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"org": p.Org, "identities": list})
}

type revokeIdentityRequest struct {
	Reason    string `json:"reason"`
	CRLReason string `json:"crl_reason,omitempty"`
}

// POST /identities/{name}/revocation {reason, crl_reason?} → revoked at the CA, key refused at
// once, CRL generated and handed to the channel CRL hook.
func (s *Server) revokeIdentity(c *gin.Context) {
	var req revokeIdentityRequest
	if err := decode(c, "revocation", &req); err != nil {
		s.fail(c, err)
		return
	}
	p, ok := s.identityAdmin(c, "")
	if !ok {
		return
	}
	name := c.Param("name")
	if err := identities.ValidateName(name); err != nil {
		s.fail(c, err)
		return
	}
	if n := len([]rune(req.Reason)); n == 0 || n > 200 {
		s.fail(c, invalid("reason: 1-200 characters saying why the identity is revoked"))
		return
	}
	if domain.ContainsPersonalID(req.Reason) {
		s.fail(c, invalid("reason must not contain a resident ID number"))
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), identityTimeout)
	defer cancel()
	out, err := s.cfg.Identities.Revoke(ctx, p.Org, name, req.Reason, req.CRLReason, p.Org+"/"+p.Role)
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.CodeNotFound {
		if other := s.cfg.Identities.OrgOf(name, p.Org); other != "" {
			s.fail(c, domain.Errorf(domain.CodeForbidden, "%q is an identity of %s: the admin of %s manages only the identities of %s", name, other, p.Org, p.Org))
			return
		}
	}
	if err != nil {
		s.identityFailure(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}
