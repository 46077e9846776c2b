package domain

import "encoding/json"

// Contract names on the govchain chaincode.
const (
	ContractBusiness = "business"
	ContractInvoice  = "invoice"
	ContractEvidence = "evidence"
	ContractPersonal = "personal"
	ContractGrant    = "grant"
	ContractAccess   = "access"
)

// Chaincode event names (one event per transaction).
const (
	EventBusinessRegistered           = "BusinessRegistered"
	EventBusinessAmended              = "BusinessAmended"
	EventBusinessStatusChanged        = "BusinessStatusChanged"
	EventBusinessMaterialSupplied     = "BusinessMaterialSupplied"
	EventPledgeFulfilled              = "PledgeFulfilled"
	EventPledgesBroken                = "PledgesBroken"
	EventLicenceIssued                = "LicenceIssued"
	EventInvoiceIssued                = "InvoiceIssued"
	EventInvoiceReversed              = "InvoiceReversed"
	EventInvoiceReimbursementClaimed  = "InvoiceReimbursementClaimed"
	EventInvoiceReimbursementReleased = "InvoiceReimbursementReleased"
	EventEvidenceDeposited            = "EvidenceDeposited"
	EventEvidenceBatchDeposited       = "EvidenceBatchDeposited"
	EventEvidenceCertified            = "EvidenceCertified"
	EventEvidenceRevoked              = "EvidenceRevoked"
	EventPersonalDataStaged           = "PersonalDataStaged"
	EventPersonalDataPurged           = "PersonalDataPurged"
	EventBusinessPersonalAmended      = "BusinessPersonalDataAmended"
	EventBusinessPersonalErased       = "BusinessPersonalDataErased"
	EventGrantCreated                 = "GrantCreated"
	EventGrantRevoked                 = "GrantRevoked"
	EventPersonalDataAccessed         = "PersonalDataAccessed"
)

// EventPayload is the payload of every chaincode event: the main record changed and the
// other records the transaction changed.
type EventPayload struct {
	Contract string          `json:"contract"`
	Key      string          `json:"key"`
	State    json.RawMessage `json:"state"`
	Related  []RelatedRecord `json:"related"`
}

// RelatedRecord is another record changed by the same transaction.
type RelatedRecord struct {
	Key   string          `json:"key"`
	State json.RawMessage `json:"state"`
}
