//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

type sseEvent struct {
	ID    string
	Name  string
	Block uint64
	TxID  string
	Data  map[string]any
}

// readEvents connects to /events and collects events until stop returns true
// or the timeout passes.
func readEvents(t *testing.T, query, lastEventID string, stop func([]sseEvent) bool, timeout time.Duration) []sseEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+h.gwAddr+"/api/v1/events"+query, nil)
	req.Header.Set("X-API-Key", key(t, "audit", "auditor"))
	req.Header.Set("Accept", "text/event-stream")
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /events: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET /events: HTTP %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64*1024), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.ID != "" || cur.Data != nil {
				out = append(out, cur)
				if stop(out) {
					return out
				}
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, "id:"):
			cur.ID = strings.TrimSpace(line[3:])
		case strings.HasPrefix(line, "event:"):
			cur.Name = strings.TrimSpace(line[6:])
		case strings.HasPrefix(line, "data:"):
			if err := json.Unmarshal([]byte(strings.TrimSpace(line[5:])), &cur.Data); err != nil {
				t.Fatalf("event data is not JSON: %q", line)
			}
			cur.Block = uint64(num(cur.Data, "block_number"))
			cur.TxID = str(cur.Data, "transaction_id")
		}
	}
	return out
}

func hasTx(tx string) func([]sseEvent) bool {
	return func(evs []sseEvent) bool {
		return slices.ContainsFunc(evs, func(e sseEvent) bool { return e.TxID == tx })
	}
}

func testEvents(t *testing.T) {
	if len(story.txs) == 0 {
		t.Skip("the story did not run")
	}
	lastTx := story.txs[len(story.txs)-1]
	all := readEvents(t, "?start_block=0", "", hasTx(lastTx), 60*time.Second)

	t.Run("every event of the story, in order, with block and transaction", func(t *testing.T) {
		var got []string
		for _, e := range all {
			if slices.Contains(story.txs, e.TxID) {
				got = append(got, e.TxID)
				i := slices.Index(story.txs, e.TxID)
				if e.Name != story.events[i] || str(e.Data, "event_name") != story.events[i] || e.Block == 0 {
					t.Errorf("event for tx %d: got %q block %d, want %q", i, e.Name, e.Block, story.events[i])
				}
				if p, _ := e.Data["payload"].(map[string]any); p == nil || str(p, "key") == "" || p["state"] == nil {
					t.Errorf("event %s: payload must carry the record key and state: %v", e.Name, e.Data["payload"])
				}
			}
		}
		if !slices.Equal(got, story.txs) {
			t.Fatalf("story events: got %d in order %v, want %d %v", len(got), got, len(story.txs), story.txs)
		}
		for i := 1; i < len(all); i++ {
			if all[i].Block < all[i-1].Block {
				t.Fatalf("events out of block order at %d", i)
			}
		}
	})

	// Pick an event in the middle of the story to resume from.
	mid := -1
	for i, e := range all {
		if e.TxID == story.txs[len(story.txs)/2] {
			mid = i
		}
	}
	if mid < 0 {
		t.Fatal("middle story event not seen")
	}
	tail := func(evs []sseEvent) []string {
		var ids []string
		for _, e := range evs {
			ids = append(ids, fmt.Sprintf("%s/%s", e.ID, e.TxID))
		}
		return ids
	}

	t.Run("resume from a block replays without gaps", func(t *testing.T) {
		from := all[mid].Block
		got := readEvents(t, fmt.Sprintf("?start_block=%d", from), "", hasTx(lastTx), 60*time.Second)
		var want []sseEvent
		for _, e := range all {
			if e.Block >= from {
				want = append(want, e)
			}
		}
		if len(got) < len(want) || !slices.Equal(tail(got)[:len(want)], tail(want)) {
			t.Fatalf("resumed stream differs:\n got %v\nwant %v", tail(got), tail(want))
		}
	})

	t.Run("resume after Last-Event-ID continues with the next event", func(t *testing.T) {
		got := readEvents(t, "", all[mid].ID, hasTx(lastTx), 60*time.Second)
		want := all[mid+1:]
		if len(got) < len(want) || !slices.Equal(tail(got)[:len(want)], tail(want)) {
			t.Fatalf("Last-Event-ID resume differs:\n got %v\nwant %v", tail(got), tail(want))
		}
	})
}
