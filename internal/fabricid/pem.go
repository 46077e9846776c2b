package fabricid

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// ReadCertificate reads the first PEM certificate in path.
func ReadCertificate(path string) (*x509.Certificate, error) {
	certs, err := ReadCertificates(path)
	if err != nil {
		return nil, err
	}
	return certs[0], nil
}

// ReadCertificates reads every PEM certificate in path (at least one).
func ReadCertificates(path string) ([]*x509.Certificate, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, raw = pem.Decode(raw)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s: no PEM certificate found", path)
	}
	return certs, nil
}

// ReadPrivateKey reads a PEM private key (PKCS#8, or SEC 1 "EC PRIVATE KEY") from path.
// Errors never include the key material.
func ReadPrivateKey(path string) (crypto.PrivateKey, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, fmt.Errorf("%s: no PEM block found", path)
	}
	switch block.Type {
	case "EC PRIVATE KEY":
		key, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: not a valid EC private key", path)
		}
		return key, nil
	default:
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: not a valid PKCS#8 private key", path)
		}
		return key, nil
	}
}

// KeyMatchesCertificate reports whether key is the private half of cert's public key.
func KeyMatchesCertificate(key crypto.PrivateKey, cert *x509.Certificate) error {
	type publicKeyer interface{ Public() crypto.PublicKey }
	pk, ok := key.(publicKeyer)
	if !ok {
		return errors.New("unsupported private key type")
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	switch k := key.(type) {
	case *ecdsa.PrivateKey, ed25519.PrivateKey:
		_ = k
	default:
		return fmt.Errorf("unsupported private key type %T (need ECDSA or Ed25519)", key)
	}
	eq, ok := pk.Public().(equaler)
	if !ok || !eq.Equal(cert.PublicKey) {
		return errors.New("private key does not match the certificate")
	}
	return nil
}
