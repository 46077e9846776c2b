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
	// Owner is the token of the request that last claimed the entry: SetTx, Complete and
	// Abort change the entry only in a transaction that finds their own token here.
	Owner Token `json:"owner,omitempty"`
}

// Token names one claim of a key: Begin hands a fresh one out with Started and Orphaned, and
// SetTx, Complete, Abort and Release act only for the token of the key's current owner. A
// request that lost its claim (it aborted and another request took the key) can therefore
// never change or free what the new owner holds.
type Token uint64

// ErrNotOwner is returned by SetTx, Complete and Abort for a token that does not own the key.
var ErrNotOwner = errors.New("idempotency: the key is not owned by this request")

// Outcome says what Begin found.
type Outcome int

const (
	// Started: the caller owns the key (with the token Begin returned) until Complete, Abort
	// or Release.
	Started Outcome = iota
	// Replay: the request was answered before; replay Entry.Status and Entry.Body.
	Replay
	// Mismatch: the key was used with another request (422).
	Mismatch
	// InFlight: a request with this key is being processed by this process right now (409).
	InFlight
	// Orphaned: a transaction was submitted for this key but nobody is answering it (the
	// gateway restarted, or the request gave up at its deadline): the answer follows from
	// the transaction Entry.TxID. The caller owns the key, as with Started, until it
	// Completes, Aborts or Releases it; meanwhile others are InFlight.
	Orphaned
)

// Store is the bbolt-backed idempotency store. It does not own the database.
type Store struct {
	db  *bolt.DB
	ttl time.Duration
	now func() time.Time

	// mu orders Begin, DeleteExpired and changes of owners. owners holds the token of each
	// key a request of this process owns right now (the in-flight mark); the entry's Owner
	// field carries the same token, written in the transaction that claims the key.
	mu     sync.Mutex
	owners map[string]Token
	last   Token // the last token handed out
}

// New prepares the bucket. Entries are forgotten ttl after their creation.
func New(db *bolt.DB, ttl time.Duration) (*Store, error) {
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		return nil, fmt.Errorf("idempotency: %w", err)
	}
	return &Store{db: db, ttl: ttl, now: time.Now, owners: map[string]Token{}}, nil
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
// anything was submitted) is taken over. With Started and Orphaned the caller owns the key
// and gets the token to pass to SetTx, Complete, Abort and Release; otherwise the token is 0.
// Claiming is atomic: the in-flight mark and the entry change under one lock, in one
// transaction, so at most one request owns a key at any time.
func (s *Store) Begin(scope, key string, e Entry) (Outcome, *Entry, Token, error) {
	k := storeKey(scope, key)
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := s.last + 1
	var out Outcome
	var existing *Entry
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if raw := b.Get(k); raw != nil {
			old := &Entry{}
			if err := json.Unmarshal(raw, old); err != nil {
				return fmt.Errorf("entry: %w", err)
			}
			// Owned by a request of this process: in flight, however old it is.
			cur, owned := s.owners[string(k)]
			busy := owned && old.Owner == cur
			if busy || s.now().Before(old.CreatedAt.Add(s.ttl)) {
				existing = old
				switch {
				case old.Fingerprint != e.Fingerprint:
					out = Mismatch
					return nil
				case old.State == StateDone:
					out = Replay
					return nil
				case busy:
					out = InFlight
					return nil
				case old.TxID != "":
					claimed := *old
					claimed.Owner, claimed.UpdatedAt = tok, s.now().UTC()
					out = Orphaned
					return putEntry(b, k, &claimed)
				}
			}
		}
		now := s.now().UTC()
		e.State, e.TxID, e.Status, e.Body = StateInProgress, "", 0, nil
		e.CreatedAt, e.UpdatedAt, e.Owner = now, now, tok
		out, existing = Started, nil
		return putEntry(b, k, &e)
	})
	if err != nil {
		return 0, nil, 0, fmt.Errorf("idempotency: begin: %w", err)
	}
	if out != Started && out != Orphaned {
		return out, existing, 0, nil
	}
	s.last = tok
	s.owners[string(k)] = tok
	return out, existing, tok, nil
}

func putEntry(b *bolt.Bucket, k []byte, e *Entry) error {
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return b.Put(k, raw)
}

// owns reports whether tok is the in-flight mark of key.
func (s *Store) owns(k []byte, tok Token) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.owners[string(k)]
	return ok && tok != 0 && cur == tok
}

// SetTx records the transaction submitted for key (before it reaches the orderer).
func (s *Store) SetTx(scope, key string, tok Token, txID string) error {
	return s.update(scope, key, tok, func(e *Entry) { e.TxID = txID })
}

// Complete stores the answer of key's request and releases it.
func (s *Store) Complete(scope, key string, tok Token, status int, contentType string, body []byte) error {
	defer s.Release(scope, key, tok)
	return s.update(scope, key, tok, func(e *Entry) {
		e.State, e.Status, e.ContentType, e.Body = StateDone, status, contentType, body
	})
}

// Abort forgets key (nothing was submitted and the failure may pass: the client may retry
// with the same key) and releases it.
func (s *Store) Abort(scope, key string, tok Token) error {
	defer s.Release(scope, key, tok)
	k := storeKey(scope, key)
	if !s.owns(k, tok) {
		return ErrNotOwner
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		if _, err := ownedEntry(b, k, tok); err != nil {
			return err
		}
		return b.Delete(k)
	})
}

// Release gives up ownership of key, leaving its entry as it is. It does nothing unless tok
// is the key's current owner, so it is safe to defer.
func (s *Store) Release(scope, key string, tok Token) {
	k := string(storeKey(scope, key))
	s.mu.Lock()
	if cur, ok := s.owners[k]; ok && cur == tok {
		delete(s.owners, k)
	}
	s.mu.Unlock()
}

func getEntry(b *bolt.Bucket, k []byte) (*Entry, error) {
	raw := b.Get(k)
	if raw == nil {
		return nil, ErrNotOwner // forgotten: whoever claimed it does not own it any more
	}
	e := &Entry{}
	if err := json.Unmarshal(raw, e); err != nil {
		return nil, err
	}
	return e, nil
}

// ownedEntry reads key k's entry, ErrNotOwner unless its stored owner is tok.
func ownedEntry(b *bolt.Bucket, k []byte, tok Token) (*Entry, error) {
	e, err := getEntry(b, k)
	if err != nil {
		return nil, err
	}
	if e.Owner != tok {
		return nil, ErrNotOwner
	}
	return e, nil
}

// update changes key's entry for its owner tok: the in-flight mark is checked first and the
// entry's Owner in the same transaction as the change.
func (s *Store) update(scope, key string, tok Token, f func(*Entry)) error {
	k := storeKey(scope, key)
	if !s.owns(k, tok) {
		return ErrNotOwner
	}
	err := s.db.Batch(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		e, err := ownedEntry(b, k, tok)
		if err != nil {
			return err
		}
		f(e)
		e.UpdatedAt = s.now().UTC()
		return putEntry(b, k, e)
	})
	if err != nil {
		return fmt.Errorf("idempotency: %w", err)
	}
	return nil
}

// DeleteExpired removes entries older than the TTL and reports how many. An entry a request
// still owns stays until it is settled.
func (s *Store) DeleteExpired() (int, error) {
	n := 0
	cutoff := s.now().Add(-s.ttl)
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.db.Update(func(tx *bolt.Tx) error {
		var err error
		n, err = boltx.DeleteWhere(tx.Bucket(bucket), func(k, v []byte) bool {
			if _, owned := s.owners[string(k)]; owned {
				return false
			}
			var e Entry
			return json.Unmarshal(v, &e) != nil || e.CreatedAt.Before(cutoff)
		})
		return err
	})
	return n, err
}
