package contracts_test

import (
	"reflect"
	"sort"
	"testing"

	"github.com/govchain/govchain/chaincode/contracts"
	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
	"github.com/stretchr/testify/require"
)

// writes lists every write transaction with its valid caller and argument count.
var writes = []struct {
	fn      string
	allowed identity
	nargs   int
}{
	{"business:Register", registrar, 1},
	{"business:Amend", registrar, 2},
	{"business:ChangeStatus", registrar, 3},
	{"invoice:Issue", taxIssuer, 1},
	{"invoice:Reverse", taxIssuer, 2},
	{"invoice:ClaimReimbursement", marketFinance, 2},
	{"invoice:ReleaseReimbursement", marketFinance, 2},
	{"evidence:Deposit", marketDepositor, 1},
	{"evidence:DepositBatch", marketDepositor, 1},
	{"evidence:Certify", notary, 2},
	{"evidence:Revoke", marketDepositor, 2},
}

// The hook runs before the transaction: a refused caller gets FORBIDDEN whatever the
// arguments are, while an allowed caller with empty arguments gets past it (INVALID).
func TestWriteAccess(t *testing.T) {
	wrongOrgSameRole := map[string]identity{
		"business:Register":     taxRegistrar,
		"business:Amend":        taxRegistrar,
		"business:ChangeStatus": taxRegistrar,
		"invoice:Issue":         {domain.MarketMSP, "issuer@market", domain.RoleInvoiceIssuer},
		"invoice:Reverse":       {domain.NotaryMSP, "issuer@notary", domain.RoleInvoiceIssuer},
		"evidence:Certify":      {domain.TaxMSP, "notary@tax", domain.RoleNotary},
	}
	wrongRole := map[string]identity{
		"business:Register":            marketFinance,
		"business:Amend":               marketDepositor,
		"business:ChangeStatus":        marketAdmin,
		"invoice:Issue":                taxFinance,
		"invoice:Reverse":              taxDepositor,
		"invoice:ClaimReimbursement":   taxIssuer,
		"invoice:ReleaseReimbursement": registrar,
		"evidence:Deposit":             notary,
		"evidence:DepositBatch":        taxFinance,
		"evidence:Certify":             notaryDepositor,
		"evidence:Revoke":              marketAdmin,
	}
	for _, w := range writes {
		args := make([]string, w.nargs)
		t.Run(w.fn+" allowed caller passes the hook", func(t *testing.T) {
			res := newHarness(t).call(w.allowed, w.fn, args...)
			e, ok := domain.ParseError(res.message)
			require.True(t, ok, res.message)
			require.Equal(t, domain.CodeInvalid, e.Code, res.message)
		})
		t.Run(w.fn+" auditor refused", func(t *testing.T) {
			newHarness(t).call(auditor, w.fn, args...).fails(t, domain.CodeForbidden, "AuditMSP is read-only")
		})
		t.Run(w.fn+" auditor with the right role string still refused", func(t *testing.T) {
			id := identity{domain.AuditMSP, "sneaky@audit", w.allowed.role}
			newHarness(t).call(id, w.fn, args...).fails(t, domain.CodeForbidden, "read-only")
		})
		t.Run(w.fn+" outsider org refused", func(t *testing.T) {
			id := identity{"Org9MSP", "x@org9", w.allowed.role}
			newHarness(t).call(id, w.fn, args...).fails(t, domain.CodeForbidden, `organisation "Org9MSP" is not a member`)
		})
		t.Run(w.fn+" wrong role refused", func(t *testing.T) {
			newHarness(t).call(wrongRole[w.fn], w.fn, args...).fails(t, domain.CodeForbidden, "requires role "+w.allowed.role)
		})
		if id, ok := wrongOrgSameRole[w.fn]; ok {
			t.Run(w.fn+" right role in the wrong org refused", func(t *testing.T) {
				newHarness(t).call(id, w.fn, args...).fails(t, domain.CodeForbidden, "may only be called by "+w.allowed.msp)
			})
		}
	}
}

func TestAdminWithoutRoleIsToldWhatIsMissing(t *testing.T) {
	newHarness(t).call(marketAdmin, "business:Register", "{}").fails(t, domain.CodeForbidden,
		"business:Register requires role registrar, caller admin@market (MarketMSP) has no govchain.role role")
}

func TestReadsAreOpenToEveryMemberIdentity(t *testing.T) {
	h := newHarness(t)
	uscc := usccFor(t, 1)
	h.register(uscc, "公开公司")
	for _, id := range []identity{registrar, taxIssuer, notary, auditor, auditAdmin, marketAdmin, notaryFinance} {
		t.Run(id.cn, func(t *testing.T) {
			h.call(id, "business:Get", uscc).ok(t)
			h.call(id, "business:List", "", "", "0", "").ok(t)
			h.call(id, "business:History", uscc, "0", "").ok(t)
			h.call(id, "invoice:List", "", "0", "").ok(t)
		})
	}
	t.Run("an outsider cannot even read", func(t *testing.T) {
		h.call(outsider, "business:Get", uscc).fails(t, domain.CodeForbidden, "not a member")
	})
}

func TestUnreadableCreatorIsForbidden(t *testing.T) {
	h := newHarness(t)
	stub := &fakeStub{ledger: h.ledger, txID: "tx", creator: []byte("garbage"), args: []string{"business:Get", usccFor(t, 1)}}
	resp := h.cc.Invoke(stub)
	require.Equal(t, "FORBIDDEN: the caller's identity cannot be read", resp.Message)
}

func TestRouting(t *testing.T) {
	h := newHarness(t)
	uscc := usccFor(t, 1)
	h.register(uscc, "路由公司")
	t.Run("business is the default contract", func(t *testing.T) {
		h.call(auditor, "Get", uscc).ok(t)
	})
	t.Run("lower-case function names route and are checked", func(t *testing.T) {
		h.call(auditor, "business:get", uscc).ok(t)
		h.call(auditor, "business:register", "{}").fails(t, domain.CodeForbidden)
	})
	t.Run("unknown function", func(t *testing.T) {
		h.call(auditor, "invoice:Delete", "x").fails(t, domain.CodeInvalid, "unknown transaction invoice:Delete")
	})
	t.Run("helpers are not transactions", func(t *testing.T) {
		h.call(auditor, "business:GetEvaluateTransactions").fails(t, domain.CodeInvalid, "unknown transaction")
	})
}

// TestAccessTableCoversExactlyTheTransactions compares the exported methods of each contract
// with the evaluate list and a probe through the hook: every method is known to the table
// and nothing else is.
func TestAccessTableCoversExactlyTheTransactions(t *testing.T) {
	cases := []struct {
		name      string
		contract  contractapi.ContractInterface
		evaluate  []string
		submitted []string
	}{
		{domain.ContractBusiness, contracts.NewBusinessContract(), []string{"Credit", "Get", "History", "Licence", "List", "ListPledges", "VerifyLicence"}, []string{"Amend", "AmendPersonal", "ChangeStatus", "CheckOverduePledges", "ErasePersonal", "IssueLicence", "Register", "RegisterWithPersonal", "SupplyMaterial"}},
		{domain.ContractInvoice, contracts.NewInvoiceContract(), []string{"Get", "History", "List"}, []string{"ClaimReimbursement", "Issue", "ReleaseReimbursement", "Reverse"}},
		{domain.ContractEvidence, contracts.NewEvidenceContract(), []string{"Get", "History", "VerifyByHash"}, []string{"Certify", "Deposit", "DepositBatch", "Revoke"}},
		{domain.ContractPersonal, contracts.NewPersonalContract(), []string{"Read", "Verify"}, []string{"Erase", "Prune", "Stage"}},
		{domain.ContractGrant, contracts.NewGrantContract(), []string{"Get", "History", "List"}, []string{"Create", "Revoke"}},
		{domain.ContractAccess, contracts.NewAccessContract(), []string{"Get", "List"}, []string{"RecordRead", "RecordVerify"}},
	}
	infra := map[string]bool{}
	ci := reflect.TypeOf(&contractapi.Contract{})
	for i := 0; i < ci.NumMethod(); i++ {
		infra[ci.Method(i).Name] = true
	}
	infra["GetEvaluateTransactions"] = true
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var exported []string
			typ := reflect.TypeOf(c.contract)
			for i := 0; i < typ.NumMethod(); i++ {
				if n := typ.Method(i).Name; !infra[n] {
					exported = append(exported, n)
				}
			}
			want := append(append([]string{}, c.evaluate...), c.submitted...)
			sort.Strings(want)
			require.Equal(t, want, exported)

			got := c.contract.(contractapi.EvaluationContractInterface).GetEvaluateTransactions()
			sort.Strings(got)
			require.Equal(t, c.evaluate, got)
			require.Equal(t, contracts.Version, c.contract.GetInfo().Version)
			require.NotEmpty(t, c.contract.GetInfo().Title)
			require.NotNil(t, c.contract.GetBeforeTransaction())
		})
	}
}
