package clientsign

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

// flipS returns the same signature with S replaced by N-S (the other valid form).
func flipS(t *testing.T, sig []byte) []byte {
	t.Helper()
	var s ecdsaSig
	_, err := asn1.Unmarshal(sig, &s)
	require.NoError(t, err)
	s.S = new(big.Int).Sub(elliptic.P256().Params().N, s.S)
	out, err := asn1.Marshal(s)
	require.NoError(t, err)
	return out
}

func isLowS(t *testing.T, sig []byte) bool {
	var s ecdsaSig
	_, err := asn1.Unmarshal(sig, &s)
	require.NoError(t, err)
	return s.S.Cmp(new(big.Int).Rsh(elliptic.P256().Params().N, 1)) <= 0
}

func TestVerify(t *testing.T) {
	key, other := newKey(t), newKey(t)
	digest := sha256.Sum256([]byte("proposal bytes"))
	sig, err := Sign(key, digest[:])
	require.NoError(t, err)
	require.True(t, isLowS(t, sig), "Sign answers low S")

	t.Run("valid", func(t *testing.T) {
		low, err := Verify(&key.PublicKey, digest[:], sig)
		require.NoError(t, err)
		require.Equal(t, sig, low)
	})
	t.Run("high S is accepted and normalised to low S", func(t *testing.T) {
		high := flipS(t, sig)
		require.False(t, isLowS(t, high))
		require.True(t, ecdsa.VerifyASN1(&key.PublicKey, digest[:], high), "both forms verify")
		low, err := Verify(&key.PublicKey, digest[:], high)
		require.NoError(t, err)
		require.Equal(t, sig, low)
	})
	t.Run("another key's signature is refused", func(t *testing.T) {
		_, err := Verify(&other.PublicKey, digest[:], sig)
		require.ErrorIs(t, err, ErrBadSignature)
	})
	t.Run("a signature of another digest is refused", func(t *testing.T) {
		d2 := sha256.Sum256([]byte("other bytes"))
		_, err := Verify(&key.PublicKey, d2[:], sig)
		require.ErrorIs(t, err, ErrBadSignature)
	})
	t.Run("the message itself is not the digest", func(t *testing.T) {
		_, err := Verify(&key.PublicKey, []byte("proposal bytes"), sig)
		require.Error(t, err)
	})
	for name, garbage := range map[string][]byte{
		"empty":          nil,
		"not DER":        []byte("not a signature"),
		"trailing bytes": append(append([]byte{}, sig...), 0),
		"zero r":         mustDER(t, big.NewInt(0), big.NewInt(1)),
		"s beyond N":     mustDER(t, big.NewInt(1), new(big.Int).Add(elliptic.P256().Params().N, big.NewInt(1))),
		"raw r||s":       make([]byte, 64),
	} {
		t.Run("garbage: "+name, func(t *testing.T) {
			_, err := Verify(&key.PublicKey, digest[:], garbage)
			require.Error(t, err)
		})
	}
	t.Run("a key on another curve is refused", func(t *testing.T) {
		k384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		require.NoError(t, err)
		_, err = Verify(&k384.PublicKey, digest[:], sig)
		require.Error(t, err)
	})
}

func mustDER(t *testing.T, r, s *big.Int) []byte {
	b, err := asn1.Marshal(ecdsaSig{R: r, S: s})
	require.NoError(t, err)
	return b
}

func TestReadKey(t *testing.T) {
	key := newKey(t)
	dir := t.TempDir()
	p8, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	sec1, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	for name, b := range map[string]*pem.Block{
		"pkcs8": {Type: "PRIVATE KEY", Bytes: p8},
		"sec1":  {Type: "EC PRIVATE KEY", Bytes: sec1},
	} {
		path := filepath.Join(dir, name+".pem")
		require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(b), 0o600))
		got, err := ReadKey(path)
		require.NoError(t, err, name)
		require.True(t, got.Equal(key), name)
	}
	path := filepath.Join(dir, "cert.pem")
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), 0o600))
	_, err = ReadKey(path)
	require.Error(t, err)
}
