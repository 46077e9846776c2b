package httpapi

import (
	"bufio"
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/stretchr/testify/require"
)

func TestEventIDs(t *testing.T) {
	t.Run("ids round-trip", func(t *testing.T) {
		b, p, err := parseEventID(eventID(123, 4))
		require.NoError(t, err)
		require.Equal(t, uint64(123), b)
		require.Equal(t, 4, p)
	})
	for _, bad := range []string{"", "12", "a-1", "1-b", "1--1", "-1"} {
		t.Run("refuses "+bad, func(t *testing.T) {
			_, _, err := parseEventID(bad)
			require.Error(t, err)
		})
	}

	t.Run("positions count within a block", func(t *testing.T) {
		c := &cursor{}
		var ids []string
		for _, b := range []uint64{5, 5, 5, 6, 8, 8} {
			id, send := c.next(b)
			require.True(t, send)
			ids = append(ids, id)
		}
		require.Equal(t, []string{"5-0", "5-1", "5-2", "6-0", "8-0", "8-1"}, ids)
	})

	t.Run("a resume skips exactly what the client has", func(t *testing.T) {
		c := resumeAfter(5, 1) // client saw 5-0 and 5-1
		var ids []string
		for _, b := range []uint64{5, 5, 5, 6} {
			if id, send := c.next(b); send {
				ids = append(ids, id)
			}
		}
		require.Equal(t, []string{"5-2", "6-0"}, ids)
	})
}

// sseEvents reads n events (id, event, data) from an SSE response.
func sseEvents(t *testing.T, resp *http.Response, n int) [][3]string {
	t.Helper()
	sc := bufio.NewScanner(resp.Body)
	var out [][3]string
	var cur [3]string
	for len(out) < n && sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			cur[0] = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			cur[1] = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur[2] = strings.TrimPrefix(line, "data: ")
		case line == "" && cur[0] != "":
			out = append(out, cur)
			cur = [3]string{}
		}
	}
	return out
}

func TestEventStream(t *testing.T) {
	var gotStart *uint64
	fl := &fakeLedger{events: func(ctx context.Context, _ ledger.Caller, start *uint64) (<-chan ledger.Event, error) {
		gotStart = start
		ch := make(chan ledger.Event)
		go func() {
			defer close(ch)
			for _, ev := range []ledger.Event{
				{BlockNumber: 5, TransactionID: "a", ChaincodeName: "govchain", EventName: "InvoiceIssued", Payload: []byte(`{"contract":"invoice","key":"1"}`)},
				{BlockNumber: 5, TransactionID: "b", ChaincodeName: "govchain", EventName: "InvoiceReversed", Payload: []byte(`{"contract":"invoice","key":"2"}`)},
				{BlockNumber: 6, TransactionID: "c", ChaincodeName: "govchain", EventName: "EvidenceDeposited", Payload: []byte(`not json`)},
			} {
				if start != nil && ev.BlockNumber < *start {
					continue
				}
				select {
				case ch <- ev:
				case <-ctx.Done():
					return
				}
			}
			<-ctx.Done()
		}()
		return ch, nil
	}}
	h := newHarness(t, fl)
	ts := httptest.NewUnstartedServer(h.srv.Handler())
	ts.Config.ReadTimeout = 100 * time.Millisecond // streams must outlive it
	ts.Config.WriteTimeout = 100 * time.Millisecond
	ts.Start()
	defer ts.Close()

	get := func(query string, header map[string]string) *http.Response {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/events"+query, nil)
		req.Header.Set("X-API-Key", keyAuditor)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		t.Cleanup(cancel)
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		require.NoError(t, err)
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}

	t.Run("events from a start block, with block-position ids", func(t *testing.T) {
		resp := get("?start_block=5", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
		evs := sseEvents(t, resp, 3)
		require.Equal(t, uint64(5), *gotStart)
		require.Equal(t, "5-0", evs[0][0])
		require.Equal(t, "InvoiceIssued", evs[0][1])
		require.JSONEq(t, `{"block_number":5,"transaction_id":"a","event_name":"InvoiceIssued","chaincode":"govchain","payload":{"contract":"invoice","key":"1"}}`, evs[0][2])
		require.Equal(t, "5-1", evs[1][0])
		require.Equal(t, "6-0", evs[2][0])
		require.Contains(t, evs[2][2], `"payload":"not json"`)
	})

	t.Run("Last-Event-ID resumes right after that event", func(t *testing.T) {
		resp := get("?start_block=0", map[string]string{"Last-Event-ID": "5-0"})
		evs := sseEvents(t, resp, 2)
		require.Equal(t, uint64(5), *gotStart)
		require.Equal(t, "5-1", evs[0][0])
		require.Equal(t, "b", strings.Split(strings.Split(evs[0][2], `"transaction_id":"`)[1], `"`)[0])
		require.Equal(t, "6-0", evs[1][0])
	})

	t.Run("keep-alive comments flow while nothing happens, past the server's timeouts", func(t *testing.T) {
		resp := get("?start_block=7", nil)
		sc := bufio.NewScanner(resp.Body)
		found := 0
		t0 := time.Now()
		for sc.Scan() && time.Since(t0) < 400*time.Millisecond {
			if sc.Text() == ": keep-alive" {
				found++
			}
		}
		require.NoError(t, sc.Err())
		require.Greater(t, found, 4)
	})

	t.Run("a bad Last-Event-ID is 400", func(t *testing.T) {
		resp := get("", map[string]string{"Last-Event-ID": "yesterday"})
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})

	t.Run("a bad start block is 400", func(t *testing.T) {
		resp := get("?start_block=-1", nil)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})

	t.Run("streams end on shutdown", func(t *testing.T) {
		resp := get("?start_block=7", nil)
		h.srv.CloseStreams()
		done := make(chan struct{})
		go func() {
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
			}
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			t.Fatal("stream did not end")
		}
	})
}

// Regression (found by FuzzLastEventID): resuming after the largest position overflowed the
// cursor's bound and sent the block's events again.
func TestResumeAfterTheLargestPosition(t *testing.T) {
	for _, pos := range []int{0, 5, math.MaxInt - 1, math.MaxInt} {
		t.Run(strconv.Itoa(pos), func(t *testing.T) {
			c := resumeAfter(3, pos)
			for i := 0; i <= min(pos, 10); i++ {
				_, send := c.next(3)
				require.False(t, send, "position %d of block 3", i)
			}
			id, send := c.next(4)
			require.True(t, send)
			require.Equal(t, "4-0", id)
		})
	}
}
