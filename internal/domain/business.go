package domain

// Business statuses. ACTIVE ⇄ SUSPENDED; ACTIVE/SUSPENDED → REVOKED | DEREGISTERED (final).
const (
	StatusActive       = "ACTIVE"
	StatusSuspended    = "SUSPENDED"
	StatusRevoked      = "REVOKED"
	StatusDeregistered = "DEREGISTERED"
)

// BusinessStatuses lists every business status in a fixed order.
func BusinessStatuses() []string {
	return []string{StatusActive, StatusSuspended, StatusRevoked, StatusDeregistered}
}

// RegisterBusinessRequest is the argument of business:Register.
type RegisterBusinessRequest struct {
	USCC                  string `json:"uscc"`
	Name                  string `json:"name"`
	EntityType            string `json:"entity_type"`
	LegalRepresentative   string `json:"legal_representative"`
	RegisteredCapitalFen  int64  `json:"registered_capital_fen"`
	Address               string `json:"address"`
	BusinessScope         string `json:"business_scope"`
	EstablishedOn         string `json:"established_on"`
	RegistrationAuthority string `json:"registration_authority"`
	// Materials supplies catalogue materials by reference to deposited evidence; Pledge
	// promises the missing ones (告知承诺制). Both optional: a registration with neither is
	// accepted as before (its papers checked outside the ledger).
	Materials []MaterialRef  `json:"materials,omitempty"`
	Pledge    *PledgeRequest `json:"pledge,omitempty"`
}

// AmendBusinessRequest is the second argument of business:Amend.
type AmendBusinessRequest struct {
	Changes BusinessChanges `json:"changes"`
	Reason  string          `json:"reason"`
}

// BusinessChanges are the amendable fields; nil means "unchanged".
type BusinessChanges struct {
	Name                 *string `json:"name,omitempty"`
	Address              *string `json:"address,omitempty"`
	BusinessScope        *string `json:"business_scope,omitempty"`
	RegisteredCapitalFen *int64  `json:"registered_capital_fen,omitempty"`
	LegalRepresentative  *string `json:"legal_representative,omitempty"`
}

// Business is the business record (key: USCC).
type Business struct {
	USCC                  string      `json:"uscc"`
	Name                  string      `json:"name"`
	EntityType            string      `json:"entity_type"`
	LegalRepresentative   string      `json:"legal_representative"`
	RegisteredCapitalFen  int64       `json:"registered_capital_fen"`
	Address               string      `json:"address"`
	BusinessScope         string      `json:"business_scope"`
	EstablishedOn         string      `json:"established_on"`
	RegistrationAuthority string      `json:"registration_authority"`
	Status                string      `json:"status"`
	StatusReason          string      `json:"status_reason"`
	Amendments            []Amendment `json:"amendments"`
	// Materials on record (supplied at registration or later) and the pledge, if any.
	Materials []SuppliedMaterial `json:"materials,omitempty"`
	Pledge    *Pledge            `json:"pledge,omitempty"`
	// Licence points at the current electronic licence version; absent for a business
	// registered before licences were issued (business:IssueLicence issues its first).
	Licence *LicenceRef `json:"licence,omitempty"`
	// Personal binds the legal representative's personal data (private, on the owner's
	// peer) by hash; absent when none was registered.
	Personal *PersonalBinding `json:"personal,omitempty"`
	RecordMeta
}

// Amendment records one business:Amend transaction.
type Amendment struct {
	TxID    string        `json:"tx_id"`
	At      string        `json:"at"`
	ByOrg   string        `json:"by_org"`
	By      string        `json:"by"`
	Reason  string        `json:"reason"`
	Changes []FieldChange `json:"changes"`
}

// FieldChange is one changed field; values are strings (registered_capital_fen in decimal).
type FieldChange struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// BusinessPage is the result of business:List.
type BusinessPage struct {
	Records  []Business `json:"records"`
	Bookmark string     `json:"bookmark"`
	Fetched  int        `json:"fetched"`
}
