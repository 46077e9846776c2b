package ledgerverify

import (
	"testing"

	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	mspb "github.com/hyperledger/fabric-protos-go-apiv2/msp"
)

func nOutOf(n int32, rules ...*cb.SignaturePolicy) *cb.SignaturePolicy {
	return &cb.SignaturePolicy{Type: &cb.SignaturePolicy_NOutOf_{NOutOf: &cb.SignaturePolicy_NOutOf{N: n, Rules: rules}}}
}

func signedBy(i int32) *cb.SignaturePolicy {
	return &cb.SignaturePolicy{Type: &cb.SignaturePolicy_SignedBy{SignedBy: i}}
}

// Principals and the cauthdsl evaluation, on the synthetic network's
// identities.
func TestPrincipalsAndSignaturePolicies(t *testing.T) {
	n := newNetwork(t)
	blocks := n.chain(t)
	cfg, err := ParseChannelConfig(blocks[0])
	if err != nil {
		t.Fatal(err)
	}
	ids := func(ss ...*signer) []*identity {
		var out []*identity
		for _, s := range ss {
			id, err := cfg.identity(s.serialized)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, id)
		}
		return out
	}
	ouPrincipal := func(mspid, ou string, certifiers []byte) *mspb.MSPPrincipal {
		return &mspb.MSPPrincipal{PrincipalClassification: mspb.MSPPrincipal_ORGANIZATION_UNIT,
			Principal: marshalOrPanic(&mspb.OrganizationUnit{MspIdentifier: mspid, OrganizationalUnitIdentifier: ou, CertifiersIdentifier: certifiers})}
	}
	identityPrincipal := func(s *signer) *mspb.MSPPrincipal {
		return &mspb.MSPPrincipal{PrincipalClassification: mspb.MSPPrincipal_IDENTITY, Principal: s.serialized}
	}
	combined := func(ps ...*mspb.MSPPrincipal) *mspb.MSPPrincipal {
		return &mspb.MSPPrincipal{PrincipalClassification: mspb.MSPPrincipal_COMBINED, Principal: marshalOrPanic(&mspb.CombinedPrincipal{Principals: ps})}
	}
	root1, err := cfg.msps["Org1MSP"].certifiersOf(n.org1CA.cert)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		policy  *cb.SignaturePolicyEnvelope
		signers []*identity
		want    bool
	}{
		{"member: a client", outOf(1, role("Org1MSP", mspb.MSPRole_MEMBER)), ids(n.client), true},
		{"member of another MSP", outOf(1, role("Org2MSP", mspb.MSPRole_MEMBER)), ids(n.client), false},
		{"peer: a peer", outOf(1, role("Org1MSP", mspb.MSPRole_PEER)), ids(n.peer1), true},
		{"peer: a client", outOf(1, role("Org1MSP", mspb.MSPRole_PEER)), ids(n.client), false},
		{"client: a client", outOf(1, role("Org1MSP", mspb.MSPRole_CLIENT)), ids(n.client), true},
		{"admin: a peer", outOf(1, role("Org1MSP", mspb.MSPRole_ADMIN)), ids(n.peer1), false},
		{"orderer: the orderer", outOf(1, role("OrdererMSP", mspb.MSPRole_ORDERER)), ids(n.orderer), true},
		{"orderer: an orderer org client", outOf(1, role("OrdererMSP", mspb.MSPRole_ORDERER)), ids(n.ordererClient), false},
		{"member: an identity without a NodeOU is not valid", outOf(1, role("Org1MSP", mspb.MSPRole_MEMBER)), ids(n.noOU1), false},
		{"OU principal with the root's certifiers id", outOf(1, ouPrincipal("Org1MSP", "peer", root1)), ids(n.peer1), true},
		{"OU principal with another certifiers id", outOf(1, ouPrincipal("Org1MSP", "peer", []byte("x"))), ids(n.peer1), false},
		{"identity principal: that identity", outOf(1, identityPrincipal(n.peer1)), ids(n.peer1b, n.peer1), true},
		{"identity principal: another identity", outOf(1, identityPrincipal(n.peer1)), ids(n.peer1b), false},
		{"combined: peer and member", outOf(1, combined(role("Org1MSP", mspb.MSPRole_PEER), role("Org1MSP", mspb.MSPRole_MEMBER))), ids(n.peer1), true},
		{"combined: peer and client", outOf(1, combined(role("Org1MSP", mspb.MSPRole_PEER), role("Org1MSP", mspb.MSPRole_CLIENT))), ids(n.peer1), false},
		{"2 of 3 with two orgs", ccPolicy(), ids(n.peer3, n.peer1), true},
		{"one identity serves one principal", outOf(2, role("Org1MSP", mspb.MSPRole_PEER), role("Org1MSP", mspb.MSPRole_MEMBER)), ids(n.peer1), false},
		{"two identities of one org serve two principals", outOf(2, role("Org1MSP", mspb.MSPRole_PEER), role("Org1MSP", mspb.MSPRole_MEMBER)), ids(n.peer1, n.client), true},
		// cauthdsl is greedy: the inner OR evaluates both of its rules and
		// keeps both identities, leaving none for Org1MSP.peer, although
		// another assignment would satisfy the policy. Fabric rejects this.
		{"greedy NOutOf, as cauthdsl", &cb.SignaturePolicyEnvelope{
			Identities: []*mspb.MSPPrincipal{role("Org1MSP", mspb.MSPRole_MEMBER), role("Org2MSP", mspb.MSPRole_MEMBER), role("Org1MSP", mspb.MSPRole_PEER)},
			Rule:       nOutOf(2, nOutOf(1, signedBy(0), signedBy(1)), signedBy(2)),
		}, ids(n.peer1, n.peer2), false},
		{"greedy NOutOf satisfied in the other order of rules", &cb.SignaturePolicyEnvelope{
			Identities: []*mspb.MSPPrincipal{role("Org1MSP", mspb.MSPRole_MEMBER), role("Org2MSP", mspb.MSPRole_MEMBER), role("Org1MSP", mspb.MSPRole_PEER)},
			Rule:       nOutOf(2, signedBy(2), nOutOf(1, signedBy(0), signedBy(1))),
		}, ids(n.peer1, n.peer2), true},
		{"principal index out of range", &cb.SignaturePolicyEnvelope{Identities: []*mspb.MSPPrincipal{role("Org1MSP", mspb.MSPRole_PEER)},
			Rule: nOutOf(1, signedBy(3))}, ids(n.peer1), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := evalSignaturePolicy(tc.policy, tc.signers); got != tc.want {
				t.Fatalf("got %v, want %v (%s)", got, tc.want, describeSignaturePolicy(tc.policy))
			}
		})
	}
}
