package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// GET /healthz: the process is up.
func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// GET /readyz: every peer reachable and the chaincode answering (503 otherwise).
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 10*time.Second)
	defer cancel()
	peers := s.cfg.Ledger.Ready(ctx)
	ready := len(peers) > 0
	for _, p := range peers {
		ready = ready && p.Ready
	}
	status, word := http.StatusOK, "ready"
	if !ready {
		status, word = http.StatusServiceUnavailable, "not_ready"
	}
	c.JSON(status, gin.H{"status": word, "peers": peers})
}

// GET /metrics: Prometheus text format.
func (s *Server) metrics(c *gin.Context) {
	if s.cfg.Metrics == nil {
		c.Status(http.StatusNotFound)
		return
	}
	s.cfg.Metrics.Handler().ServeHTTP(c.Writer, c.Request)
}
