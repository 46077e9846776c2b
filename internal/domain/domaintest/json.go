// Package domaintest holds checks that the tests of internal/domain and of the chaincode share.
package domaintest

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/govchain/govchain/internal/domain"
)

// RequireSafeJSON fails tb unless b is JSON whose numbers are all integers within
// ±domain.MaxSafeJSONInt (2^53 − 1), so that every JSON client reads them exactly.
func RequireSafeJSON(tb testing.TB, b []byte) {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		tb.Fatalf("not JSON: %v: %s", err, b)
	}
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case json.Number:
			n, err := x.Int64()
			if err != nil || n > domain.MaxSafeJSONInt || n < -domain.MaxSafeJSONInt {
				tb.Fatalf("number %s is not a JSON-safe integer in %s", x, b)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
}
