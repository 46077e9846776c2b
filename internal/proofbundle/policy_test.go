package proofbundle

import (
	"testing"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	mspb "github.com/hyperledger/fabric-protos-go-apiv2/msp"
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

func peer(msp string) Endorser {
	return Endorser{MSPID: msp, OUs: []string{"peer"}, Serialized: []byte(msp + "/peer0")}
}

func TestSignaturePolicy(t *testing.T) {
	ids := []*mspb.MSPPrincipal{
		principal(t, "MarketMSP", mspb.MSPRole_PEER), principal(t, "TaxMSP", mspb.MSPRole_PEER), principal(t, "NotaryMSP", mspb.MSPRole_PEER),
	}
	ccPolicy := &cb.SignaturePolicyEnvelope{Rule: outOf(2, by(0), by(1), by(2)), Identities: ids}
	// The record policy: AND(owner, OutOf(1, others)), owner MarketMSP.
	record := &cb.SignaturePolicyEnvelope{Rule: outOf(2, by(0), outOf(1, by(1), by(2))), Identities: ids}
	client := Endorser{MSPID: "TaxMSP", OUs: []string{"client"}, Serialized: []byte("TaxMSP/clerk")}
	cases := []struct {
		name   string
		policy *cb.SignaturePolicyEnvelope
		who    []Endorser
		want   bool
	}{
		{"two of three", ccPolicy, []Endorser{peer("MarketMSP"), peer("NotaryMSP")}, true},
		{"one of three", ccPolicy, []Endorser{peer("TaxMSP")}, false},
		{"the same peer twice counts once", ccPolicy, []Endorser{peer("TaxMSP"), peer("TaxMSP")}, false},
		{"a client is not a peer", ccPolicy, []Endorser{peer("MarketMSP"), client}, false},
		{"an org outside the policy", ccPolicy, []Endorser{peer("MarketMSP"), peer("AuditMSP")}, false},
		{"record: owner and another", record, []Endorser{peer("NotaryMSP"), peer("MarketMSP")}, true},
		{"record: two others without the owner", record, []Endorser{peer("TaxMSP"), peer("NotaryMSP")}, false},
	}
	for _, tc := range cases {
		got, err := evaluateSignaturePolicy(tc.policy, tc.who)
		if err != nil || got != tc.want {
			t.Errorf("%s: got %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	if s := PolicyString(record); s != "OutOf(2, 'MarketMSP.peer', OutOf(1, 'TaxMSP.peer', 'NotaryMSP.peer'))" {
		t.Errorf("rendered %q", s)
	}
	if _, err := evaluateSignaturePolicy(&cb.SignaturePolicyEnvelope{Rule: by(5), Identities: ids}, []Endorser{peer("TaxMSP")}); err == nil {
		t.Error("SignedBy out of range accepted")
	}
}
