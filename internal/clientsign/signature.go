// Package clientsign is client-side signing for the govchain gateway: the signature rules
// the gateway checks (ECDSA P-256 over a SHA-256 digest, ASN.1 DER, S normalised to the low
// half as Fabric requires) and a client that holds an agency's key and runs the three steps
// of a client-signed write (/api/v1/signing/...) for one call.
package clientsign

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
)

// DigestSize is the size of the digests the gateway hands out: SHA-256.
const DigestSize = 32

// ErrBadSignature is the error of every signature that does not verify.
var ErrBadSignature = errors.New("the signature does not verify against the identity's certificate")

type ecdsaSig struct {
	R, S *big.Int
}

// Normalize parses an ASN.1 DER ECDSA signature on curve and returns it DER-encoded again
// with S in the low half of the group order (Fabric refuses high S; both forms are valid
// ECDSA signatures of the same digest).
func Normalize(curve elliptic.Curve, sig []byte) ([]byte, error) {
	var s ecdsaSig
	rest, err := asn1.Unmarshal(sig, &s)
	if err != nil || len(rest) != 0 || s.R == nil || s.S == nil {
		return nil, errors.New("the signature is not an ASN.1 DER ECDSA signature (SEQUENCE of two INTEGERs)")
	}
	n := curve.Params().N
	if s.R.Sign() <= 0 || s.S.Sign() <= 0 || s.R.Cmp(n) >= 0 || s.S.Cmp(n) >= 0 {
		return nil, errors.New("the signature's r or s is out of range")
	}
	half := new(big.Int).Rsh(n, 1)
	if s.S.Cmp(half) > 0 {
		s.S = new(big.Int).Sub(n, s.S)
	}
	return asn1.Marshal(s)
}

// Verify checks sig (ASN.1 DER, either form of S) over digest with pub, a P-256 key, and
// returns the signature with low S, ready for Fabric.
func Verify(pub *ecdsa.PublicKey, digest, sig []byte) ([]byte, error) {
	if pub == nil || pub.Curve != elliptic.P256() {
		return nil, errors.New("the identity's key is not an ECDSA P-256 key")
	}
	if len(digest) != DigestSize {
		return nil, fmt.Errorf("the digest must be %d bytes", DigestSize)
	}
	low, err := Normalize(pub.Curve, sig)
	if err != nil {
		return nil, err
	}
	if !ecdsa.VerifyASN1(pub, digest, low) {
		return nil, ErrBadSignature
	}
	return low, nil
}

// Sign signs digest with key and returns an ASN.1 DER signature with low S.
func Sign(key *ecdsa.PrivateKey, digest []byte) ([]byte, error) {
	sig, err := ecdsa.SignASN1(rand.Reader, key, digest)
	if err != nil {
		return nil, err
	}
	return Normalize(key.Curve, sig)
}

// ReadKey reads an ECDSA P-256 private key from a PEM file: PKCS#8 ("PRIVATE KEY", as
// Fabric CA writes it) or SEC 1 ("EC PRIVATE KEY").
func ReadKey(path string) (*ecdsa.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseKey(raw)
}

// ParseKey parses a PEM private key (PKCS#8 or SEC 1), which must be ECDSA P-256.
func ParseKey(raw []byte) (*ecdsa.PrivateKey, error) {
	b, _ := pem.Decode(raw)
	if b == nil {
		return nil, errors.New("no PEM block")
	}
	var key any
	var err error
	switch b.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(b.Bytes)
	default:
		return nil, fmt.Errorf("PEM block %q is not a private key", b.Type)
	}
	if err != nil {
		return nil, err
	}
	k, ok := key.(*ecdsa.PrivateKey)
	if !ok || k.Curve != elliptic.P256() {
		return nil, errors.New("the key is not an ECDSA P-256 key")
	}
	return k, nil
}
