package idempotency_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/idempotency"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

func open(t *testing.T, path string) (*bolt.DB, *idempotency.Store) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	s, err := idempotency.New(db, time.Hour)
	require.NoError(t, err)
	return db, s
}

func TestStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gw.db")
	db, s := open(t, path)
	e := idempotency.Entry{Fingerprint: "fp1", SuccessStatus: 201}
	var k1 idempotency.Token

	t.Run("the first request starts, a concurrent one is in flight", func(t *testing.T) {
		out, _, tok, err := s.Begin("scope", "k1", e)
		require.NoError(t, err)
		require.Equal(t, idempotency.Started, out)
		require.NotZero(t, tok)
		k1 = tok
		out, _, tok, err = s.Begin("scope", "k1", e)
		require.NoError(t, err)
		require.Equal(t, idempotency.InFlight, out)
		require.Zero(t, tok)
	})

	t.Run("another body is a mismatch", func(t *testing.T) {
		out, _, _, err := s.Begin("scope", "k1", idempotency.Entry{Fingerprint: "fp2"})
		require.NoError(t, err)
		require.Equal(t, idempotency.Mismatch, out)
	})

	t.Run("keys are scoped per API key", func(t *testing.T) {
		out, _, tok, err := s.Begin("other-scope", "k1", idempotency.Entry{Fingerprint: "fp2"})
		require.NoError(t, err)
		require.Equal(t, idempotency.Started, out)
		require.NoError(t, s.Abort("other-scope", "k1", tok))
	})

	t.Run("a completed request replays its answer, also after reopening", func(t *testing.T) {
		require.NoError(t, s.SetTx("scope", "k1", k1, "tx1"))
		require.NoError(t, s.Complete("scope", "k1", k1, 201, "application/json", []byte(`{"ok":true}`)))
		require.NoError(t, db.Close())
		db, s = open(t, path)
		out, got, _, err := s.Begin("scope", "k1", e)
		require.NoError(t, err)
		require.Equal(t, idempotency.Replay, out)
		require.Equal(t, 201, got.Status)
		require.Equal(t, `{"ok":true}`, string(got.Body))
		require.Equal(t, "tx1", got.TxID)
	})

	t.Run("an aborted key is free again", func(t *testing.T) {
		out, _, tok, _ := s.Begin("scope", "k2", e)
		require.Equal(t, idempotency.Started, out)
		require.NoError(t, s.Abort("scope", "k2", tok))
		out, _, tok, _ = s.Begin("scope", "k2", e)
		require.Equal(t, idempotency.Started, out)
		require.NoError(t, s.Abort("scope", "k2", tok))
	})

	t.Run("after a restart, a key without a transaction is taken over", func(t *testing.T) {
		out, _, _, _ := s.Begin("scope", "k3", e)
		require.Equal(t, idempotency.Started, out)
		require.NoError(t, db.Close()) // crash before anything was submitted
		db, s = open(t, path)
		out, _, _, err := s.Begin("scope", "k3", e)
		require.NoError(t, err)
		require.Equal(t, idempotency.Started, out)
	})

	t.Run("a key whose transaction nobody answers is orphaned", func(t *testing.T) {
		out, _, tok, _ := s.Begin("scope", "k4", idempotency.Entry{Fingerprint: "fp1", Async: true})
		require.Equal(t, idempotency.Started, out)
		require.NoError(t, s.SetTx("scope", "k4", tok, "tx4"))
		s.Release("scope", "k4", tok) // e.g. the request's deadline passed
		out, got, orphan, err := s.Begin("scope", "k4", idempotency.Entry{Fingerprint: "fp1", Async: true})
		require.NoError(t, err)
		require.Equal(t, idempotency.Orphaned, out)
		require.Equal(t, "tx4", got.TxID)
		require.True(t, got.Async)
		require.NotZero(t, orphan)

		out, _, _, err = s.Begin("scope", "k4", idempotency.Entry{Fingerprint: "fp1", Async: true})
		require.NoError(t, err)
		require.Equal(t, idempotency.InFlight, out, "the request resolving it owns the key")
		require.ErrorIs(t, s.Complete("scope", "k4", tok, 202, "application/json", nil), idempotency.ErrNotOwner, "the request that gave up holds nothing")
		s.Release("scope", "k4", orphan)
		out, _, _, err = s.Begin("scope", "k4", idempotency.Entry{Fingerprint: "fp1", Async: true})
		require.NoError(t, err)
		require.Equal(t, idempotency.Orphaned, out, "still bound to its transaction")
	})

	t.Run("expired entries are deleted", func(t *testing.T) {
		require.NoError(t, db.Close())
		var err error
		db, err = bolt.Open(path, 0o600, nil)
		require.NoError(t, err)
		short, err := idempotency.New(db, time.Nanosecond)
		require.NoError(t, err)
		n, err := short.DeleteExpired()
		require.NoError(t, err)
		require.Positive(t, n)
	})

	t.Run("key syntax", func(t *testing.T) {
		require.True(t, idempotency.ValidKey("order-42"))
		require.False(t, idempotency.ValidKey(""))
		require.False(t, idempotency.ValidKey("has space"))
		require.False(t, idempotency.ValidKey(string(make([]byte, 256))))
	})
	require.NoError(t, db.Close())
}

// Regression: Abort deleted the entry and only then, outside the lock, dropped the in-flight
// mark, by key; a request that started in between lost its mark to the old owner's Release,
// and the next one took the "abandoned" entry over: up to four owners of one key at once.
// Orphaned keys were not owned at all, so several requests resolved (and aborted) one. Here
// four requests begin, submit (sometimes), abort, give up or resolve one key in a loop; at
// no time may two of them own it.
func TestOneOwnerAtATime(t *testing.T) {
	_, s := open(t, filepath.Join(t.TempDir(), "gw.db"))
	e := idempotency.Entry{Fingerprint: "fp"}
	run := 3 * time.Second
	if testing.Short() {
		run = 500 * time.Millisecond
	}
	var owners, most, claims atomic.Int32
	stop := time.Now().Add(run)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(stop); i++ {
				out, _, tok, err := s.Begin("scope", "k", e)
				if err != nil {
					t.Error(err)
					return
				}
				if out != idempotency.Started && out != idempotency.Orphaned {
					runtime.Gosched()
					continue
				}
				claims.Add(1)
				n := owners.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				runtime.Gosched()
				switch {
				case out == idempotency.Started && i%3 == 0:
					if err := s.SetTx("scope", "k", tok, fmt.Sprintf("tx-%d-%d", g, i)); err != nil {
						t.Error("the owner could not record its transaction:", err)
					}
					owners.Add(-1)
					s.Release("scope", "k", tok) // its deadline passed: orphaned
				default:
					owners.Add(-1)
					if err := s.Abort("scope", "k", tok); err != nil {
						t.Error("the owner could not abort:", err)
					}
				}
				s.Release("scope", "k", tok) // deferred in the handler: must do nothing now
			}
		}()
	}
	wg.Wait()
	require.Positive(t, claims.Load())
	require.LessOrEqual(t, most.Load(), int32(1), "simultaneous owners of one key")
}

// A request that no longer owns its key (it aborted, or gave up, and another request claimed
// the key) can change nothing.
func TestStaleOwnerIsIgnored(t *testing.T) {
	e := idempotency.Entry{Fingerprint: "fp"}
	stale := []struct {
		name string
		act  func(s *idempotency.Store, tok idempotency.Token) error
	}{
		{"SetTx", func(s *idempotency.Store, tok idempotency.Token) error { return s.SetTx("scope", "k", tok, "other-tx") }},
		{"Complete", func(s *idempotency.Store, tok idempotency.Token) error {
			return s.Complete("scope", "k", tok, 500, "text/plain", []byte("stale"))
		}},
		{"Abort", func(s *idempotency.Store, tok idempotency.Token) error { return s.Abort("scope", "k", tok) }},
		{"Release", func(s *idempotency.Store, tok idempotency.Token) error {
			s.Release("scope", "k", tok)
			return idempotency.ErrNotOwner
		}},
		{"a zero token", func(s *idempotency.Store, _ idempotency.Token) error { return s.Abort("scope", "k", 0) }},
	}
	for _, c := range stale {
		t.Run(c.name+" after an abort", func(t *testing.T) {
			_, s := open(t, filepath.Join(t.TempDir(), "gw.db"))
			_, _, old, err := s.Begin("scope", "k", e)
			require.NoError(t, err)
			require.NoError(t, s.Abort("scope", "k", old))
			out, _, cur, err := s.Begin("scope", "k", e)
			require.NoError(t, err)
			require.Equal(t, idempotency.Started, out)

			require.ErrorIs(t, c.act(s, old), idempotency.ErrNotOwner)

			out, _, _, err = s.Begin("scope", "k", e)
			require.NoError(t, err)
			require.Equal(t, idempotency.InFlight, out, "the new owner still owns the key")
			require.NoError(t, s.SetTx("scope", "k", cur, "tx"))
			require.NoError(t, s.Complete("scope", "k", cur, 201, "application/json", []byte(`{}`)))
			out, got, _, err := s.Begin("scope", "k", e)
			require.NoError(t, err)
			require.Equal(t, idempotency.Replay, out)
			require.Equal(t, "tx", got.TxID)
			require.Equal(t, 201, got.Status)
		})
		t.Run(c.name+" after giving up", func(t *testing.T) {
			_, s := open(t, filepath.Join(t.TempDir(), "gw.db"))
			_, _, old, err := s.Begin("scope", "k", e)
			require.NoError(t, err)
			require.NoError(t, s.SetTx("scope", "k", old, "tx"))
			s.Release("scope", "k", old)
			out, _, cur, err := s.Begin("scope", "k", e)
			require.NoError(t, err)
			require.Equal(t, idempotency.Orphaned, out)

			require.ErrorIs(t, c.act(s, old), idempotency.ErrNotOwner)

			out, _, _, err = s.Begin("scope", "k", e)
			require.NoError(t, err)
			require.Equal(t, idempotency.InFlight, out)
			require.NoError(t, s.Complete("scope", "k", cur, 201, "application/json", []byte(`{}`)))
		})
	}
}

func TestExpiredButOwnedKeyIsKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gw.db")
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	s, err := idempotency.New(db, time.Nanosecond)
	require.NoError(t, err)
	e := idempotency.Entry{Fingerprint: "fp"}
	out, _, tok, err := s.Begin("scope", "k", e)
	require.NoError(t, err)
	require.Equal(t, idempotency.Started, out)
	time.Sleep(time.Millisecond)

	out, _, _, err = s.Begin("scope", "k", e)
	require.NoError(t, err)
	require.Equal(t, idempotency.InFlight, out, "an owned key is in flight however old")
	n, err := s.DeleteExpired()
	require.NoError(t, err)
	require.Zero(t, n, "an owned key is not forgotten under its owner")
	require.NoError(t, s.SetTx("scope", "k", tok, "tx"))
	s.Release("scope", "k", tok)
	n, err = s.DeleteExpired()
	require.NoError(t, err)
	require.Equal(t, 1, n)
}
