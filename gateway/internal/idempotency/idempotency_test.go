package idempotency_test

import (
	"path/filepath"
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

	t.Run("the first request starts, a concurrent one is in flight", func(t *testing.T) {
		out, _, err := s.Begin("scope", "k1", e)
		require.NoError(t, err)
		require.Equal(t, idempotency.Started, out)
		out, _, err = s.Begin("scope", "k1", e)
		require.NoError(t, err)
		require.Equal(t, idempotency.InFlight, out)
	})

	t.Run("another body is a mismatch", func(t *testing.T) {
		out, _, err := s.Begin("scope", "k1", idempotency.Entry{Fingerprint: "fp2"})
		require.NoError(t, err)
		require.Equal(t, idempotency.Mismatch, out)
	})

	t.Run("keys are scoped per API key", func(t *testing.T) {
		out, _, err := s.Begin("other-scope", "k1", idempotency.Entry{Fingerprint: "fp2"})
		require.NoError(t, err)
		require.Equal(t, idempotency.Started, out)
		require.NoError(t, s.Abort("other-scope", "k1"))
	})

	t.Run("a completed request replays its answer, also after reopening", func(t *testing.T) {
		require.NoError(t, s.SetTx("scope", "k1", "tx1"))
		require.NoError(t, s.Complete("scope", "k1", 201, "application/json", []byte(`{"ok":true}`)))
		require.NoError(t, db.Close())
		db, s = open(t, path)
		out, got, err := s.Begin("scope", "k1", e)
		require.NoError(t, err)
		require.Equal(t, idempotency.Replay, out)
		require.Equal(t, 201, got.Status)
		require.Equal(t, `{"ok":true}`, string(got.Body))
		require.Equal(t, "tx1", got.TxID)
	})

	t.Run("an aborted key is free again", func(t *testing.T) {
		out, _, _ := s.Begin("scope", "k2", e)
		require.Equal(t, idempotency.Started, out)
		require.NoError(t, s.Abort("scope", "k2"))
		out, _, _ = s.Begin("scope", "k2", e)
		require.Equal(t, idempotency.Started, out)
		require.NoError(t, s.Abort("scope", "k2"))
	})

	t.Run("after a restart, a key without a transaction is taken over", func(t *testing.T) {
		out, _, _ := s.Begin("scope", "k3", e)
		require.Equal(t, idempotency.Started, out)
		require.NoError(t, db.Close()) // crash before anything was submitted
		db, s = open(t, path)
		out, _, err := s.Begin("scope", "k3", e)
		require.NoError(t, err)
		require.Equal(t, idempotency.Started, out)
	})

	t.Run("a key whose transaction nobody answers is orphaned", func(t *testing.T) {
		out, _, _ := s.Begin("scope", "k4", idempotency.Entry{Fingerprint: "fp1", Async: true})
		require.Equal(t, idempotency.Started, out)
		require.NoError(t, s.SetTx("scope", "k4", "tx4"))
		s.Release("scope", "k4") // e.g. the request's deadline passed
		out, got, err := s.Begin("scope", "k4", idempotency.Entry{Fingerprint: "fp1", Async: true})
		require.NoError(t, err)
		require.Equal(t, idempotency.Orphaned, out)
		require.Equal(t, "tx4", got.TxID)
		require.True(t, got.Async)
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
