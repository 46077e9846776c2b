package identities

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"

	"github.com/govchain/govchain/internal/domain"
)

// maxCSR bounds the PEM of a CSR (a P-256 request is well under 1 KiB).
const maxCSR = 8 << 10

// ValidateCSR checks the holder's certificate request for the enrolment id name before it
// goes to the CA: one PEM "CERTIFICATE REQUEST" (PKCS#10), an ECDSA P-256 public key, a valid
// self-signature (the requester holds the key) and the subject CN = name, which Fabric CA
// requires of an enrolment. Anything else is INVALID, and nothing is registered.
func ValidateCSR(csrPEM []byte, name string) (*x509.CertificateRequest, error) {
	if len(csrPEM) > maxCSR {
		return nil, domain.Errorf(domain.CodeInvalid, "csr: more than %d bytes", maxCSR)
	}
	b, rest := pem.Decode(csrPEM)
	if b == nil || (b.Type != "CERTIFICATE REQUEST" && b.Type != "NEW CERTIFICATE REQUEST") {
		return nil, domain.Errorf(domain.CodeInvalid, "csr: want one PEM \"CERTIFICATE REQUEST\" (PKCS#10)")
	}
	if next, _ := pem.Decode(rest); next != nil {
		return nil, domain.Errorf(domain.CodeInvalid, "csr: want exactly one PEM block")
	}
	req, err := x509.ParseCertificateRequest(b.Bytes)
	if err != nil {
		return nil, domain.Errorf(domain.CodeInvalid, "csr: not a PKCS#10 certificate request: %v", err)
	}
	pub, ok := req.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, domain.Errorf(domain.CodeInvalid, "csr: the key must be ECDSA on P-256 (prime256v1)")
	}
	if err := req.CheckSignature(); err != nil {
		return nil, domain.Errorf(domain.CodeInvalid, "csr: not signed by the key it carries: %v", err)
	}
	if req.Subject.CommonName != name {
		return nil, domain.Errorf(domain.CodeInvalid, "csr: the subject CN is %q; Fabric CA enrols it only as the enrolment id: make it /CN=%s", req.Subject.CommonName, name)
	}
	return req, nil
}

func samePublicKey(a, b any) bool {
	ka, ok := a.(*ecdsa.PublicKey)
	return ok && ka.Equal(b)
}
