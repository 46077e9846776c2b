package ledgerverify

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	mspb "github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
)

// This file re-implements the parts of Fabric's X.509 MSP (msp/mspimpl.go,
// mspimplsetup.go, mspimplvalidate.go of the pinned Fabric, MSP version 1.4.3
// as used by channels with the V2_0 capability) that validation needs:
// identity validation (certificate chain at the certificate's NotBefore,
// revocation by the MSP's CRLs, OU and NodeOU rules) and principal matching.

// ouID is Fabric's OUIdentifier: an OU name and, optionally, the hash of the
// certification chain that must have issued it.
type ouID struct {
	name       string
	certifiers []byte // nil: any chain
}

type mspInfo struct {
	name          string
	roots, inters *x509.CertPool
	caCerts       []*x509.Certificate // roots and intermediates
	internal      map[string]bool     // raw certs of CAs that issued an intermediate
	admins        [][]byte            // RawTBSCertificate of the explicit admin certs
	crls          []*x509.RevocationList
	nodeOUs       bool
	client, peer  *ouID
	admin, order  *ouID
	ouIdentifiers map[string][][]byte // organizational_unit_identifiers
}

// identity is a deserialized, validated signer. err is the MSP validation
// result (nil: valid); revoked says err is a revocation.
type identity struct {
	mspid      string
	cert       *x509.Certificate
	pub        *ecdsa.PublicKey
	msp        *mspInfo
	key        string // dedup key: MSP ID and hash of the TBS certificate
	ous        []string
	certifiers []byte
	err        error
	revoked    bool
	principals map[string]error // principal bytes -> match result
}

func parseMSP(fc *mspb.FabricMSPConfig) (*mspInfo, error) {
	m := &mspInfo{name: fc.Name, roots: x509.NewCertPool(), inters: x509.NewCertPool(), internal: map[string]bool{}}
	for _, p := range fc.RootCerts {
		c, err := parsePEMCert(p)
		if err != nil {
			return nil, fmt.Errorf("MSP %s root cert: %w", fc.Name, err)
		}
		m.roots.AddCert(c)
		m.caCerts = append(m.caCerts, c)
	}
	var inters []*x509.Certificate
	for _, p := range fc.IntermediateCerts {
		c, err := parsePEMCert(p)
		if err != nil {
			return nil, fmt.Errorf("MSP %s intermediate cert: %w", fc.Name, err)
		}
		m.inters.AddCert(c)
		m.caCerts = append(m.caCerts, c)
		inters = append(inters, c)
	}
	// As finalizeSetupCAs: a CA that issued an intermediate is an internal
	// node of the certification tree and may not issue identities.
	for _, c := range inters {
		if chains, err := c.Verify(m.verifyOpts(c)); err == nil && len(chains) > 0 {
			for _, p := range chains[0][1:] {
				m.internal[string(p.Raw)] = true
			}
		}
	}
	for _, p := range fc.Admins {
		c, err := parsePEMCert(p)
		if err != nil {
			return nil, fmt.Errorf("MSP %s admin cert: %w", fc.Name, err)
		}
		m.admins = append(m.admins, c.RawTBSCertificate)
	}
	for i, raw := range fc.RevocationList {
		crl, err := parseCRL(raw)
		if err != nil {
			return nil, fmt.Errorf("MSP %s revocation list %d: %w", fc.Name, i, err)
		}
		m.crls = append(m.crls, crl)
	}
	certifiers := func(pemBytes []byte) ([]byte, error) {
		if len(pemBytes) == 0 {
			return nil, nil
		}
		c, err := parsePEMCert(pemBytes)
		if err != nil {
			return nil, err
		}
		return m.certifiersOf(c)
	}
	m.ouIdentifiers = map[string][][]byte{}
	for _, ou := range fc.OrganizationalUnitIdentifiers {
		ci, err := certifiers(ou.Certificate)
		if err != nil {
			return nil, fmt.Errorf("MSP %s OU %s: %w", fc.Name, ou.OrganizationalUnitIdentifier, err)
		}
		m.ouIdentifiers[ou.OrganizationalUnitIdentifier] = append(m.ouIdentifiers[ou.OrganizationalUnitIdentifier], ci)
	}
	if n := fc.FabricNodeOus; n != nil {
		m.nodeOUs = n.Enable
		count := 0
		for _, x := range []struct {
			cfg *mspb.FabricOUIdentifier
			dst **ouID
		}{{n.ClientOuIdentifier, &m.client}, {n.PeerOuIdentifier, &m.peer}, {n.AdminOuIdentifier, &m.admin}, {n.OrdererOuIdentifier, &m.order}} {
			if x.cfg == nil {
				continue
			}
			ci, err := certifiers(x.cfg.Certificate)
			if err != nil {
				return nil, fmt.Errorf("MSP %s node OU %s: %w", fc.Name, x.cfg.OrganizationalUnitIdentifier, err)
			}
			*x.dst = &ouID{name: x.cfg.OrganizationalUnitIdentifier, certifiers: ci}
			count++
		}
		if count == 0 {
			m.nodeOUs = false
		}
	}
	return m, nil
}

// parseCRL parses a PEM or DER revocation list.
func parseCRL(raw []byte) (*x509.RevocationList, error) {
	if blk, _ := pemDecode(raw); blk != nil {
		raw = blk
	}
	return x509.ParseRevocationList(raw)
}

func (m *mspInfo) verifyOpts(c *x509.Certificate) x509.VerifyOptions {
	return x509.VerifyOptions{
		Roots: m.roots, Intermediates: m.inters,
		CurrentTime: c.NotBefore.Add(time.Second),
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
}

// certifiersOf is Fabric's certifiers identifier of a CA certificate of this
// MSP: SHA-256 of its certification chain (the CA itself, then its parents).
func (m *mspInfo) certifiersOf(c *x509.Certificate) ([]byte, error) {
	known := false
	for _, ca := range m.caCerts {
		if bytes.Equal(ca.RawTBSCertificate, c.RawTBSCertificate) {
			known, c = true, ca
			break
		}
	}
	if !known {
		return nil, errors.New("certificate is not a root or intermediate CA of the MSP")
	}
	chains, err := c.Verify(m.verifyOpts(c))
	if err != nil || len(chains) == 0 {
		return nil, fmt.Errorf("CA certificate does not chain: %v", err)
	}
	h := sha256.New()
	for _, x := range chains[0] {
		h.Write(x.Raw)
	}
	return h.Sum(nil), nil
}

// validate is Fabric's validateIdentity: the chain (unique, parent a leaf of
// the certification tree), revocation, then the OU rules.
func (m *mspInfo) validate(id *identity) {
	cert := id.cert
	if cert.IsCA {
		id.err = errors.New("a CA certificate cannot be used as an identity")
		return
	}
	chains, err := cert.Verify(m.verifyOpts(cert))
	if err != nil {
		id.err = fmt.Errorf("does not chain to a root CA of MSP %s: %v", m.name, err)
		return
	}
	if len(chains) != 1 {
		id.err = fmt.Errorf("has %d certification chains in MSP %s, Fabric accepts exactly one", len(chains), m.name)
		return
	}
	chain := chains[0]
	if len(chain) < 2 {
		id.err = errors.New("certification chain shorter than 2")
		return
	}
	if m.internal[string(chain[1].Raw)] {
		id.err = fmt.Errorf("issued by CA %q, which is not a leaf of MSP %s's certification tree", chain[1].Subject.CommonName, m.name)
		return
	}
	// Revocation, as validateCertAgainstChain: a CRL whose AKI is the
	// issuer's SKI, listing the serial, and signed by that issuer. A CRL with
	// a wrong signature is skipped, as Fabric does.
	issuer := chain[1]
	if len(issuer.SubjectKeyId) == 0 {
		id.err = fmt.Errorf("issuing CA %q has no subject key identifier", issuer.Subject.CommonName)
		return
	}
	for _, crl := range m.crls {
		if !bytes.Equal(crl.AuthorityKeyId, issuer.SubjectKeyId) {
			continue
		}
		for _, rc := range crl.RevokedCertificateEntries {
			if rc.SerialNumber.Cmp(cert.SerialNumber) != 0 {
				continue
			}
			if issuer.CheckSignature(crl.SignatureAlgorithm, crl.RawTBSRevocationList, crl.Signature) != nil {
				continue
			}
			id.err = fmt.Errorf("serial %s is revoked by a CRL of MSP %s (issued by %q, %s)", cert.SerialNumber.Text(16), m.name,
				issuer.Subject.CommonName, crl.ThisUpdate.UTC().Format(time.RFC3339))
			id.revoked = true
			return
		}
	}
	h := sha256.New()
	for _, x := range chain[1:] {
		h.Write(x.Raw)
	}
	id.certifiers = h.Sum(nil)
	id.ous = cert.Subject.OrganizationalUnit
	id.err = m.validateOUs(id)
}

// validateOUs is validateIdentityOUsV142.
func (m *mspInfo) validateOUs(id *identity) error {
	if len(m.ouIdentifiers) > 0 {
		found := false
		for _, ou := range id.ous {
			for _, ci := range m.ouIdentifiers[ou] {
				if bytes.Equal(ci, id.certifiers) {
					found = true
				}
			}
		}
		if !found {
			return fmt.Errorf("none of its OUs %v is an OU of MSP %s", id.ous, m.name)
		}
	}
	if !m.nodeOUs {
		return nil
	}
	count := 0
	for _, ou := range id.ous {
		var n *ouID
		for _, x := range []*ouID{m.client, m.peer, m.admin, m.order} {
			if x != nil && x.name == ou {
				n = x
				break
			}
		}
		if n == nil {
			continue
		}
		if len(n.certifiers) != 0 && !bytes.Equal(n.certifiers, id.certifiers) {
			return fmt.Errorf("OU %s is not certified by the chain MSP %s requires", ou, m.name)
		}
		count++
		if count > 1 {
			break
		}
	}
	switch {
	case count == 0:
		return fmt.Errorf("has no client, peer, admin or orderer OU (OUs %v) as MSP %s's NodeOUs require", id.ous, m.name)
	case count > 1:
		return fmt.Errorf("has more than one of the client, peer, admin and orderer OUs (OUs %v)", id.ous)
	}
	return nil
}

func (m *mspInfo) hasOURole(id *identity, role mspb.MSPRole_MSPRoleType) error {
	if !m.nodeOUs {
		return fmt.Errorf("MSP %s has no NodeOUs: it cannot tell a %s from any member", m.name, roleName(role))
	}
	var n *ouID
	switch role {
	case mspb.MSPRole_CLIENT:
		n = m.client
	case mspb.MSPRole_PEER:
		n = m.peer
	case mspb.MSPRole_ADMIN:
		n = m.admin
	case mspb.MSPRole_ORDERER:
		n = m.order
	}
	if n == nil {
		return fmt.Errorf("MSP %s defines no %s OU", m.name, roleName(role))
	}
	for _, ou := range id.ous {
		if ou == n.name {
			return nil
		}
	}
	return fmt.Errorf("is not a %s of MSP %s", roleName(role), m.name)
}

func (m *mspInfo) isAdmin(id *identity) bool {
	for _, a := range m.admins {
		if bytes.Equal(a, id.cert.RawTBSCertificate) {
			return true
		}
	}
	return false
}

// role is the identity's NodeOU role for messages: peer, client, admin,
// orderer, or member.
func (id *identity) role() string {
	if id.msp != nil && id.msp.nodeOUs && id.err == nil {
		for _, x := range []struct {
			o *ouID
			r string
		}{{id.msp.peer, "peer"}, {id.msp.client, "client"}, {id.msp.admin, "admin"}, {id.msp.order, "orderer"}} {
			if x.o == nil {
				continue
			}
			for _, ou := range id.ous {
				if ou == x.o.name {
					return x.r
				}
			}
		}
	}
	if id.msp != nil && id.msp.isAdmin(id) {
		return "admin"
	}
	return "member"
}

func (id *identity) String() string { return id.mspid + "." + id.role() }

// satisfies is Fabric's SatisfiesPrincipal (MSP version 1.4.3), cached.
func (id *identity) satisfies(p *mspb.MSPPrincipal, raw []byte) error {
	if err, ok := id.principals[string(raw)]; ok {
		return err
	}
	err := id.satisfiesUncached(p, 0)
	if id.principals == nil {
		id.principals = map[string]error{}
	}
	id.principals[string(raw)] = err
	return err
}

func (id *identity) satisfiesUncached(p *mspb.MSPPrincipal, depth int) error {
	if depth > 16 {
		return errors.New("combined principal nested too deeply")
	}
	m := id.msp
	switch p.PrincipalClassification {
	case mspb.MSPPrincipal_COMBINED:
		cp := &mspb.CombinedPrincipal{}
		if err := proto.Unmarshal(p.Principal, cp); err != nil {
			return fmt.Errorf("combined principal: %w", err)
		}
		if len(cp.Principals) == 0 {
			return errors.New("empty combined principal")
		}
		for _, sub := range cp.Principals {
			if err := id.satisfiesUncached(sub, depth+1); err != nil {
				return err
			}
		}
		return nil
	case mspb.MSPPrincipal_ANONYMITY:
		a := &mspb.MSPIdentityAnonymity{}
		if err := proto.Unmarshal(p.Principal, a); err != nil {
			return fmt.Errorf("anonymity principal: %w", err)
		}
		if a.AnonymityType == mspb.MSPIdentityAnonymity_NOMINAL {
			return nil
		}
		return errors.New("X.509 identities are not anonymous")
	case mspb.MSPPrincipal_ROLE:
		r := &mspb.MSPRole{}
		if err := proto.Unmarshal(p.Principal, r); err != nil {
			return fmt.Errorf("role principal: %w", err)
		}
		if r.MspIdentifier != id.mspid {
			return fmt.Errorf("is in MSP %s, not %s", id.mspid, r.MspIdentifier)
		}
		switch r.Role {
		case mspb.MSPRole_MEMBER:
			return id.err
		case mspb.MSPRole_ADMIN:
			if m.isAdmin(id) {
				return nil
			}
			if !m.nodeOUs {
				return errors.New("is not an admin")
			}
			if id.err != nil {
				return id.err
			}
			return m.hasOURole(id, r.Role)
		case mspb.MSPRole_CLIENT, mspb.MSPRole_PEER:
			if id.err != nil {
				return id.err
			}
			return m.hasOURole(id, r.Role)
		case mspb.MSPRole_ORDERER:
			if !m.nodeOUs {
				return fmt.Errorf("invalid MSP role type %d without NodeOUs", r.Role)
			}
			if id.err != nil {
				return id.err
			}
			return m.hasOURole(id, r.Role)
		}
		return fmt.Errorf("invalid MSP role type %d", r.Role)
	case mspb.MSPPrincipal_IDENTITY:
		sid := &mspb.SerializedIdentity{}
		if err := proto.Unmarshal(p.Principal, sid); err != nil {
			return fmt.Errorf("identity principal: %w", err)
		}
		if sid.Mspid != id.mspid {
			return fmt.Errorf("is in MSP %s, not %s", id.mspid, sid.Mspid)
		}
		c, err := parsePEMCert(sid.IdBytes)
		if err != nil {
			return fmt.Errorf("identity principal: %w", err)
		}
		if !bytes.Equal(c.RawTBSCertificate, id.cert.RawTBSCertificate) {
			return errors.New("is not the identity the principal names")
		}
		return id.err
	case mspb.MSPPrincipal_ORGANIZATION_UNIT:
		ou := &mspb.OrganizationUnit{}
		if err := proto.Unmarshal(p.Principal, ou); err != nil {
			return fmt.Errorf("OU principal: %w", err)
		}
		if ou.MspIdentifier != id.mspid {
			return fmt.Errorf("is in MSP %s, not %s", id.mspid, ou.MspIdentifier)
		}
		if id.err != nil {
			return id.err
		}
		for _, x := range id.ous {
			if x == ou.OrganizationalUnitIdentifier && bytes.Equal(id.certifiers, ou.CertifiersIdentifier) {
				return nil
			}
		}
		return fmt.Errorf("is not in OU %s", ou.OrganizationalUnitIdentifier)
	}
	return fmt.Errorf("invalid principal type %d", p.PrincipalClassification)
}

func roleName(r mspb.MSPRole_MSPRoleType) string { return strings.ToLower(r.String()) }

// principalString is a principal in the policy language: MarketMSP.peer.
func principalString(p *mspb.MSPPrincipal) string {
	switch p.PrincipalClassification {
	case mspb.MSPPrincipal_ROLE:
		r := &mspb.MSPRole{}
		if proto.Unmarshal(p.Principal, r) == nil {
			return r.MspIdentifier + "." + roleName(r.Role)
		}
	case mspb.MSPPrincipal_ORGANIZATION_UNIT:
		ou := &mspb.OrganizationUnit{}
		if proto.Unmarshal(p.Principal, ou) == nil {
			return ou.MspIdentifier + " OU " + ou.OrganizationalUnitIdentifier
		}
	case mspb.MSPPrincipal_IDENTITY:
		sid := &mspb.SerializedIdentity{}
		if proto.Unmarshal(p.Principal, sid) == nil {
			if c, err := parsePEMCert(sid.IdBytes); err == nil {
				return fmt.Sprintf("%s identity %q", sid.Mspid, c.Subject.CommonName)
			}
		}
	case mspb.MSPPrincipal_COMBINED:
		cp := &mspb.CombinedPrincipal{}
		if proto.Unmarshal(p.Principal, cp) == nil {
			var s []string
			for _, x := range cp.Principals {
				s = append(s, principalString(x))
			}
			return "(" + strings.Join(s, " and ") + ")"
		}
	case mspb.MSPPrincipal_ANONYMITY:
		return "anonymity principal"
	}
	return "unknown principal"
}

func pemDecode(b []byte) ([]byte, bool) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, false
	}
	return blk.Bytes, true
}
