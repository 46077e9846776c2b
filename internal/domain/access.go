package domain

// Permission says who may call one transaction. Reads (Evaluate) are open to every identity of
// the four member orgs; writes need Role, the MSP when MSP is set, and are always refused to
// AuditMSP. State-dependent checks (the claim holder, the depositing org) are made by the
// transaction itself.
type Permission struct {
	Contract string
	Function string
	Evaluate bool
	// Trail marks a write that only records the caller's own access to personal data: open
	// to every identity of a member org, auditors included (the trail is how they are held
	// to account, not a change to any record).
	Trail bool
	MSP   string // "" = any member org (never AuditMSP for a write)
	Role  string
}

// Permissions is THE access table: every transaction of every contract, once. The chaincode's
// before-transaction hook enforces it; the gateway consults it to refuse the obvious early.
var Permissions = []Permission{
	{Contract: ContractBusiness, Function: "Register", MSP: MarketMSP, Role: RoleRegistrar},
	{Contract: ContractBusiness, Function: "Amend", MSP: MarketMSP, Role: RoleRegistrar},
	{Contract: ContractBusiness, Function: "ChangeStatus", MSP: MarketMSP, Role: RoleRegistrar},
	{Contract: ContractBusiness, Function: "RegisterWithPersonal", MSP: MarketMSP, Role: RoleRegistrar},
	{Contract: ContractBusiness, Function: "AmendPersonal", MSP: MarketMSP, Role: RoleRegistrar},
	{Contract: ContractBusiness, Function: "ErasePersonal", MSP: MarketMSP, Role: RoleRegistrar},
	{Contract: ContractBusiness, Function: "SupplyMaterial", MSP: MarketMSP, Role: RoleRegistrar},
	{Contract: ContractBusiness, Function: "CheckOverduePledges", MSP: MarketMSP, Role: RoleRegistrar},
	{Contract: ContractBusiness, Function: "IssueLicence", MSP: MarketMSP, Role: RoleRegistrar},
	{Contract: ContractBusiness, Function: "Get", Evaluate: true},
	{Contract: ContractBusiness, Function: "List", Evaluate: true},
	{Contract: ContractBusiness, Function: "History", Evaluate: true},
	{Contract: ContractBusiness, Function: "ListPledges", Evaluate: true},
	// Credit records are public to every member agency (the tax bureau before invoicing).
	{Contract: ContractBusiness, Function: "Credit", Evaluate: true},
	{Contract: ContractBusiness, Function: "Licence", Evaluate: true},
	// The gateway answers outsiders' verifications (no API key) with its own identity.
	{Contract: ContractBusiness, Function: "VerifyLicence", Evaluate: true},

	{Contract: ContractInvoice, Function: "Issue", MSP: TaxMSP, Role: RoleInvoiceIssuer},
	{Contract: ContractInvoice, Function: "Reverse", MSP: TaxMSP, Role: RoleInvoiceIssuer},
	{Contract: ContractInvoice, Function: "ClaimReimbursement", Role: RoleFinance},
	// The claim-holder check (same org as the claim) is made inside the transaction.
	{Contract: ContractInvoice, Function: "ReleaseReimbursement", Role: RoleFinance},
	{Contract: ContractInvoice, Function: "Get", Evaluate: true},
	{Contract: ContractInvoice, Function: "List", Evaluate: true},
	{Contract: ContractInvoice, Function: "History", Evaluate: true},

	{Contract: ContractEvidence, Function: "Deposit", Role: RoleDepositor},
	{Contract: ContractEvidence, Function: "DepositBatch", Role: RoleDepositor},
	{Contract: ContractEvidence, Function: "Certify", MSP: NotaryMSP, Role: RoleNotary},
	// The owner check (depositor of the owning org) is made inside the transaction.
	{Contract: ContractEvidence, Function: "Revoke", Role: RoleDepositor},
	{Contract: ContractEvidence, Function: "Get", Evaluate: true},
	{Contract: ContractEvidence, Function: "VerifyByHash", Evaluate: true},
	{Contract: ContractEvidence, Function: "History", Evaluate: true},

	// Private-data-only transactions, endorsed by the owner's peer alone (collection policy).
	{Contract: ContractPersonal, Function: "Stage", MSP: MarketMSP, Role: RoleRegistrar},
	{Contract: ContractPersonal, Function: "Prune", MSP: MarketMSP, Role: RoleRegistrar},
	{Contract: ContractPersonal, Function: "Erase", MSP: MarketMSP, Role: RoleRegistrar},
	// Answered only on the owner's peer, only against a committed access record of the caller.
	{Contract: ContractPersonal, Function: "Read", Evaluate: true},
	{Contract: ContractPersonal, Function: "Verify", Evaluate: true},

	// The owner check (registrar of the record's owner org) is made inside the transaction.
	{Contract: ContractGrant, Function: "Create", Role: RoleRegistrar},
	{Contract: ContractGrant, Function: "Revoke", Role: RoleRegistrar},
	{Contract: ContractGrant, Function: "Get", Evaluate: true},
	{Contract: ContractGrant, Function: "List", Evaluate: true},
	{Contract: ContractGrant, Function: "History", Evaluate: true},

	{Contract: ContractAccess, Function: "RecordRead", Trail: true},
	{Contract: ContractAccess, Function: "RecordVerify", Trail: true},
	// Who sees which access (auditors all, agencies their records' and their own) is
	// decided inside the query.
	{Contract: ContractAccess, Function: "Get", Evaluate: true},
	{Contract: ContractAccess, Function: "List", Evaluate: true},
}

// LookupPermission returns the permission of contract:function.
func LookupPermission(contract, function string) (Permission, bool) {
	for _, p := range Permissions {
		if p.Contract == contract && p.Function == function {
			return p, true
		}
	}
	return Permission{}, false
}

// EvaluateTransactions lists the read-only transactions of a contract, in table order.
func EvaluateTransactions(contract string) []string {
	var out []string
	for _, p := range Permissions {
		if p.Contract == contract && p.Evaluate {
			out = append(out, p.Function)
		}
	}
	return out
}

// Permits checks a caller (MSP ID, govchain.role, and a name for messages) against the
// permission; the error is FORBIDDEN and says what is missing.
func (p Permission) Permits(msp, role, who string) error {
	name := p.Contract + ":" + p.Function
	if !IsMemberOrg(msp) {
		return Errorf(CodeForbidden, "%s: organisation %q is not a member of the govchain channel", name, msp)
	}
	if p.Evaluate || p.Trail {
		return nil
	}
	if msp == AuditMSP {
		return Errorf(CodeForbidden, "%s: %s is read-only and may not write", name, AuditMSP)
	}
	if p.MSP != "" && msp != p.MSP {
		return Errorf(CodeForbidden, "%s may only be called by %s, caller is %s", name, p.MSP, msp)
	}
	if role != p.Role {
		have := "no " + RoleAttribute + " role"
		if role != "" {
			have = "role " + role
		}
		return Errorf(CodeForbidden, "%s requires role %s, caller %s (%s) has %s", name, p.Role, who, msp, have)
	}
	return nil
}
