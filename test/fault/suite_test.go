package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fakeGateway answers the few routes the suite uses, like the real gateway: synchronous
// registrations 201 once "committed", ?async=true 202 then PENDING for a few polls then
// VALID, Idempotency-Key replays, the auditor's read-back. Its faults are switched by the
// fake cluster.
type fakeGateway struct {
	mu       sync.Mutex
	down     bool            // answer every write 503 UNAVAILABLE
	lossy    bool            // acknowledge synchronous writes without keeping them
	stuck    bool            // asynchronous writes never leave PENDING
	ledger   map[string]bool // USCC → committed
	keys     map[string]int  // Idempotency-Key → the answer given
	txs      map[string]*fakeTx
	polls    int
	requests int
}

type fakeTx struct {
	uscc  string
	polls int
}

func newFakeGateway() *fakeGateway {
	return &fakeGateway{ledger: map[string]bool{}, keys: map[string]int{}, txs: map[string]*fakeTx{}}
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	e := map[string]any{"code": code, "message": msg}
	if status == http.StatusServiceUnavailable {
		e["details"] = []map[string]string{{"org": "MarketMSP", "message": "connection refused"}}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"error": e})
}

func (g *fakeGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/businesses":
		g.requests++
		if r.Header.Get("X-API-Key") != "reg-key" {
			writeErr(w, 401, "UNAUTHENTICATED", "no key")
			return
		}
		var body struct {
			USCC string `json:"uscc"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.USCC == "" {
			writeErr(w, 400, "INVALID", "bad body")
			return
		}
		async := r.URL.Query().Get("async") == "true"
		key := r.Header.Get("Idempotency-Key")
		if st, ok := g.keys[key]; ok && key != "" {
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(st)
			_, _ = fmt.Fprintf(w, `{"transaction_id":"tx-%s"}`, body.USCC)
			return
		}
		if g.down {
			writeErr(w, 503, "UNAVAILABLE", "no peer reachable")
			return
		}
		id := "tx-" + body.USCC
		if async {
			g.txs[id] = &fakeTx{uscc: body.USCC}
			g.keys[key] = http.StatusAccepted
			w.WriteHeader(http.StatusAccepted)
			_, _ = fmt.Fprintf(w, `{"transaction_id":%q,"status":"PENDING"}`, id)
			return
		}
		if !g.lossy {
			g.ledger[body.USCC] = true
		}
		g.keys[key] = http.StatusCreated
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprintf(w, `{"uscc":%q,"transaction_id":%q}`, body.USCC, id)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v1/transactions/"):
		g.polls++
		tx := g.txs[strings.TrimPrefix(r.URL.Path, "/api/v1/transactions/")]
		if tx == nil {
			writeErr(w, 404, "NOT_FOUND", "no such transaction")
			return
		}
		tx.polls++
		status := "PENDING"
		if !g.stuck && tx.polls >= 2 {
			status = "VALID"
			g.ledger[tx.uscc] = true
		}
		_, _ = fmt.Fprintf(w, `{"transaction_id":"tx-%s","status":%q}`, tx.uscc, status)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v1/businesses/"):
		if r.Header.Get("X-API-Key") != "audit-key" {
			writeErr(w, 401, "UNAUTHENTICATED", "no key")
			return
		}
		if g.ledger[strings.TrimPrefix(r.URL.Path, "/api/v1/businesses/")] {
			_, _ = w.Write([]byte(`{}`))
			return
		}
		writeErr(w, 404, "NOT_FOUND", "no such business")
	default:
		writeErr(w, 404, "NOT_FOUND", "no route")
	}
}

// fakeCluster puts the fake gateway down while a node is "killed".
type fakeCluster struct {
	gw       *fakeGateway
	url      string
	setupErr error
	catchUp  time.Duration
	killed   []string
	torn     int
}

func (c *fakeCluster) Setup(context.Context) (string, map[string]string, error) {
	if c.setupErr != nil {
		return "", nil, c.setupErr
	}
	return c.url, map[string]string{"GOVCHAIN_KEY_MARKET_REGISTRAR": "reg-key", "GOVCHAIN_KEY_AUDIT_AUDITOR": "audit-key"}, nil
}
func (c *fakeCluster) Settle(context.Context) error { return nil }
func (c *fakeCluster) Target(fault string) (string, error) {
	return map[string]string{faultLeader: "orderer1", faultFollower: "orderer2", faultPeer: "peer0.tax",
		faultEntryPeer: "peer0.market", faultChaincode: "cc.market", faultGateway: "gateway"}[fault], nil
}
func (c *fakeCluster) Kill(node string) error {
	c.killed = append(c.killed, node)
	c.gw.mu.Lock()
	c.gw.down = true
	c.gw.mu.Unlock()
	return nil
}
func (c *fakeCluster) Restart(context.Context, string) error {
	c.gw.mu.Lock()
	c.gw.down = false
	c.gw.mu.Unlock()
	return nil
}
func (c *fakeCluster) CatchUp(_ context.Context, node string, _ time.Duration) (time.Duration, bool, error) {
	if strings.HasPrefix(node, "peer") || strings.HasPrefix(node, "orderer") {
		time.Sleep(c.catchUp)
		return c.catchUp, true, nil
	}
	return 0, false, nil
}
func (c *fakeCluster) Teardown() error { c.torn++; return nil }

// runFake runs the suite against a fake gateway with short phases.
func runFake(t *testing.T, gw *fakeGateway, cl *fakeCluster, args ...string) (int, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	cl.gw, cl.url = gw, srv.URL
	base := []string{"-faults", "leader,entry-peer,gateway", "-repeat-leader", "2", "-before", "60ms", "-during", "150ms",
		"-after", "60ms", "-poll", "10ms", "-retry-for", "3s", "-async-rate", "50"}
	o, err := parseFlags(append(base, args...), &bytes.Buffer{})
	require.NoError(t, err)
	var stdout, stderr bytes.Buffer
	s := &suite{o: o, cl: cl, stdout: &stdout, log: &stderr, machine: "test machine", commit: "abc1234",
		drain: 500 * time.Millisecond, readRetry: 5 * time.Millisecond}
	code := s.execute(context.Background())
	return code, &stdout, &stderr
}

func TestSuiteAgainstAFakeGateway(t *testing.T) {
	t.Run("a gateway that keeps what it acknowledges passes, with the outage's errors counted", func(t *testing.T) {
		t.Parallel()
		gw := newFakeGateway()
		cl := &fakeCluster{}
		code, stdout, stderr := runFake(t, gw, cl)
		require.Equal(t, 0, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
		require.Equal(t, []string{"orderer1", "orderer1", "peer0.market", "gateway"}, cl.killed)
		require.Equal(t, 1, cl.torn)
		out := stdout.String()
		require.Contains(t, out, "PASS")
		require.Contains(t, out, "503 UNAVAILABLE×")
		require.Contains(t, out, "target no acknowledged write lost: met")
		require.Contains(t, out, "commit abc1234")
		require.Contains(t, out, "first message of each error class:\n  503 UNAVAILABLE: no peer reachable; MarketMSP: connection refused\n")
	})
	t.Run("acknowledged writes missing from the ledger are lost and fail the suite", func(t *testing.T) {
		t.Parallel()
		gw := newFakeGateway()
		gw.lossy = true
		code, stdout, _ := runFake(t, gw, &fakeCluster{}, "-clients", "2", "-faults", "follower")
		require.Equal(t, 1, code)
		require.Contains(t, stdout.String(), "acknowledged writes not on the ledger")
		require.Contains(t, stdout.String(), "target no acknowledged write lost: NOT met")
	})
	t.Run("asynchronous writes that never become final fail the suite", func(t *testing.T) {
		t.Parallel()
		gw := newFakeGateway()
		gw.stuck = true
		code, stdout, _ := runFake(t, gw, &fakeCluster{}, "-faults", "gateway")
		require.Equal(t, 1, code)
		require.Contains(t, stdout.String(), "accepted asynchronous writes without a final status")
	})
	t.Run("a node that catches up too late fails the suite", func(t *testing.T) {
		t.Parallel()
		code, stdout, _ := runFake(t, newFakeGateway(), &fakeCluster{catchUp: 50 * time.Millisecond},
			"-faults", "peer", "-catchup-max", "20ms")
		require.Equal(t, 1, code)
		require.Contains(t, stdout.String(), "over the 20ms target")
	})
	t.Run("a network that does not start fails the suite and is still torn down", func(t *testing.T) {
		cl := &fakeCluster{setupErr: errors.New("port 27010 is already in use")}
		code, stdout, _ := runFake(t, newFakeGateway(), cl)
		require.Equal(t, 1, code)
		require.Equal(t, 1, cl.torn)
		require.Contains(t, stdout.String(), "could not be started: port 27010")
	})
	t.Run("-json prints one object with the rows", func(t *testing.T) {
		t.Parallel()
		code, stdout, stderr := runFake(t, newFakeGateway(), &fakeCluster{}, "-json", "-faults", "follower")
		require.Equal(t, 0, code)
		var got struct {
			Passed bool `json:"passed"`
			Rows   []struct {
				Fault string   `json:"fault"`
				Acked int      `json:"acknowledged"`
				Lost  int      `json:"lost"`
				Catch *float64 `json:"catchup_s"`
			} `json:"rows"`
		}
		require.NoError(t, json.Unmarshal(stdout.Bytes(), &got), stdout.String())
		require.True(t, got.Passed)
		require.Len(t, got.Rows, 1)
		require.Equal(t, "follower", got.Rows[0].Fault)
		require.Positive(t, got.Rows[0].Acked)
		require.NotNil(t, got.Rows[0].Catch)
		require.Contains(t, stderr.String(), "FAULT") // the table goes to stderr
	})
}

func TestAcknowledgedAccounting(t *testing.T) {
	// Every write the fake acknowledged is counted once, and only acknowledged ones.
	gw := newFakeGateway()
	code, stdout, _ := runFake(t, gw, &fakeCluster{}, "-faults", "gateway")
	require.Equal(t, 0, code, stdout.String())
	gw.mu.Lock()
	committed := len(gw.ledger)
	gw.mu.Unlock()
	var writes, acked int
	for _, line := range strings.Split(stdout.String(), "\n") {
		if n, _ := fmt.Sscanf(line, "writes %d: acknowledged %d", &writes, &acked); n == 2 {
			break
		}
	}
	require.Positive(t, acked)
	require.Equal(t, committed, acked, "every acknowledged write is on the fake ledger and nothing else is")
	require.Equal(t, writes, acked)
}
