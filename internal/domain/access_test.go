package domain

import (
	"strings"
	"testing"
)

func TestPermits(t *testing.T) {
	cases := []struct {
		name, contract, fn, msp, role string
		want                          string // "" = allowed, else substring of the FORBIDDEN message
	}{
		{"registrar registers", ContractBusiness, "Register", MarketMSP, RoleRegistrar, ""},
		{"tax registrar is the wrong org", ContractBusiness, "Register", TaxMSP, RoleRegistrar, "may only be called by MarketMSP"},
		{"market finance lacks the role", ContractBusiness, "Register", MarketMSP, RoleFinance, "requires role registrar"},
		{"no role at all", ContractInvoice, "Issue", TaxMSP, "", "no govchain.role role"},
		{"any org's finance claims", ContractInvoice, "ClaimReimbursement", NotaryMSP, RoleFinance, ""},
		{"auditor never writes", ContractEvidence, "Deposit", AuditMSP, RoleDepositor, "read-only"},
		{"auditor reads", ContractEvidence, "History", AuditMSP, RoleAuditor, ""},
		{"stranger cannot even read", ContractBusiness, "Get", "OtherMSP", "", "not a member"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, ok := LookupPermission(c.contract, c.fn)
			if !ok {
				t.Fatalf("no permission for %s:%s", c.contract, c.fn)
			}
			err := p.Permits(c.msp, c.role, "someone")
			if c.want == "" {
				if err != nil {
					t.Fatalf("want allowed, got %v", err)
				}
				return
			}
			if ErrorCode(err) != CodeForbidden || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want FORBIDDEN containing %q, got %v", c.want, err)
			}
		})
	}
	if _, ok := LookupPermission(ContractBusiness, "Nope"); ok {
		t.Fatal("unknown function must have no permission")
	}
	if got := strings.Join(EvaluateTransactions(ContractEvidence), ","); got != "Get,VerifyByHash,History" {
		t.Fatalf("evaluate transactions: %s", got)
	}
}
