package sm3_test

import (
	"bytes"
	"encoding/hex"
	"hash"
	"strings"
	"testing"

	"github.com/govchain/govchain/internal/domain/sm3"
	"github.com/stretchr/testify/require"
)

// GB/T 32905-2016 appendix A vectors.
var vectors = []struct {
	name, in, want string
}{
	{"example 1: abc", "abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"},
	{"example 2: abcd x16 (64 bytes)", strings.Repeat("abcd", 16), "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"},
}

func TestSumMatchesStandardVectors(t *testing.T) {
	for _, v := range vectors {
		t.Run(v.name, func(t *testing.T) {
			got := sm3.Sum([]byte(v.in))
			require.Equal(t, v.want, hex.EncodeToString(got[:]))

			h := sm3.New()
			_, err := h.Write([]byte(v.in))
			require.NoError(t, err)
			require.Equal(t, v.want, hex.EncodeToString(h.Sum(nil)))
		})
	}
}

func TestWriteInPiecesEqualsOneShot(t *testing.T) {
	msg := []byte(strings.Repeat("govchain evidence 电子存证 ", 20)) // several blocks, odd length
	want := sm3.Sum(msg)
	for split := 0; split <= len(msg); split += 7 {
		h := sm3.New()
		_, _ = h.Write(msg[:split])
		_, _ = h.Write(msg[split:])
		require.Equal(t, want[:], h.Sum(nil), "split at %d", split)
	}
}

func TestPaddingBoundaries(t *testing.T) {
	// Lengths around the 56-byte padding boundary and block multiples must all differ and
	// agree between Sum and streaming byte by byte.
	seen := map[string]int{}
	for n := 0; n <= 130; n++ {
		msg := bytes.Repeat([]byte{'a'}, n)
		one := sm3.Sum(msg)
		h := sm3.New()
		for i := range msg {
			_, _ = h.Write(msg[i : i+1])
		}
		require.Equal(t, one[:], h.Sum(nil), "length %d", n)
		key := hex.EncodeToString(one[:])
		_, dup := seen[key]
		require.False(t, dup, "length %d collides with length %d", n, seen[key])
		seen[key] = n
	}
}

func TestSumDoesNotChangeStateAndResetRestarts(t *testing.T) {
	h := sm3.New()
	_, _ = h.Write([]byte("ab"))
	first := h.Sum([]byte("prefix"))
	require.Equal(t, []byte("prefix"), first[:6], "Sum appends to its argument")
	_, _ = h.Write([]byte("c"))
	require.Equal(t, vectors[0].want, hex.EncodeToString(h.Sum(nil)))

	h.Reset()
	_, _ = h.Write([]byte("abc"))
	require.Equal(t, vectors[0].want, hex.EncodeToString(h.Sum(nil)))
}

func TestImplementsHashHash(t *testing.T) {
	var h hash.Hash = sm3.New()
	require.Equal(t, sm3.Size, h.Size())
	require.Equal(t, sm3.BlockSize, h.BlockSize())
	require.Len(t, h.Sum(nil), 32)
}
