package proofbundle

import (
	"testing"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	mspb "github.com/hyperledger/fabric-protos-go-apiv2/msp"
	pb "github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

func principal(t *testing.T, msp string, role mspb.MSPRole_MSPRoleType) *mspb.MSPPrincipal {
	raw, err := proto.Marshal(&mspb.MSPRole{MspIdentifier: msp, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return &mspb.MSPPrincipal{PrincipalClassification: mspb.MSPPrincipal_ROLE, Principal: raw}
}

func by(i int32) *cb.SignaturePolicy {
	return &cb.SignaturePolicy{Type: &cb.SignaturePolicy_SignedBy{SignedBy: i}}
}

func outOf(n int32, rules ...*cb.SignaturePolicy) *cb.SignaturePolicy {
	return &cb.SignaturePolicy{Type: &cb.SignaturePolicy_NOutOf_{NOutOf: &cb.SignaturePolicy_NOutOf{N: n, Rules: rules}}}
}

// Policies are evaluated by internal/ledgerverify (its tests); this package
// only renders them for the summary.
func TestPolicyString(t *testing.T) {
	ids := []*mspb.MSPPrincipal{
		principal(t, "MarketMSP", mspb.MSPRole_PEER), principal(t, "TaxMSP", mspb.MSPRole_PEER), principal(t, "NotaryMSP", mspb.MSPRole_PEER),
	}
	// The record policy: AND(owner, OutOf(1, others)), owner MarketMSP.
	record := &cb.SignaturePolicyEnvelope{Rule: outOf(2, by(0), outOf(1, by(1), by(2))), Identities: ids}
	if s := PolicyString(record); s != "OutOf(2, 'MarketMSP.peer', OutOf(1, 'TaxMSP.peer', 'NotaryMSP.peer'))" {
		t.Errorf("rendered %q", s)
	}
	if s := PolicyString(&cb.SignaturePolicyEnvelope{Rule: by(5), Identities: ids}); s != "SignedBy(5)" {
		t.Errorf("out of range rendered %q", s)
	}
	sig, _ := proto.Marshal(&pb.ApplicationPolicy{Type: &pb.ApplicationPolicy_SignaturePolicy{SignaturePolicy: record}})
	ref, _ := proto.Marshal(&pb.ApplicationPolicy{Type: &pb.ApplicationPolicy_ChannelConfigPolicyReference{ChannelConfigPolicyReference: "/Channel/Application/Endorsement"}})
	for raw, want := range map[string]string{string(sig): PolicyString(record), string(ref): "/Channel/Application/Endorsement"} {
		if got, err := applicationPolicyString([]byte(raw)); err != nil || got != want {
			t.Errorf("application policy rendered %q, %v; want %q", got, err, want)
		}
	}
	if _, err := applicationPolicyString([]byte{0xff}); err == nil {
		t.Error("garbage rendered")
	}
}
