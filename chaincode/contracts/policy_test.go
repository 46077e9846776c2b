package contracts_test

import (
	"sort"
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

// policyOf decodes a key-level policy into "Owner AND OutOf(1, A, B)" form and checks its
// structure on the way.
func policyOf(t *testing.T, ep []byte) (owner string, others []string) {
	t.Helper()
	var env common.SignaturePolicyEnvelope
	require.NoError(t, proto.Unmarshal(ep, &env))
	var orgs []string
	for _, p := range env.Identities {
		require.Equal(t, msp.MSPPrincipal_ROLE, p.PrincipalClassification)
		var role msp.MSPRole
		require.NoError(t, proto.Unmarshal(p.Principal, &role))
		require.Equal(t, msp.MSPRole_PEER, role.Role, "peers endorse")
		orgs = append(orgs, role.MspIdentifier)
	}
	require.Len(t, orgs, 3)
	top := env.Rule.GetNOutOf()
	require.NotNil(t, top)
	require.Equal(t, int32(2), top.N, "owner AND one other")
	require.Len(t, top.Rules, 2)
	ownerIdx := top.Rules[0].GetSignedBy()
	inner := top.Rules[1].GetNOutOf()
	require.NotNil(t, inner)
	require.Equal(t, int32(1), inner.N)
	for _, r := range inner.Rules {
		others = append(others, orgs[r.GetSignedBy()])
	}
	sort.Strings(others)
	return orgs[ownerIdx], others
}

func TestEveryRecordGetsAKeyLevelPolicyOnCreation(t *testing.T) {
	h := newHarness(t)
	seller := usccFor(t, 1)
	registered := h.register(seller, "背书公司")
	h.issue(invoiceNumber(1), seller)
	h.call(taxIssuer, "invoice:Reverse", invoiceNumber(1), mustJSON(t, reverseRequest(invoiceNumber(2), 100))).ok(t)
	notaryEv := h.deposit(notaryDepositor, hashOf('a'))
	batch := decode[domain.EvidenceBatch](t, h.call(marketDepositor, "evidence:DepositBatch", mustJSON(t, domain.DepositBatchRequest{Items: []domain.DepositRequest{depositRequest(hashOf('b'))}})).ok(t))

	cases := []struct {
		key    string
		owner  string
		others []string
	}{
		{"biz~" + seller, domain.MarketMSP, []string{domain.NotaryMSP, domain.TaxMSP}},
		{"lic~" + seller + "~000001~" + registered.CreatedTxID, domain.MarketMSP, []string{domain.NotaryMSP, domain.TaxMSP}},
		{"inv~" + invoiceNumber(1), domain.TaxMSP, []string{domain.MarketMSP, domain.NotaryMSP}},
		{"inv~" + invoiceNumber(2), domain.TaxMSP, []string{domain.MarketMSP, domain.NotaryMSP}},
		{"evi~" + notaryEv.ID, domain.NotaryMSP, []string{domain.MarketMSP, domain.TaxMSP}},
		{"evi~" + batch.Records[0].ID, domain.MarketMSP, []string{domain.NotaryMSP, domain.TaxMSP}},
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			ep, ok := h.ledger.vparams[c.key]
			require.True(t, ok, "no policy on %s", c.key)
			owner, others := policyOf(t, ep)
			require.Equal(t, c.owner, owner)
			require.Equal(t, c.others, others)
		})
	}
	t.Run("only records get policies, not index entries", func(t *testing.T) {
		require.Len(t, h.ledger.vparams, len(cases))
	})
	t.Run("updates keep the policy set at creation", func(t *testing.T) {
		before := string(h.ledger.vparams["biz~"+seller])
		res := h.call(registrar, "business:ChangeStatus", seller, "SUSPENDED", "x")
		res.ok(t)
		require.Empty(t, res.stub.vparams)
		require.Equal(t, before, string(h.ledger.vparams["biz~"+seller]))
	})
}
