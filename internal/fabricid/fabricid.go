// Package fabricid loads the credentials a gateway configuration names — PEM
// certificates, private keys, TLS root pools — into Fabric Gateway identities
// and signers: one place for the gateway, govchain-audit and the benchmark.
package fabricid

import (
	"crypto/x509"
	"fmt"

	"github.com/govchain/govchain/internal/gatewayconfig"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
)

// Signer reads an identity's certificate and private key and returns its
// Fabric identity and signing function.
func Signer(id gatewayconfig.Identity) (*identity.X509Identity, identity.Sign, error) {
	where := fmt.Sprintf("identity %s/%s", id.Org, id.Role)
	cert, err := ReadCertificate(id.Cert)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: cert: %w", where, err)
	}
	xid, err := identity.NewX509Identity(id.MSPID, cert)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", where, err)
	}
	key, err := ReadPrivateKey(id.Key)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: key: %w", where, err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: key: %w", where, err)
	}
	return xid, sign, nil
}

// TLSRoots reads a peer's TLS CA certificates into a pool.
func TLSRoots(p gatewayconfig.Peer) (*x509.CertPool, error) {
	certs, err := ReadCertificates(p.TLSCACert)
	if err != nil {
		return nil, fmt.Errorf("peer %s: tls_ca_cert: %w", p.Name, err)
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}
