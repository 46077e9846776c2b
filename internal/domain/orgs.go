package domain

// MSP IDs of the channel's organisations.
const (
	MarketMSP = "MarketMSP" // market regulation bureau
	TaxMSP    = "TaxMSP"    // tax bureau
	NotaryMSP = "NotaryMSP" // notary office / court
	AuditMSP  = "AuditMSP"  // audit office, read-only
)

// RoleAttribute is the certificate attribute (Fabric CA attribute) carrying the govchain role.
const RoleAttribute = "govchain.role"

// Roles issued in the govchain.role attribute.
const (
	RoleRegistrar     = "registrar"
	RoleInvoiceIssuer = "invoice-issuer"
	RoleFinance       = "finance"
	RoleDepositor     = "depositor"
	RoleNotary        = "notary"
	RoleAuditor       = "auditor"
)

// MemberOrgs are the four peer organisations whose identities may read.
func MemberOrgs() []string { return []string{MarketMSP, TaxMSP, NotaryMSP, AuditMSP} }

// AgencyOrgs are the three endorsing agencies (the audit office never endorses).
func AgencyOrgs() []string { return []string{MarketMSP, TaxMSP, NotaryMSP} }

// IsMemberOrg reports whether msp is one of MemberOrgs.
func IsMemberOrg(msp string) bool { return contains(MemberOrgs(), msp) }

// IsAgencyOrg reports whether msp is one of AgencyOrgs.
func IsAgencyOrg(msp string) bool { return contains(AgencyOrgs(), msp) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
