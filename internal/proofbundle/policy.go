package proofbundle

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"slices"
	"strings"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	mspb "github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
)

// Endorser is one verified endorsement's identity, as a signature policy sees
// it: its MSP, its NodeOU roles (the OUs of its certificate) and the
// serialized identity that distinguishes it from other endorsers.
type Endorser struct {
	MSPID      string
	OUs        []string
	Serialized []byte
}

// CheckEndorsementPolicy evaluates a signature policy against endorsers whose
// signatures have already been verified. It is a variable so that it can be
// swapped for another evaluator (internal/ledgerverify's, once it has one).
var CheckEndorsementPolicy = evaluateSignaturePolicy

// evaluateSignaturePolicy mirrors Fabric's cauthdsl: each identity (by its
// serialized bytes, duplicates counted once) satisfies at most one SignedBy
// leaf; NOutOf(n, rules) needs n rules satisfied, trying them in order and
// keeping an identity used by a satisfied rule.
func evaluateSignaturePolicy(env *cb.SignaturePolicyEnvelope, endorsers []Endorser) (bool, error) {
	var ids []Endorser
	for _, e := range endorsers {
		if !slices.ContainsFunc(ids, func(x Endorser) bool { return string(x.Serialized) == string(e.Serialized) }) {
			ids = append(ids, e)
		}
	}
	used := make([]bool, len(ids))
	return evalRule(env.GetRule(), env.GetIdentities(), ids, used)
}

func evalRule(r *cb.SignaturePolicy, principals []*mspb.MSPPrincipal, ids []Endorser, used []bool) (bool, error) {
	switch t := r.GetType().(type) {
	case *cb.SignaturePolicy_SignedBy:
		if t.SignedBy < 0 || int(t.SignedBy) >= len(principals) {
			return false, fmt.Errorf("SignedBy(%d) refers to no identity", t.SignedBy)
		}
		p := principals[t.SignedBy]
		for i, id := range ids {
			if used[i] {
				continue
			}
			ok, err := satisfies(id, p)
			if err != nil {
				return false, err
			}
			if ok {
				used[i] = true
				return true, nil
			}
		}
		return false, nil
	case *cb.SignaturePolicy_NOutOf_:
		n := 0
		for _, sub := range t.NOutOf.GetRules() {
			trial := slices.Clone(used)
			ok, err := evalRule(sub, principals, ids, trial)
			if err != nil {
				return false, err
			}
			if ok {
				copy(used, trial)
				n++
			}
		}
		return n >= int(t.NOutOf.GetN()), nil
	default:
		return false, fmt.Errorf("signature policy rule of unknown type")
	}
}

func satisfies(id Endorser, p *mspb.MSPPrincipal) (bool, error) {
	if p.GetPrincipalClassification() != mspb.MSPPrincipal_ROLE {
		return false, fmt.Errorf("principal classification %v is not supported", p.GetPrincipalClassification())
	}
	role := &mspb.MSPRole{}
	if err := proto.Unmarshal(p.GetPrincipal(), role); err != nil {
		return false, fmt.Errorf("MSP role principal: %w", err)
	}
	if role.MspIdentifier != id.MSPID {
		return false, nil
	}
	switch role.Role {
	case mspb.MSPRole_MEMBER:
		return true, nil
	case mspb.MSPRole_PEER, mspb.MSPRole_CLIENT, mspb.MSPRole_ADMIN, mspb.MSPRole_ORDERER:
		return slices.Contains(id.OUs, strings.ToLower(role.Role.String())), nil
	default:
		return false, fmt.Errorf("MSP role %v is not supported", role.Role)
	}
}

// PolicyString renders a signature policy as Fabric's policy language does,
// e.g. OutOf(2, 'MarketMSP.peer', 'TaxMSP.peer', 'NotaryMSP.peer').
func PolicyString(env *cb.SignaturePolicyEnvelope) string {
	return ruleString(env.GetRule(), env.GetIdentities())
}

func ruleString(r *cb.SignaturePolicy, principals []*mspb.MSPPrincipal) string {
	switch t := r.GetType().(type) {
	case *cb.SignaturePolicy_SignedBy:
		if t.SignedBy < 0 || int(t.SignedBy) >= len(principals) {
			return fmt.Sprintf("SignedBy(%d)", t.SignedBy)
		}
		p := principals[t.SignedBy]
		role := &mspb.MSPRole{}
		if p.GetPrincipalClassification() != mspb.MSPPrincipal_ROLE || proto.Unmarshal(p.GetPrincipal(), role) != nil {
			return fmt.Sprintf("principal(%v)", p.GetPrincipalClassification())
		}
		return fmt.Sprintf("'%s.%s'", role.MspIdentifier, strings.ToLower(role.Role.String()))
	case *cb.SignaturePolicy_NOutOf_:
		parts := make([]string, 0, len(t.NOutOf.GetRules())+1)
		parts = append(parts, fmt.Sprint(t.NOutOf.GetN()))
		for _, sub := range t.NOutOf.GetRules() {
			parts = append(parts, ruleString(sub, principals))
		}
		return "OutOf(" + strings.Join(parts, ", ") + ")"
	default:
		return "unknown"
	}
}

// certOUs returns the organisational units of a serialized identity's certificate.
func certOUs(serialized []byte) (mspid string, subject string, ous []string, err error) {
	sid := &mspb.SerializedIdentity{}
	if err := proto.Unmarshal(serialized, sid); err != nil {
		return "", "", nil, fmt.Errorf("serialized identity: %w", err)
	}
	blk, _ := pem.Decode(sid.IdBytes)
	if blk == nil {
		return "", "", nil, fmt.Errorf("identity of %s: no PEM certificate", sid.Mspid)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return "", "", nil, fmt.Errorf("identity of %s: %w", sid.Mspid, err)
	}
	for _, ou := range c.Subject.OrganizationalUnit {
		ous = append(ous, strings.ToLower(ou))
	}
	return sid.Mspid, c.Subject.String(), ous, nil
}
