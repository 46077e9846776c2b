package identities

import (
	"encoding/json"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
)

var bucket = []byte("identities")

// Status of an enrolled identity.
const (
	StatusActive  = "ACTIVE"
	StatusRevoked = "REVOKED"
)

// Record is one identity enrolled through the gateway: what the gateway needs to sign as it
// (its certificate and key: server-side signing) and to authenticate its API key (only the
// key's SHA-256). Kept in the gateway's bbolt database (mode 0600), key "org/name".
type Record struct {
	Org        string     `json:"org"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	MSPID      string     `json:"msp_id"`
	Status     string     `json:"status"`
	Serial     string     `json:"serial"` // hex, lower case
	EnrolledAt time.Time  `json:"enrolled_at"`
	EnrolledBy string     `json:"enrolled_by"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	RevokedBy  string     `json:"revoked_by,omitempty"`
	Reason     string     `json:"reason,omitempty"`
	KeySHA256  string     `json:"key_sha256"`
	CertPEM    []byte     `json:"cert_pem"`
	KeyPEM     []byte     `json:"key_pem,omitempty"` // dropped once revoked; never set when Signing is SigningClient
	// Signing is SigningClient for an identity enrolled with its holder's CSR: the gateway
	// has its certificate only and the holder signs (/api/v1/signing). "" is server-side.
	Signing string `json:"signing,omitempty"`
}

// SigningClient marks a Record whose key the gateway never had.
const SigningClient = "client"

// ClientSigned reports whether the identity signs on the client.
func (r *Record) ClientSigned() bool { return r.Signing == SigningClient }

type store struct{ db *bolt.DB }

func newStore(db *bolt.DB) (*store, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	})
	return &store{db: db}, err
}

func recKey(org, name string) []byte { return []byte(org + "/" + name) }

func (s *store) get(org, name string) (*Record, bool, error) {
	var rec *Record
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucket).Get(recKey(org, name))
		if v == nil {
			return nil
		}
		rec = &Record{}
		return json.Unmarshal(v, rec)
	})
	return rec, rec != nil, err
}

func (s *store) put(r *Record) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).Put(recKey(r.Org, r.Name), v)
	})
}

// all lists every record in key order (org, then name).
func (s *store) all() ([]*Record, error) {
	var out []*Record
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(_, v []byte) error {
			r := &Record{}
			if err := json.Unmarshal(v, r); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	})
	return out, err
}

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }
