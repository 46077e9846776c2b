package domain

import "strings"

// Hash algorithms accepted for evidence digests; both give 32-byte (64 hex) digests.
const (
	HashSHA256 = "sha256"
	HashSM3    = "sm3"
)

// HashHexLength is the length of a hex-encoded 32-byte digest.
const HashHexLength = 64

// NormalizeHashAlgorithm lower-cases alg and checks it is sha256 or sm3 (INVALID otherwise).
func NormalizeHashAlgorithm(field, alg string) (string, error) {
	a := strings.ToLower(alg)
	if a != HashSHA256 && a != HashSM3 {
		return "", Errorf(CodeInvalid, "%s must be %q or %q, got %q", field, HashSHA256, HashSM3, alg)
	}
	return a, nil
}

// NormalizeHash lower-cases h and checks it is 64 hex characters (INVALID otherwise).
func NormalizeHash(field, h string) (string, error) {
	if len(h) != HashHexLength {
		return "", Errorf(CodeInvalid, "%s must be %d hex characters, got %d", field, HashHexLength, len(h))
	}
	l := strings.ToLower(h)
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", Errorf(CodeInvalid, "%s: character %d %q is not a hex digit", field, i+1, h[i])
		}
	}
	return l, nil
}
