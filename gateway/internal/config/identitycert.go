package config

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"fmt"
	"github.com/govchain/govchain/internal/fabricid"
	"slices"

	"github.com/govchain/govchain/internal/domain"
)

// OrgMSP maps each short org name of the configuration to the MSP ID the chaincode's access
// table (domain.Permissions) knows it by.
var OrgMSP = map[string]string{
	"market": domain.MarketMSP,
	"tax":    domain.TaxMSP,
	"notary": domain.NotaryMSP,
	"audit":  domain.AuditMSP,
}

// fabricAttrsOID is the certificate extension in which Fabric CA writes an identity's
// attributes (as JSON: {"attrs": {"name": "value", …}}); the chaincode reads them from there.
var fabricAttrsOID = asn1.ObjectIdentifier{1, 2, 3, 4, 5, 6, 7, 8, 1}

// CertificateRole is the govchain.role attribute Fabric CA wrote into cert ("" when none).
func CertificateRole(cert *x509.Certificate) (string, error) {
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(fabricAttrsOID) {
			continue
		}
		var attrs struct {
			Attrs map[string]string `json:"attrs"`
		}
		if err := json.Unmarshal(ext.Value, &attrs); err != nil {
			return "", fmt.Errorf("the Fabric CA attribute extension cannot be read: %v", err)
		}
		return attrs.Attrs[domain.RoleAttribute], nil
	}
	return "", nil
}

// checkIdentityCertificate refuses an identity whose certificate says something other than
// its entry, since the gateway's early 403 judges by the entry and the chaincode by the
// certificate: msp_id must be the org's MSP; the certificate's govchain.role attribute must be
// the role (an admin has none and is an admin by its OU); with ca_cert set, the certificate
// must chain to that CA (it is a member of the MSP the entry names).
func checkIdentityCertificate(id Identity, cert *x509.Certificate) []error {
	var errs []error
	if want, ok := OrgMSP[id.Org]; ok && id.MSPID != want {
		errs = append(errs, fmt.Errorf("msp_id %q: org %s is %s", id.MSPID, id.Org, want))
	}
	role, err := CertificateRole(cert)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("cert %s: %v", id.Cert, err))
	case id.Role == "admin":
		if role != "" {
			errs = append(errs, fmt.Errorf("cert %s carries %s=%s: the chaincode would judge it as a %s, not an admin", id.Cert, domain.RoleAttribute, role, role))
		}
		if !slices.Contains(cert.Subject.OrganizationalUnit, "admin") {
			errs = append(errs, fmt.Errorf("cert %s is not an admin certificate (its OU %v has no \"admin\")", id.Cert, cert.Subject.OrganizationalUnit))
		}
	case role != id.Role:
		have := "no " + domain.RoleAttribute + " attribute"
		if role != "" {
			have = domain.RoleAttribute + "=" + role
		}
		errs = append(errs, fmt.Errorf("cert %s has %s, the entry says role %s: the chaincode judges by the certificate", id.Cert, have, id.Role))
	}
	if id.CACert != "" {
		cas, err := fabricid.ReadCertificates(id.CACert)
		if err != nil {
			return append(errs, fmt.Errorf("ca_cert: %v", err))
		}
		roots := x509.NewCertPool()
		for _, c := range cas {
			roots.AddCert(c)
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			errs = append(errs, fmt.Errorf("cert %s is not issued by ca_cert %s (the CA of %s): %v", id.Cert, id.CACert, id.MSPID, err))
		}
	}
	return errs
}
