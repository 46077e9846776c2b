package httpapi

import (
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/stretchr/testify/require"
)

func withKey(r request, key string) request {
	r.header = map[string]string{"Idempotency-Key": key}
	return r
}

func TestIdempotency(t *testing.T) {
	register := request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: registerBody}

	t.Run("the same key and body replays the first answer and submits once", func(t *testing.T) {
		h := newHarness(t, nil)
		first := h.do(withKey(register, "k1"))
		require.Equal(t, http.StatusCreated, first.Code)
		second := h.do(withKey(register, "k1"))
		require.Equal(t, http.StatusCreated, second.Code)
		require.Equal(t, first.Body.String(), second.Body.String())
		require.Equal(t, "true", second.Header().Get("Idempotent-Replayed"))
		require.Len(t, h.ledger.Calls(), 1)
	})

	t.Run("the same key with another body is 422", func(t *testing.T) {
		h := newHarness(t, nil)
		require.Equal(t, http.StatusCreated, h.do(withKey(register, "k1")).Code)
		other := register
		other.body = strings.Replace(registerBody, "长沙示例科技有限公司", "长沙另一家有限公司", 1)
		w := h.do(withKey(other, "k1"))
		require.Equal(t, http.StatusUnprocessableEntity, w.Code)
		require.Equal(t, "UNPROCESSABLE", errorOf(t, w).Code)
		require.Len(t, h.ledger.Calls(), 1)
	})

	t.Run("the same request in another layout is the same request", func(t *testing.T) {
		h := newHarness(t, nil)
		first := h.do(withKey(register, "k1"))
		require.Equal(t, http.StatusCreated, first.Code)
		spaced := register
		spaced.body = "\n  " + strings.ReplaceAll(registerBody, ",", " , ") + "  \n"
		again := h.do(withKey(spaced, "k1"))
		require.Equal(t, http.StatusCreated, again.Code)
		require.Equal(t, first.Body.String(), again.Body.String())
		require.Len(t, h.ledger.Calls(), 1)
	})

	t.Run("the same file in another multipart envelope is the same request", func(t *testing.T) {
		h := newHarness(t, nil)
		fields := map[string]string{"category": "contract", "description": "采购合同"}
		body1, ct1 := multipartBody(t, []byte("file"), "a.pdf", "application/pdf", fields)
		body2, ct2 := multipartBody(t, []byte("file"), "a.pdf", "application/pdf", fields)
		require.NotEqual(t, ct1, ct2, "random boundaries")
		first := h.do(withKey(request{method: "POST", path: "/api/v1/evidence", key: keyDepositor, body: body1, contentType: ct1}, "k1"))
		require.Equal(t, http.StatusCreated, first.Code, first.Body.String())
		again := h.do(withKey(request{method: "POST", path: "/api/v1/evidence", key: keyDepositor, body: body2, contentType: ct2}, "k1"))
		require.Equal(t, http.StatusCreated, again.Code)
		require.Equal(t, "true", again.Header().Get("Idempotent-Replayed"))
		require.Len(t, h.ledger.Calls(), 1)
	})

	t.Run("the same key on another route is 422", func(t *testing.T) {
		h := newHarness(t, nil)
		require.Equal(t, http.StatusCreated, h.do(withKey(register, "k1")).Code)
		w := h.do(withKey(request{method: "POST", path: "/api/v1/businesses?async=true", key: keyRegistrar, body: registerBody}, "k1"))
		require.Equal(t, http.StatusUnprocessableEntity, w.Code)
	})

	t.Run("keys are scoped per API key", func(t *testing.T) {
		h := newHarness(t, nil)
		d1 := request{method: "POST", path: "/api/v1/evidence", key: keyDepositor, body: depositBody}
		require.Equal(t, http.StatusCreated, h.do(withKey(d1, "k1")).Code)
		d2 := d1
		d2.key = keyFinance // another principal, same key and body: its own request (403 here)
		require.Equal(t, http.StatusForbidden, h.do(withKey(d2, "k1")).Code)
	})

	t.Run("answers survive a gateway restart", func(t *testing.T) {
		h := newHarness(t, nil)
		first := h.do(withKey(register, "k1"))
		require.Equal(t, http.StatusCreated, first.Code)
		h.restart()
		again := h.do(withKey(register, "k1"))
		require.Equal(t, http.StatusCreated, again.Code)
		require.Equal(t, first.Body.String(), again.Body.String())
		require.Len(t, h.ledger.Calls(), 1)
	})

	t.Run("a contract refusal is remembered", func(t *testing.T) {
		h := newHarness(t, &fakeLedger{submit: func(ledger.Call, []ledger.PreparedHook) (*ledger.Committed, error) {
			return nil, &ledger.Error{Kind: ledger.KindContract, Code: "CONFLICT", Message: "already registered"}
		}})
		require.Equal(t, http.StatusConflict, h.do(withKey(register, "k1")).Code)
		require.Equal(t, http.StatusConflict, h.do(withKey(register, "k1")).Code)
		require.Len(t, h.ledger.Calls(), 1)
	})

	t.Run("a failure that committed nothing frees the key", func(t *testing.T) {
		n := 0
		h := newHarness(t, &fakeLedger{submit: func(ledger.Call, []ledger.PreparedHook) (*ledger.Committed, error) {
			n++
			if n == 1 {
				return nil, &ledger.Error{Kind: ledger.KindUnavailable, Message: "no peer could be reached"}
			}
			return &ledger.Committed{TransactionID: txID, BlockNumber: 1, Result: []byte(`{}`)}, nil
		}})
		require.Equal(t, http.StatusServiceUnavailable, h.do(withKey(register, "k1")).Code)
		require.Equal(t, http.StatusCreated, h.do(withKey(register, "k1")).Code)
	})

	t.Run("a request still in progress is 409", func(t *testing.T) {
		inside, release := make(chan struct{}), make(chan struct{})
		h := newHarness(t, &fakeLedger{submit: func(_ ledger.Call, hooks []ledger.PreparedHook) (*ledger.Committed, error) {
			_ = hooks[0](txID)
			close(inside)
			<-release
			return &ledger.Committed{TransactionID: txID, BlockNumber: 1, Result: []byte(`{}`)}, nil
		}})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); h.do(withKey(register, "k1")) }()
		<-inside
		w := h.do(withKey(register, "k1"))
		require.Equal(t, http.StatusConflict, w.Code)
		require.Equal(t, txID, errorOf(t, w).TransactionID)
		close(release)
		wg.Wait()
	})

	t.Run("a write that timed out is answered from its transaction once it commits", func(t *testing.T) {
		status := ledger.StatusPending
		block := uint64(8)
		h := newHarness(t, &fakeLedger{
			submit: func(_ ledger.Call, hooks []ledger.PreparedHook) (*ledger.Committed, error) {
				_ = hooks[0](txID)
				return nil, &ledger.Error{Kind: ledger.KindTimeout, Message: "late", TransactionID: txID}
			},
			transaction: func(_ ledger.Caller, id string) (*ledger.Transaction, error) {
				return &ledger.Transaction{TransactionID: id, Status: status, BlockNumber: &block, Result: []byte(`{"uscc":"x"}`)}, nil
			},
		})
		require.Equal(t, http.StatusGatewayTimeout, h.do(withKey(register, "k1")).Code)
		w := h.do(withKey(register, "k1"))
		require.Equal(t, http.StatusConflict, w.Code, "still pending")
		require.Equal(t, txID, errorOf(t, w).TransactionID)

		status = ledger.StatusValid
		h.restart()
		w = h.do(withKey(register, "k1"))
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
		require.JSONEq(t, `{"uscc":"x","transaction_id":"`+txID+`","block_number":8}`, w.Body.String())
		require.Len(t, h.ledger.Calls(), 1, "never submitted twice")
	})

	t.Run("an async write replays its 202", func(t *testing.T) {
		h := newHarness(t, nil)
		async := register
		async.path += "?async=true"
		first := h.do(withKey(async, "k1"))
		require.Equal(t, http.StatusAccepted, first.Code)
		h.restart()
		again := h.do(withKey(async, "k1"))
		require.Equal(t, http.StatusAccepted, again.Code)
		require.Equal(t, first.Body.String(), again.Body.String())
		require.Len(t, h.ledger.Calls(), 1)
	})

	t.Run("a malformed key is 400", func(t *testing.T) {
		h := newHarness(t, nil)
		require.Equal(t, http.StatusBadRequest, h.do(withKey(register, "has space")).Code)
		require.Empty(t, h.ledger.Calls())
	})
}

// Regression: ownership of a key was not atomic (see idempotency.TestOneOwnerAtATime), so
// retries of a failing write could overlap. Concurrent requests with one key: never two
// submissions at once, and a write that succeeds is submitted once.
func TestIdempotencyUnderConcurrency(t *testing.T) {
	register := request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: registerBody}
	run := 2 * time.Second
	if testing.Short() {
		run = 300 * time.Millisecond
	}
	cases := []struct {
		name string
		fail bool // every submission fails with nothing committed: the key is freed each time
	}{
		{"retries of a failing write never overlap", true},
		{"a write that succeeds is submitted once", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var inside, most, submits atomic.Int32
			var h *harness
			h = newHarness(t, &fakeLedger{submit: func(_ ledger.Call, hooks []ledger.PreparedHook) (*ledger.Committed, error) {
				n := inside.Add(1)
				defer inside.Add(-1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				tx := h.ledger.nextTx()
				for _, hook := range hooks {
					if err := hook(tx); err != nil {
						return nil, err // not the key's owner: nothing is ordered
					}
				}
				submits.Add(1)
				runtime.Gosched()
				if c.fail {
					return nil, &ledger.Error{Kind: ledger.KindUnavailable, Message: "no peer could be reached"}
				}
				return &ledger.Committed{TransactionID: tx, BlockNumber: 3, Result: []byte(`{}`)}, nil
			}})
			stop := time.Now().Add(run)
			var wg sync.WaitGroup
			statuses := make(chan int, 1<<16)
			for g := 0; g < 4; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for time.Now().Before(stop) {
						statuses <- h.do(withKey(register, "k1")).Code
					}
				}()
			}
			wg.Wait()
			close(statuses)
			require.LessOrEqual(t, most.Load(), int32(1), "two submissions of one Idempotency-Key at once")
			for code := range statuses {
				allowed := []int{http.StatusCreated, http.StatusConflict}
				if c.fail {
					allowed = []int{http.StatusServiceUnavailable, http.StatusConflict}
				}
				require.Contains(t, allowed, code)
			}
			if !c.fail {
				require.Equal(t, int32(1), submits.Load(), "submitted once")
			} else {
				require.Positive(t, submits.Load())
			}
		})
	}
}
