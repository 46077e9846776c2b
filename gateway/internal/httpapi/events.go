package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/gateway/internal/ledger"
)

// streamEvent is the data of one SSE event.
type streamEvent struct {
	BlockNumber   uint64          `json:"block_number"`
	TransactionID string          `json:"transaction_id"`
	EventName     string          `json:"event_name"`
	Chaincode     string          `json:"chaincode"`
	Payload       json.RawMessage `json:"payload"`
}

// GET /events?start_block=N: the chaincode's events as Server-Sent Events. A Last-Event-ID
// header (sent by EventSource on reconnect) wins over start_block and resumes right after
// that event. Without either, the stream starts at the next block.
func (s *Server) events(c *gin.Context) {
	var start *uint64
	cur := &cursor{}
	if v := c.Query("start_block"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			s.fail(c, invalid("start_block must be a block number, got %q", v))
			return
		}
		start = &n
	}
	if last := c.GetHeader("Last-Event-ID"); last != "" {
		block, pos, err := parseEventID(last)
		if err != nil {
			s.fail(c, invalid("Last-Event-ID: %v", err))
			return
		}
		start, cur = &block, resumeAfter(block, pos)
	}

	ctx := c.Request.Context()
	events, err := s.cfg.Ledger.Events(ctx, principal(c).Caller(), start)
	if err != nil {
		s.fail(c, err)
		return
	}
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.StreamOpened()
		defer s.cfg.Metrics.StreamClosed()
	}

	w := c.Writer
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	// The server's read timeout would otherwise end the stream: net/http cancels a request
	// whose connection read deadline passes.
	_ = rc.SetReadDeadline(time.Time{})
	write := func(format string, args ...any) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.KeepAlive + 30*time.Second))
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write("retry: 3000\n: stream of chaincode events\n\n") {
		return
	}
	tick := time.NewTicker(s.cfg.KeepAlive)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.closing:
			return
		case <-tick.C:
			if !write(": keep-alive\n\n") {
				return
			}
		case ev, ok := <-events:
			if !ok {
				return
			}
			id, send := cur.next(ev.BlockNumber)
			if !send {
				continue
			}
			data := mustJSON(toStreamEvent(ev))
			if !write("id: %s\nevent: %s\ndata: %s\n\n", id, sseToken(ev.EventName), data) {
				return
			}
		}
	}
}

func toStreamEvent(ev ledger.Event) streamEvent {
	p := json.RawMessage(ev.Payload)
	if len(p) == 0 || !json.Valid(p) {
		p = mustJSON(string(ev.Payload))
	}
	return streamEvent{BlockNumber: ev.BlockNumber, TransactionID: ev.TransactionID, EventName: ev.EventName, Chaincode: ev.ChaincodeName, Payload: p}
}

// sseToken keeps an event name on one line.
func sseToken(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '\n' || r == '\r' {
			continue
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return "message"
	}
	return string(out)
}
