// Package txstore persists the state of the transactions this gateway submits, in bbolt,
// so that a transaction is never left without a final status, even across a restart.
package txstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/govchain/govchain/gateway/internal/boltx"
	bolt "go.etcd.io/bbolt"
)

var (
	bucketTx      = []byte("transactions")
	bucketPending = []byte("transactions_pending")
)

// Record is one submitted transaction: enough to resubmit the same signed transaction, to
// endorse a fresh one for a retry, and to answer status queries.
type Record struct {
	TxID         string    `json:"tx_id"`
	Org          string    `json:"org"`
	Role         string    `json:"role"`
	Contract     string    `json:"contract"`
	Function     string    `json:"function"`
	Args         []string  `json:"args"`
	TxBytes      []byte    `json:"tx_bytes"`
	Signature    []byte    `json:"signature"`
	Result       []byte    `json:"result,omitempty"`
	Status       string    `json:"status"` // PENDING until final
	Code         int32     `json:"code"`   // Fabric validation code once committed
	BlockNumber  uint64    `json:"block_number"`
	Attempt      int       `json:"attempt"` // 1 for the first transaction of a write
	PrevTxID     string    `json:"prev_tx_id,omitempty"`
	SupersededBy string    `json:"superseded_by,omitempty"`
	Message      string    `json:"message,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	Deadline     time.Time `json:"deadline"` // the worker stops resubmitting after it
}

// Pending is the status of a transaction whose final status is not known yet.
const Pending = "PENDING"

// IsFinal reports whether r has its final status.
func (r *Record) IsFinal() bool { return r.Status != Pending }

// Store is a bbolt-backed transaction store. It does not own the database.
type Store struct {
	db  *bolt.DB
	now func() time.Time
}

// New prepares the store's buckets in db.
func New(db *bolt.DB) (*Store, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketTx, bucketPending} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("txstore: %w", err)
	}
	return &Store{db: db, now: time.Now}, nil
}

// Put writes r (and keeps the pending index in step with r.Status).
func (s *Store) Put(r *Record) error {
	if r.TxID == "" {
		return errors.New("txstore: empty transaction id")
	}
	r.UpdatedAt = s.now().UTC()
	if r.CreatedAt.IsZero() {
		r.CreatedAt = r.UpdatedAt
	}
	raw, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("txstore: %w", err)
	}
	key := []byte(r.TxID)
	err = s.db.Batch(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketTx).Put(key, raw); err != nil {
			return err
		}
		if r.IsFinal() {
			return tx.Bucket(bucketPending).Delete(key)
		}
		return tx.Bucket(bucketPending).Put(key, nil)
	})
	if err != nil {
		return fmt.Errorf("txstore: put %s: %w", r.TxID, err)
	}
	return nil
}

// Get reads the record of txID.
func (s *Store) Get(txID string) (*Record, bool, error) {
	var r *Record
	err := s.db.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketTx).Get([]byte(txID))
		if raw == nil {
			return nil
		}
		r = &Record{}
		return json.Unmarshal(raw, r)
	})
	if err != nil {
		return nil, false, fmt.Errorf("txstore: get %s: %w", txID, err)
	}
	return r, r != nil, nil
}

// Pending lists every record without a final status, oldest first.
func (s *Store) Pending() ([]*Record, error) {
	var out []*Record
	err := s.db.View(func(tx *bolt.Tx) error {
		all := tx.Bucket(bucketTx)
		return tx.Bucket(bucketPending).ForEach(func(k, _ []byte) error {
			raw := all.Get(k)
			if raw == nil {
				return nil
			}
			r := &Record{}
			if err := json.Unmarshal(raw, r); err != nil {
				return fmt.Errorf("record %s: %w", k, err)
			}
			out = append(out, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("txstore: pending: %w", err)
	}
	sortByCreated(out)
	return out, nil
}

// DeleteFinalBefore removes final records last updated before t and reports how many.
func (s *Store) DeleteFinalBefore(t time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		pending := tx.Bucket(bucketPending)
		var err error
		n, err = boltx.DeleteWhere(tx.Bucket(bucketTx), func(k, v []byte) bool {
			if pending.Get(k) != nil {
				return false
			}
			var r Record
			return json.Unmarshal(v, &r) != nil || r.UpdatedAt.Before(t)
		})
		return err
	})
	return n, err
}

func sortByCreated(rs []*Record) {
	slices.SortStableFunc(rs, func(a, b *Record) int { return a.CreatedAt.Compare(b.CreatedAt) })
}
