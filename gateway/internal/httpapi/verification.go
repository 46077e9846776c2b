package httpapi

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/gateway/internal/verification"
	"github.com/govchain/govchain/internal/domain"
)

// Verification is the gateway's chain verification (a *verification.Service).
type Verification interface {
	Report() verification.Report
	Run(ctx context.Context) (verification.Report, error)
}

// GET /ledger/verification: the last chain verification (any member org: the chain is
// shared, and so is whether it verifies).
func (s *Server) getVerification(c *gin.Context) {
	if s.cfg.Verification == nil {
		s.fail(c, errNoVerification)
		return
	}
	c.JSON(http.StatusOK, s.cfg.Verification.Report())
}

// POST /ledger/verification: the audit office verifies the new blocks now. The answer waits
// for the run up to the request timeout; a longer run goes on, and the answer is then 202
// with the last finished report.
func (s *Server) runVerification(c *gin.Context) {
	if s.cfg.Verification == nil {
		s.fail(c, errNoVerification)
		return
	}
	if principal(c).MSPID != domain.AuditMSP {
		s.fail(c, domain.Errorf(domain.CodeForbidden, "only the audit office starts a chain verification; GET shows the last one"))
		return
	}
	done := make(chan verification.Report, 1)
	go func() {
		// Not the request's context: a client that goes away must not cut the run short.
		r, _ := s.cfg.Verification.Run(context.WithoutCancel(c.Request.Context()))
		done <- r
	}()
	ctx, cancel := s.readContext(c)
	defer cancel()
	select {
	case r := <-done:
		c.JSON(http.StatusOK, r)
	case <-ctx.Done():
		c.JSON(http.StatusAccepted, s.cfg.Verification.Report())
	}
}

var errNoVerification = &httpError{Code: codeUnavailable,
	Message: "chain verification is not configured: the gateway has no identity of the audit office"}
