package fabric

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"google.golang.org/grpc/connectivity"
)

// health tells a route which of its peers to use. A peer is suspect from a failed call
// (its connection lost) until it is reachable again AND has caught up with this gateway's
// writes (its ledger height reaches the fence), so returning to it never breaks
// read-your-writes. Healthy peers cost nothing: no check is made for them.
type health struct {
	// state is a peer connection's gRPC state; ok false when unknown (tests).
	state func(peer string) (connectivity.State, bool)
	// want is the height a peer must have to be used again (the fence's height).
	want    func() uint64
	now     func() time.Time
	recheck time.Duration // between catch-up checks of one suspect peer
	check   time.Duration // bounds one catch-up check
	log     *slog.Logger

	mu      sync.Mutex
	suspect map[string]*suspicion
}

type suspicion struct {
	since    time.Time
	checked  time.Time
	checking bool
}

func newHealth(log *slog.Logger) *health {
	return &health{
		state:   func(string) (connectivity.State, bool) { return 0, false },
		want:    func() uint64 { return 0 },
		now:     time.Now,
		recheck: 500 * time.Millisecond,
		check:   time.Second,
		log:     log,
		suspect: map[string]*suspicion{},
	}
}

// down reports whether a peer's connection is known to be broken right now.
func (h *health) down(peer string) bool {
	st, ok := h.state(peer)
	return ok && (st == connectivity.TransientFailure || st == connectivity.Shutdown)
}

// failed marks a peer suspect after a call through it found it unreachable.
func (h *health) failed(peer string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.suspect[peer] == nil {
		h.suspect[peer] = &suspicion{since: h.now()}
		h.log.Warn("peer unreachable; using the next peer of the route", "peer", peer)
	}
}

// usable reports whether a call should go through c's peer now. A suspect peer is not used;
// at most every recheck one caller starts a check of it in the background (reachable, and its
// height at this gateway's writes), so no clerk's request waits on a peer that may still be
// slow; once the check succeeds the next call uses the peer again.
func (h *health) usable(ctx context.Context, c conn) bool {
	peer := c.peer()
	if h.down(peer) {
		h.failed(peer)
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.suspect[peer]
	if s == nil {
		return true
	}
	if s.checking || h.now().Sub(s.checked) < h.recheck {
		return false
	}
	s.checking = true
	go h.probe(context.WithoutCancel(ctx), c, s)
	return false
}

// probe checks a suspect peer: reachable and caught up with this gateway's writes.
func (h *health) probe(ctx context.Context, c conn, s *suspicion) {
	peer := c.peer()
	cctx, cancel := context.WithTimeout(ctx, h.check)
	height, err := c.height(cctx)
	cancel()
	want := h.want()

	h.mu.Lock()
	defer h.mu.Unlock()
	s.checking, s.checked = false, h.now()
	if err != nil || height < want || h.suspect[peer] != s {
		return
	}
	delete(h.suspect, peer)
	h.log.Info("peer reachable and caught up; using it again", "peer", peer, "height", height, "down_for", h.now().Sub(s.since).Round(time.Millisecond).String())
}

// connLost reports whether a call's Unavailable came from the connection to the peer itself
// (not Ready afterwards), rather than from the peer answering that others are unavailable.
// Unknown state (tests): assume it did.
func (h *health) connLost(peer string) bool {
	st, ok := h.state(peer)
	return !ok || st != connectivity.Ready
}
