package contracts

import (
	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
	"github.com/hyperledger/fabric-contract-api-go/v2/metadata"
)

// Version is the version reported in every contract's metadata.
const Version = "1.0.0"

// NewChaincode builds the govchain chaincode with its six contracts; business is first,
// so it is the default contract.
func NewChaincode() (*contractapi.ContractChaincode, error) {
	return contractapi.NewChaincode(NewBusinessContract(), NewInvoiceContract(), NewEvidenceContract(),
		NewPersonalContract(), NewGrantContract(), NewAccessContract())
}

// newContract fills the embedded contractapi.Contract of a govchain contract.
func newContract(name, title string) contractapi.Contract {
	return contractapi.Contract{
		Name:              name,
		Info:              metadata.InfoMetadata{Title: title, Version: Version},
		BeforeTransaction: authorize(name),
	}
}

// BusinessContract is the business registry ("business").
type BusinessContract struct {
	contractapi.Contract
}

// NewBusinessContract returns the "business" contract.
func NewBusinessContract() *BusinessContract {
	return &BusinessContract{Contract: newContract(domain.ContractBusiness, "govchain business registry")}
}

// GetEvaluateTransactions lists the read-only transactions (from the access table).
func (c *BusinessContract) GetEvaluateTransactions() []string {
	return domain.EvaluateTransactions(domain.ContractBusiness)
}

// InvoiceContract is the e-invoice ledger ("invoice").
type InvoiceContract struct {
	contractapi.Contract
}

// NewInvoiceContract returns the "invoice" contract.
func NewInvoiceContract() *InvoiceContract {
	return &InvoiceContract{Contract: newContract(domain.ContractInvoice, "govchain e-invoices")}
}

// GetEvaluateTransactions lists the read-only transactions (from the access table).
func (c *InvoiceContract) GetEvaluateTransactions() []string {
	return domain.EvaluateTransactions(domain.ContractInvoice)
}

// EvidenceContract is the evidence deposition service ("evidence").
type EvidenceContract struct {
	contractapi.Contract
}

// NewEvidenceContract returns the "evidence" contract.
func NewEvidenceContract() *EvidenceContract {
	return &EvidenceContract{Contract: newContract(domain.ContractEvidence, "govchain evidence deposition")}
}

// GetEvaluateTransactions lists the read-only transactions (from the access table).
func (c *EvidenceContract) GetEvaluateTransactions() []string {
	return domain.EvaluateTransactions(domain.ContractEvidence)
}

// PersonalContract holds personal data in the owner agency's private collection
// ("personal").
type PersonalContract struct {
	contractapi.Contract
}

// NewPersonalContract returns the "personal" contract.
func NewPersonalContract() *PersonalContract {
	return &PersonalContract{Contract: newContract(domain.ContractPersonal, "govchain personal data (private)")}
}

// GetEvaluateTransactions lists the read-only transactions (from the access table).
func (c *PersonalContract) GetEvaluateTransactions() []string {
	return domain.EvaluateTransactions(domain.ContractPersonal)
}

// GrantContract records owner agencies' grants of personal data ("grant").
type GrantContract struct {
	contractapi.Contract
}

// NewGrantContract returns the "grant" contract.
func NewGrantContract() *GrantContract {
	return &GrantContract{Contract: newContract(domain.ContractGrant, "govchain data-sharing grants")}
}

// GetEvaluateTransactions lists the read-only transactions (from the access table).
func (c *GrantContract) GetEvaluateTransactions() []string {
	return domain.EvaluateTransactions(domain.ContractGrant)
}

// AccessContract is the access trail of personal data ("access").
type AccessContract struct {
	contractapi.Contract
}

// NewAccessContract returns the "access" contract.
func NewAccessContract() *AccessContract {
	return &AccessContract{Contract: newContract(domain.ContractAccess, "govchain personal-data access trail")}
}

// GetEvaluateTransactions lists the read-only transactions (from the access table).
func (c *AccessContract) GetEvaluateTransactions() []string {
	return domain.EvaluateTransactions(domain.ContractAccess)
}
