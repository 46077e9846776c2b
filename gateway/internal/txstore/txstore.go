// Package txstore persists the state of the transactions this gateway submits, in bbolt,
// so that a transaction is never left without a final status, even across a restart.
package txstore

import (
	"bytes"
	"encoding/binary"
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
	// bucketSigned holds the signed transaction of each PENDING record in binary form (see
	// encodeSigned), apart from its JSON: it is written once, not on every status change.
	bucketSigned = []byte("transactions_signed")
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
	Orgs         []string  `json:"orgs,omitempty"`          // the call was confined to these orgs' peers
	Private      bool      `json:"private,omitempty"`       // it carried transient data: never re-endorsed
	Name         string    `json:"name,omitempty"`          // ledger.Caller.Name: a named or enrolled identity, when not the org/role's default
	ClientSigned bool      `json:"client_signed,omitempty"` // signed by its client: the gateway cannot endorse a fresh one
	TxBytes      []byte    `json:"-"`                       // kept in bucketSigned while PENDING
	Signature    []byte    `json:"-"`
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
		for _, b := range [][]byte{bucketTx, bucketPending, bucketSigned} {
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

// Put writes r (and keeps the pending index in step with r.Status). The signed transaction
// of a PENDING record is written only when it differs from the stored one; a final record
// drops it, as nothing resubmits a final transaction.
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
	var signed []byte
	if !r.IsFinal() {
		signed = encodeSigned(r.TxBytes, r.Signature)
	}
	key := []byte(r.TxID)
	err = s.db.Batch(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketTx).Put(key, raw); err != nil {
			return err
		}
		if err := putSigned(tx.Bucket(bucketSigned), key, signed); err != nil {
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
		key := []byte(txID)
		raw := tx.Bucket(bucketTx).Get(key)
		if raw == nil {
			return nil
		}
		var err error
		r, err = decode(raw, tx.Bucket(bucketSigned).Get(key))
		return err
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
		all, signed := tx.Bucket(bucketTx), tx.Bucket(bucketSigned)
		return tx.Bucket(bucketPending).ForEach(func(k, _ []byte) error {
			raw := all.Get(k)
			if raw == nil {
				return nil
			}
			r, err := decode(raw, signed.Get(k))
			if err != nil {
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

// DeleteFinalBefore removes final records last updated before t and reports how many. It
// also removes any signed transaction left without a PENDING record.
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
		if err != nil {
			return err
		}
		_, err = boltx.DeleteWhere(tx.Bucket(bucketSigned), func(k, _ []byte) bool {
			return pending.Get(k) == nil
		})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("txstore: delete final: %w", err)
	}
	return n, nil
}

// legacyRecord decodes a record JSON, including the tx_bytes and signature that earlier
// versions stored in it (a PENDING record written before an upgrade).
type legacyRecord struct {
	*Record
	TxBytes   []byte `json:"tx_bytes"`
	Signature []byte `json:"signature"`
}

// decode reads a record from its JSON and its signed transaction (nil if none is stored).
func decode(raw, signed []byte) (*Record, error) {
	r := &Record{}
	l := legacyRecord{Record: r}
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, err
	}
	r.TxBytes, r.Signature = l.TxBytes, l.Signature
	if signed != nil {
		var err error
		if r.TxBytes, r.Signature, err = decodeSigned(signed); err != nil {
			return nil, fmt.Errorf("record %s: %w", r.TxID, err)
		}
	}
	return r, nil
}

// putSigned stores signed under key unless it is already stored; nil deletes it.
func putSigned(b *bolt.Bucket, key, signed []byte) error {
	if bytes.Equal(b.Get(key), signed) {
		return nil
	}
	if signed == nil {
		return b.Delete(key)
	}
	return b.Put(key, signed)
}

// encodeSigned is the binary form of a signed transaction: the length of txBytes as a
// uvarint, txBytes, then the signature. It is nil when both are empty.
func encodeSigned(txBytes, sig []byte) []byte {
	if len(txBytes) == 0 && len(sig) == 0 {
		return nil
	}
	out := make([]byte, 0, binary.MaxVarintLen64+len(txBytes)+len(sig))
	out = binary.AppendUvarint(out, uint64(len(txBytes)))
	out = append(out, txBytes...)
	return append(out, sig...)
}

// decodeSigned reverses encodeSigned into a copy (bbolt values live only within their
// transaction).
func decodeSigned(v []byte) (txBytes, sig []byte, err error) {
	n, k := binary.Uvarint(v)
	if k <= 0 || n > uint64(len(v)-k) {
		return nil, nil, errors.New("corrupt signed transaction")
	}
	buf := bytes.Clone(v[k:])
	return buf[:n:n], buf[n:], nil
}

func sortByCreated(rs []*Record) {
	slices.SortStableFunc(rs, func(a, b *Record) int { return a.CreatedAt.Compare(b.CreatedAt) })
}
