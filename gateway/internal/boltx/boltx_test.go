package boltx

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestDeleteWhere(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "t.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("b"))
		if err != nil {
			return err
		}
		for _, k := range []string{"a1", "b1", "a2", "b2", "a3"} {
			if err := b.Put([]byte(k), []byte(k[:1])); err != nil {
				return err
			}
		}
		n, err := DeleteWhere(b, func(_, v []byte) bool { return string(v) == "a" })
		if err != nil || n != 3 {
			t.Fatalf("deleted %d (%v), want 3", n, err)
		}
		var left []string
		_ = b.ForEach(func(k, _ []byte) error { left = append(left, string(k)); return nil })
		if len(left) != 2 || left[0] != "b1" || left[1] != "b2" {
			t.Fatalf("left %v", left)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
