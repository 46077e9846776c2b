package httpapi

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/gateway/internal/ledger"
)

// GET /healthz: the process is up.
func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// GET /readyz: every peer reachable and the chaincode answering (503 otherwise). The answer
// comes from the latest probe round if it ended less than Config.ReadyInterval ago; callers
// that come while a round runs wait for it and share its answer. So however many clients ask
// (without authentication), the peers see at most one probe each per interval.
func (s *Server) readyz(c *gin.Context) {
	round, ok := s.ready.get(c.Request.Context(), s.cfg.ReadyInterval, s.probe)
	if !ok { // the client went away while the round ran
		c.AbortWithStatus(http.StatusServiceUnavailable)
		return
	}
	ready := len(round.peers) > 0
	for _, p := range round.peers {
		ready = ready && p.Ready
	}
	status, word := http.StatusOK, "ready"
	if !ready {
		status, word = http.StatusServiceUnavailable, "not_ready"
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(status, gin.H{"status": word, "peers": round.peers, "checked_at": round.at.UTC().Format(time.RFC3339Nano)})
}

// probe runs one round of readiness probes. It does not depend on any one request: every
// caller waiting for the round shares it.
func (s *Server) probe() []ledger.PeerStatus {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.cfg.Ledger.Ready(ctx)
}

// readyRound is the outcome of one probe round.
type readyRound struct {
	done  chan struct{} // closed when the round has ended
	peers []ledger.PeerStatus
	at    time.Time // when the round ended
}

// readiness caches the latest probe round and lets one round run at a time.
type readiness struct {
	mu      sync.Mutex
	last    *readyRound // the latest finished round
	running *readyRound // the round in progress, if any
}

// get returns the latest round if it ended less than ttl ago, or else the round in progress
// or a new one, which the caller then runs. ok is false if ctx ended while waiting.
func (r *readiness) get(ctx context.Context, ttl time.Duration, probe func() []ledger.PeerStatus) (round *readyRound, ok bool) {
	r.mu.Lock()
	if r.last != nil && time.Since(r.last.at) < ttl {
		round = r.last
		r.mu.Unlock()
		return round, true
	}
	if round = r.running; round != nil {
		r.mu.Unlock()
		select {
		case <-round.done:
			return round, true
		case <-ctx.Done():
			return nil, false
		}
	}
	round = &readyRound{done: make(chan struct{})}
	r.running = round
	r.mu.Unlock()

	defer func() { // also if the probe panics: nobody waits forever
		r.mu.Lock()
		round.at = time.Now()
		r.running = nil
		if round.peers != nil {
			r.last = round
		}
		r.mu.Unlock()
		close(round.done)
	}()
	round.peers = probe()
	if round.peers == nil {
		round.peers = []ledger.PeerStatus{}
	}
	return round, true
}

// GET /metrics: Prometheus text format.
func (s *Server) metrics(c *gin.Context) {
	if s.cfg.Metrics == nil {
		c.Status(http.StatusNotFound)
		return
	}
	s.cfg.Metrics.Handler().ServeHTTP(c.Writer, c.Request)
}
