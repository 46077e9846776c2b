// Package boltx holds the one bbolt helper the gateway's stores share.
package boltx

import bolt "go.etcd.io/bbolt"

// DeleteWhere deletes every entry of b for which doomed reports true and returns how many it
// deleted. Keys are collected first: bbolt forbids deleting while iterating.
func DeleteWhere(b *bolt.Bucket, doomed func(k, v []byte) bool) (int, error) {
	var keys [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if doomed(k, v) {
			keys = append(keys, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}
