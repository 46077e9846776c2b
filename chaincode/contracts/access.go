package contracts

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// rule says who may call one transaction. Reads (evaluate) are open to every identity of
// the four member orgs; writes need the role, the MSP when msp is set, and are always
// refused to AuditMSP.
type rule struct {
	contract string
	function string
	evaluate bool
	msp      string // "" = any org (but never AuditMSP for a write)
	role     string
}

// accessTable is THE access-control table: every transaction of every contract, once.
var accessTable = []rule{
	{contract: domain.ContractBusiness, function: "Register", msp: domain.MarketMSP, role: domain.RoleRegistrar},
	{contract: domain.ContractBusiness, function: "Amend", msp: domain.MarketMSP, role: domain.RoleRegistrar},
	{contract: domain.ContractBusiness, function: "ChangeStatus", msp: domain.MarketMSP, role: domain.RoleRegistrar},
	{contract: domain.ContractBusiness, function: "Get", evaluate: true},
	{contract: domain.ContractBusiness, function: "List", evaluate: true},
	{contract: domain.ContractBusiness, function: "History", evaluate: true},

	{contract: domain.ContractInvoice, function: "Issue", msp: domain.TaxMSP, role: domain.RoleInvoiceIssuer},
	{contract: domain.ContractInvoice, function: "Reverse", msp: domain.TaxMSP, role: domain.RoleInvoiceIssuer},
	{contract: domain.ContractInvoice, function: "ClaimReimbursement", role: domain.RoleFinance},
	// The claim-holder check (same org as the claim) is made inside the transaction.
	{contract: domain.ContractInvoice, function: "ReleaseReimbursement", role: domain.RoleFinance},
	{contract: domain.ContractInvoice, function: "Get", evaluate: true},
	{contract: domain.ContractInvoice, function: "List", evaluate: true},
	{contract: domain.ContractInvoice, function: "History", evaluate: true},

	{contract: domain.ContractEvidence, function: "Deposit", role: domain.RoleDepositor},
	{contract: domain.ContractEvidence, function: "DepositBatch", role: domain.RoleDepositor},
	{contract: domain.ContractEvidence, function: "Certify", msp: domain.NotaryMSP, role: domain.RoleNotary},
	// The owner check (depositor of the owning org) is made inside the transaction.
	{contract: domain.ContractEvidence, function: "Revoke", role: domain.RoleDepositor},
	{contract: domain.ContractEvidence, function: "Get", evaluate: true},
	{contract: domain.ContractEvidence, function: "VerifyByHash", evaluate: true},
	{contract: domain.ContractEvidence, function: "History", evaluate: true},
}

func lookupRule(contract, function string) (rule, bool) {
	for _, r := range accessTable {
		if r.contract == contract && r.function == function {
			return r, true
		}
	}
	return rule{}, false
}

// evaluateTransactions lists the read-only transactions of a contract, in table order.
func evaluateTransactions(contract string) []string {
	var out []string
	for _, r := range accessTable {
		if r.contract == contract && r.evaluate {
			out = append(out, r.function)
		}
	}
	return out
}

// permits checks a caller against the rule (FORBIDDEN naming what is missing).
func (r rule) permits(c caller) error {
	name := r.contract + ":" + r.function
	if !domain.IsMemberOrg(c.msp) {
		return domain.Errorf(domain.CodeForbidden, "%s: organisation %q is not a member of the govchain channel", name, c.msp)
	}
	if r.evaluate {
		return nil
	}
	if c.msp == domain.AuditMSP {
		return domain.Errorf(domain.CodeForbidden, "%s: %s is read-only and may not write", name, domain.AuditMSP)
	}
	if r.msp != "" && c.msp != r.msp {
		return domain.Errorf(domain.CodeForbidden, "%s may only be called by %s, caller is %s", name, r.msp, c.msp)
	}
	if c.role != r.role {
		have := "no " + domain.RoleAttribute + " role"
		if c.role != "" {
			have = "role " + c.role
		}
		return domain.Errorf(domain.CodeForbidden, "%s requires role %s, caller %s (%s) has %s", name, r.role, c.cn, c.msp, have)
	}
	return nil
}

// authorize returns the before-transaction hook of a contract: the single place where the
// access table is enforced.
func authorize(contract string) func(contractapi.TransactionContextInterface) error {
	return func(ctx contractapi.TransactionContextInterface) error {
		fn, _ := ctx.GetStub().GetFunctionAndParameters()
		if i := strings.LastIndex(fn, ":"); i >= 0 {
			fn = fn[i+1:]
		}
		fn = upperFirst(fn) // contractapi routes "register" to Register too
		r, ok := lookupRule(contract, fn)
		if !ok {
			return domain.Errorf(domain.CodeInvalid, "unknown transaction %s:%s", contract, fn)
		}
		c, err := callerOf(ctx)
		if err != nil {
			return err
		}
		return r.permits(c)
	}
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
