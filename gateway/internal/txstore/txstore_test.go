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

// count reports how many entries bucket holds.
func count(t *testing.T, db *bolt.DB, bucket string) int {
	t.Helper()
	n := 0
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket([]byte(bucket)).Stats().KeyN
		return nil
	}))
	return n
}

// rawJSON is the JSON stored for txID in the main bucket.
func rawJSON(t *testing.T, db *bolt.DB, txID string) string {
	t.Helper()
	var raw string
	require.NoError(t, db.View(func(tx *bolt.Tx) error {
		raw = string(tx.Bucket([]byte("transactions")).Get([]byte(txID)))
		return nil
	}))
	return raw
}

func TestSignedTransaction(t *testing.T) {
	pending := func(id string) *txstore.Record {
		return &txstore.Record{TxID: id, Status: txstore.Pending, TxBytes: []byte("bytes-" + id), Signature: []byte("sig-" + id)}
	}
	tests := []struct {
		name string
		run  func(t *testing.T, db *bolt.DB, s *txstore.Store)
	}{
		{"pending record round-trips its signed transaction outside the JSON", func(t *testing.T, db *bolt.DB, s *txstore.Store) {
			require.NoError(t, s.Put(pending("a")))
			r, found, err := s.Get("a")
			require.NoError(t, err)
			require.True(t, found)
			require.Equal(t, []byte("bytes-a"), r.TxBytes)
			require.Equal(t, []byte("sig-a"), r.Signature)
			require.NotContains(t, rawJSON(t, db, "a"), "tx_bytes")
			require.NotContains(t, rawJSON(t, db, "a"), "signature")
			require.Equal(t, 1, count(t, db, "transactions_signed"))

			r.Message = "still pending"
			r.Signature = nil
			require.NoError(t, s.Put(r))
			r, _, err = s.Get("a")
			require.NoError(t, err)
			require.Equal(t, []byte("bytes-a"), r.TxBytes)
			require.Empty(t, r.Signature)
		}},
		{"final record drops its signed transaction", func(t *testing.T, db *bolt.DB, s *txstore.Store) {
			r := pending("a")
			require.NoError(t, s.Put(r))
			r.Status = "VALID"
			require.NoError(t, s.Put(r))
			require.Equal(t, 0, count(t, db, "transactions_signed"))
			got, found, err := s.Get("a")
			require.NoError(t, err)
			require.True(t, found)
			require.Equal(t, "VALID", got.Status)
			require.Nil(t, got.TxBytes)
			require.Nil(t, got.Signature)
		}},
		{"Pending returns the signed transactions", func(t *testing.T, db *bolt.DB, s *txstore.Store) {
			now := time.Now()
			a, b := pending("a"), pending("b")
			a.CreatedAt, b.CreatedAt = now.Add(-time.Minute), now
			require.NoError(t, s.Put(b))
			require.NoError(t, s.Put(a))
			require.NoError(t, s.Put(&txstore.Record{TxID: "c", Status: "VALID", TxBytes: []byte("x")}))
			p, err := s.Pending()
			require.NoError(t, err)
			require.Len(t, p, 2)
			for i, id := range []string{"a", "b"} {
				require.Equal(t, id, p[i].TxID)
				require.Equal(t, []byte("bytes-"+id), p[i].TxBytes)
				require.Equal(t, []byte("sig-"+id), p[i].Signature)
			}
			require.Equal(t, 2, count(t, db, "transactions_signed"))
		}},
		{"legacy JSON with tx_bytes is read back and migrated on Put", func(t *testing.T, db *bolt.DB, s *txstore.Store) {
			// As written by the previous version: base64 bytes inside the JSON.
			legacy := `{"tx_id":"old","org":"tax","role":"finance","args":["x"],"tx_bytes":"Ynl0ZXMtb2xk","signature":"c2lnLW9sZA==","status":"PENDING","attempt":1,"created_at":"2024-01-02T03:04:05Z"}`
			require.NoError(t, db.Update(func(tx *bolt.Tx) error {
				if err := tx.Bucket([]byte("transactions")).Put([]byte("old"), []byte(legacy)); err != nil {
					return err
				}
				return tx.Bucket([]byte("transactions_pending")).Put([]byte("old"), nil)
			}))
			p, err := s.Pending()
			require.NoError(t, err)
			require.Len(t, p, 1)
			require.Equal(t, []byte("bytes-old"), p[0].TxBytes)
			require.Equal(t, []byte("sig-old"), p[0].Signature)
			require.Equal(t, []string{"x"}, p[0].Args)
			r, _, err := s.Get("old")
			require.NoError(t, err)
			require.Equal(t, []byte("bytes-old"), r.TxBytes)

			require.NoError(t, s.Put(r))
			require.NotContains(t, rawJSON(t, db, "old"), "tx_bytes")
			require.Equal(t, 1, count(t, db, "transactions_signed"))
			r, _, err = s.Get("old")
			require.NoError(t, err)
			require.Equal(t, []byte("bytes-old"), r.TxBytes)
			require.Equal(t, []byte("sig-old"), r.Signature)
		}},
		{"DeleteFinalBefore leaves no signed transaction behind", func(t *testing.T, db *bolt.DB, s *txstore.Store) {
			require.NoError(t, s.Put(pending("keep")))
			done := pending("done")
			require.NoError(t, s.Put(done))
			done.Status = "VALID"
			require.NoError(t, s.Put(done))
			// An entry no PENDING record owns.
			require.NoError(t, db.Update(func(tx *bolt.Tx) error {
				return tx.Bucket([]byte("transactions_signed")).Put([]byte("orphan"), []byte{0})
			}))
			n, err := s.DeleteFinalBefore(time.Now().Add(time.Hour))
			require.NoError(t, err)
			require.Equal(t, 1, n)
			require.Equal(t, 1, count(t, db, "transactions"))
			require.Equal(t, 1, count(t, db, "transactions_signed"))
			r, found, err := s.Get("keep")
			require.NoError(t, err)
			require.True(t, found)
			require.Equal(t, []byte("bytes-keep"), r.TxBytes)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, s := open(t, filepath.Join(t.TempDir(), "gw.db"))
			defer db.Close()
			tt.run(t, db, s)
		})
	}
}
