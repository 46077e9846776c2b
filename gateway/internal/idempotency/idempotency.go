// Package idempotency remembers, per API key and Idempotency-Key, the fingerprint of a write
// request and its first answer, in bbolt, so that a repeated request replays the answer
// instead of submitting twice, also after a gateway restart.
package idempotency

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/govchain/govchain/gateway/internal/boltx"
	bolt "go.etcd.io/bbolt"
)

var bucket = []byte("idempotency")

// States of an entry.
const (
	StateInProgress = "in_progress"
	StateDone       = "done"
)

// Entry is what is remembered of one idempotent request.
type Entry struct {
	Fingerprint string `json:"fingerprint"` // hash of method, path, query and body
	State       string `json:"state"`
	// Async is set for ?async=true requests; SuccessStatus is the status of a success answer.
	// Both let an answer be rebuilt from the transaction if the gateway stopped after
	// submitting but before answering.
	Async         bool      `json:"async,omitempty"`
	SuccessStatus int       `json:"success_status,omitempty"`
	TxID          string    `json:"tx_id,omitempty"`
	Status        int       `json:"status,omitempty"`
	ContentType   string    `json:"content_type,omitempty"`
	Body          []byte    `json:"body,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Outcome says what Begin found.
type Outcome int

const (
	// Started: the caller owns the key until Complete, Abort or Release.
	Started Outcome = iota
	// Replay: the request was answered before; replay Entry.Status and Entry.Body.
	Replay
	// Mismatch: the key was used with another request (422).
	Mismatch
	// InFlight: a request with this key is being processed by this process right now (409).
	InFlight
	// Orphaned: a transaction was submitted for this key but nobody is answering it (the
	// gateway restarted, or the request gave up at its deadline): the answer follows from
	// the transaction Entry.TxID. The caller may Complete it.
	Orphaned
)

// Store is the bbolt-backed idempotency store. It does not own the database.
type Store struct {
	db  *bolt.DB
	ttl time.Duration
	now func() time.Time

	mu       sync.Mutex
	inflight map[string]bool
}

// New prepares the bucket. Entries are forgotten ttl after their creation.
func New(db *bolt.DB, ttl time.Duration) (*Store, error) {
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		return nil, fmt.Errorf("idempotency: %w", err)
	}
	return &Store{db: db, ttl: ttl, now: time.Now, inflight: map[string]bool{}}, nil
}

// ValidKey reports whether an Idempotency-Key header value is acceptable: 1 to 255
// printable ASCII characters.
func ValidKey(key string) bool {
	if len(key) == 0 || len(key) > 255 {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

func storeKey(scope, key string) []byte {
	return []byte(scope + "\x00" + key)
}

// Begin claims key within scope (the API key's hash) for a request with the given
// fingerprint, unless an entry exists: it then reports what to do with it. An in-progress
// entry without a transaction that nobody in this process works on (left by a crash before
// anything was submitted) is taken over.
func (s *Store) Begin(scope, key string, e Entry) (Outcome, *Entry, error) {
	k := storeKey(scope, key)
	s.mu.Lock()
	defer s.mu.Unlock()
	var out Outcome
	var existing *Entry
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if raw := b.Get(k); raw != nil {
			old := &Entry{}
			if err := json.Unmarshal(raw, old); err != nil {
				return fmt.Errorf("entry: %w", err)
			}
			if s.now().Before(old.CreatedAt.Add(s.ttl)) {
				existing = old
				switch {
				case old.Fingerprint != e.Fingerprint:
					out = Mismatch
					return nil
				case old.State == StateDone:
					out = Replay
					return nil
				case s.inflight[string(k)]:
					out = InFlight
					return nil
				case old.TxID != "":
					out = Orphaned
					return nil
				}
			}
		}
		now := s.now().UTC()
		e.State, e.TxID, e.Status, e.Body = StateInProgress, "", 0, nil
		e.CreatedAt, e.UpdatedAt = now, now
		raw, err := json.Marshal(e)
		if err != nil {
			return err
		}
		out, existing = Started, nil
		return b.Put(k, raw)
	})
	if err != nil {
		return 0, nil, fmt.Errorf("idempotency: begin: %w", err)
	}
	if out == Started {
		s.inflight[string(k)] = true
	}
	return out, existing, nil
}

// SetTx records the transaction submitted for key (before it reaches the orderer).
func (s *Store) SetTx(scope, key, txID string) error {
	return s.update(scope, key, func(e *Entry) { e.TxID = txID })
}

// Complete stores the answer of key's request and releases it.
func (s *Store) Complete(scope, key string, status int, contentType string, body []byte) error {
	defer s.Release(scope, key)
	return s.update(scope, key, func(e *Entry) {
		e.State, e.Status, e.ContentType, e.Body = StateDone, status, contentType, body
	})
}

// Abort forgets key (nothing was submitted and the failure may pass: the client may retry
// with the same key) and releases it.
func (s *Store) Abort(scope, key string) error {
	defer s.Release(scope, key)
	k := storeKey(scope, key)
	return s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Delete(k) })
}

// Release gives up ownership of key, leaving its entry as it is.
func (s *Store) Release(scope, key string) {
	s.mu.Lock()
	delete(s.inflight, string(storeKey(scope, key)))
	s.mu.Unlock()
}

func (s *Store) update(scope, key string, f func(*Entry)) error {
	k := storeKey(scope, key)
	err := s.db.Batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		raw := b.Get(k)
		if raw == nil {
			return errors.New("no such entry")
		}
		e := &Entry{}
		if err := json.Unmarshal(raw, e); err != nil {
			return err
		}
		f(e)
		e.UpdatedAt = s.now().UTC()
		raw, err := json.Marshal(e)
		if err != nil {
			return err
		}
		return b.Put(k, raw)
	})
	if err != nil {
		return fmt.Errorf("idempotency: %w", err)
	}
	return nil
}

// DeleteExpired removes entries older than the TTL and reports how many.
func (s *Store) DeleteExpired() (int, error) {
	n := 0
	cutoff := s.now().Add(-s.ttl)
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		n, err = boltx.DeleteWhere(tx.Bucket(bucket), func(_, v []byte) bool {
			var e Entry
			return json.Unmarshal(v, &e) != nil || e.CreatedAt.Before(cutoff)
		})
		return err
	})
	return n, err
}
