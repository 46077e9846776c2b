package proofbundle

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	mspb "github.com/hyperledger/fabric-protos-go-apiv2/msp"
	pb "github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

// This file only renders policies and identities for the summary. Policies
// are evaluated and identities validated by internal/ledgerverify, the
// repository's one implementation of Fabric's rules.

// PolicyString renders a signature policy as Fabric's policy language does,
// e.g. OutOf(2, 'MarketMSP.peer', 'TaxMSP.peer', 'NotaryMSP.peer').
func PolicyString(env *cb.SignaturePolicyEnvelope) string {
	return ruleString(env.GetRule(), env.GetIdentities())
}

// applicationPolicyString renders a marshalled peer.ApplicationPolicy: a
// signature policy as PolicyString, a channel config policy reference as its
// path (e.g. /Channel/Application/Endorsement).
func applicationPolicyString(raw []byte) (string, error) {
	ap := &pb.ApplicationPolicy{}
	if err := proto.Unmarshal(raw, ap); err != nil {
		return "", fmt.Errorf("application policy: %w", err)
	}
	switch t := ap.Type.(type) {
	case *pb.ApplicationPolicy_SignaturePolicy:
		if t.SignaturePolicy == nil {
			return "", errors.New("empty signature policy")
		}
		return PolicyString(t.SignaturePolicy), nil
	case *pb.ApplicationPolicy_ChannelConfigPolicyReference:
		return t.ChannelConfigPolicyReference, nil
	}
	return "", errors.New("application policy of no known type")
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

// signerOf names a serialized identity: its MSP ID and certificate subject.
// It does not validate it (ledgerverify does, for a VALID transaction).
func signerOf(serialized []byte) (Signer, error) {
	sid := &mspb.SerializedIdentity{}
	if err := proto.Unmarshal(serialized, sid); err != nil {
		return Signer{}, fmt.Errorf("serialized identity: %w", err)
	}
	blk, _ := pem.Decode(sid.IdBytes)
	if blk == nil {
		return Signer{}, fmt.Errorf("identity of %s: no PEM certificate", sid.Mspid)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return Signer{}, fmt.Errorf("identity of %s: %w", sid.Mspid, err)
	}
	return Signer{MSPID: sid.Mspid, Subject: c.Subject.String()}, nil
}
