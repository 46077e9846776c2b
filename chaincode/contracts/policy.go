package contracts

import (
	"fmt"

	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
)

// recordPolicy returns the state-based endorsement policy of a record owned by owner:
// owner's peer AND one peer of the other two agencies, i.e.
// AND('Owner.peer', OutOf(1, 'Other1.peer', 'Other2.peer')), as a marshalled
// SignaturePolicyEnvelope for SetStateValidationParameter.
func recordPolicy(owner string) ([]byte, error) {
	if !domain.IsAgencyOrg(owner) {
		return nil, fmt.Errorf("no endorsement policy for records owned by %q", owner)
	}
	orgs := []string{owner}
	for _, o := range domain.AgencyOrgs() {
		if o != owner {
			orgs = append(orgs, o)
		}
	}
	var principals []*msp.MSPPrincipal
	for _, o := range orgs {
		role, err := proto.Marshal(&msp.MSPRole{MspIdentifier: o, Role: msp.MSPRole_PEER})
		if err != nil {
			return nil, err
		}
		principals = append(principals, &msp.MSPPrincipal{
			PrincipalClassification: msp.MSPPrincipal_ROLE,
			Principal:               role,
		})
	}
	env := &common.SignaturePolicyEnvelope{
		Version: 0,
		Rule: nOutOf(2,
			signedBy(0),
			nOutOf(1, signedBy(1), signedBy(2)),
		),
		Identities: principals,
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(env)
}

func signedBy(i int32) *common.SignaturePolicy {
	return &common.SignaturePolicy{Type: &common.SignaturePolicy_SignedBy{SignedBy: i}}
}

func nOutOf(n int32, rules ...*common.SignaturePolicy) *common.SignaturePolicy {
	return &common.SignaturePolicy{Type: &common.SignaturePolicy_NOutOf_{NOutOf: &common.SignaturePolicy_NOutOf{N: n, Rules: rules}}}
}
