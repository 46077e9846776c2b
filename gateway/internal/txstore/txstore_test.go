package txstore_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/txstore"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

func open(t *testing.T, path string) (*bolt.DB, *txstore.Store) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	s, err := txstore.New(db)
	require.NoError(t, err)
	return db, s
}

func TestStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gw.db")
	db, s := open(t, path)

	t.Run("pending records are listed oldest first until final", func(t *testing.T) {
		now := time.Now()
		require.NoError(t, s.Put(&txstore.Record{TxID: "b", Status: txstore.Pending, CreatedAt: now}))
		require.NoError(t, s.Put(&txstore.Record{TxID: "a", Status: txstore.Pending, CreatedAt: now.Add(-time.Minute), Args: []string{"x"}}))
		p, err := s.Pending()
		require.NoError(t, err)
		require.Len(t, p, 2)
		require.Equal(t, "a", p[0].TxID)
		require.Equal(t, []string{"x"}, p[0].Args)

		p[0].Status = "VALID"
		require.NoError(t, s.Put(p[0]))
		p, err = s.Pending()
		require.NoError(t, err)
		require.Len(t, p, 1)
		require.Equal(t, "b", p[0].TxID)
	})

	t.Run("records survive reopening the database", func(t *testing.T) {
		require.NoError(t, db.Close())
		db, s = open(t, path)
		r, found, err := s.Get("a")
		require.NoError(t, err)
		require.True(t, found)
		require.Equal(t, "VALID", r.Status)
		require.True(t, r.IsFinal())
		_, found, err = s.Get("zzz")
		require.NoError(t, err)
		require.False(t, found)
	})

	t.Run("old final records are deleted, pending ones kept", func(t *testing.T) {
		n, err := s.DeleteFinalBefore(time.Now().Add(time.Hour))
		require.NoError(t, err)
		require.Equal(t, 1, n)
		_, found, _ := s.Get("a")
		require.False(t, found)
		_, found, _ = s.Get("b")
		require.True(t, found)
	})
	require.NoError(t, db.Close())
}
