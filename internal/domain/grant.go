package domain

import (
	"strings"
	"time"
)

// Purposes for which personal data may be read. All but PurposeRegistrationManagement can
// be granted to another agency; that one is the owner agency's own use of its records.
const (
	PurposeTaxIdentityCheck       = "TAX_IDENTITY_CHECK"
	PurposeCourtProceedings       = "COURT_PROCEEDINGS"
	PurposeSocialInsurance        = "SOCIAL_INSURANCE"
	PurposeAudit                  = "AUDIT"
	PurposeRegistrationManagement = "REGISTRATION_MANAGEMENT"
)

// Grant statuses. Expiry is not a status: a grant is in force while ACTIVE and the
// access transaction's time is before its expires_at.
const (
	GrantActive  = "ACTIVE"
	GrantRevoked = "REVOKED"
)

const (
	MaxGrantDuration        = "1 year" // for messages; NewGrant enforces AddDate(1, 0, 0)
	MaxPurposeDetailLen     = 500
	grantIDLength           = 32
	grantRecordTypeBusiness = "business"
)

// GrantablePurposes lists the purposes a grant may name, in a fixed order.
func GrantablePurposes() []string {
	return []string{PurposeTaxIdentityCheck, PurposeCourtProceedings, PurposeSocialInsurance, PurposeAudit}
}

// ReadPurposes lists every purpose a personal-data read may state.
func ReadPurposes() []string {
	return append(GrantablePurposes(), PurposeRegistrationManagement)
}

// CreateGrantRequest is the argument of grant:Create (POST /grants).
type CreateGrantRequest struct {
	Record        string   `json:"record"`  // USCC of the business whose personal data is shared
	Grantee       string   `json:"grantee"` // MSP ID of the agency that may read
	Fields        []string `json:"fields"`
	Purpose       string   `json:"purpose"`
	PurposeDetail string   `json:"purpose_detail"`
	ExpiresAt     string   `json:"expires_at"` // RFC 3339; at most one year after the grant
}

// Validate checks the request on its own; the chaincode checks it against the record, the
// caller and the transaction time.
func (r *CreateGrantRequest) Validate() error {
	if err := ValidateUSCCFormat("record", r.Record); err != nil {
		return err
	}
	if !IsMemberOrg(r.Grantee) {
		return Errorf(CodeInvalid, "grantee must be the MSP ID of a member agency (%s), got %q", strings.Join(MemberOrgs(), ", "), r.Grantee)
	}
	if err := ValidateFieldList("fields", r.Fields); err != nil {
		return err
	}
	if !contains(GrantablePurposes(), r.Purpose) {
		return Errorf(CodeInvalid, "purpose must be one of %s, got %q", strings.Join(GrantablePurposes(), ", "), r.Purpose)
	}
	if err := (textRule{field: "purpose_detail", max: MaxPurposeDetailLen, required: true}).check(r.PurposeDetail); err != nil {
		return err
	}
	if _, err := ParseTimestamp("expires_at", r.ExpiresAt); err != nil {
		return err
	}
	return nil
}

// ValidateFieldList checks a non-empty list of distinct personal fields.
func ValidateFieldList(name string, fields []string) error {
	if len(fields) == 0 {
		return Errorf(CodeInvalid, "%s must name at least one of %s", name, strings.Join(PersonalFields(), ", "))
	}
	seen := map[string]bool{}
	for _, f := range fields {
		if !IsPersonalField(f) {
			return Errorf(CodeInvalid, "%s: unknown personal field %q; known: %s", name, f, strings.Join(PersonalFields(), ", "))
		}
		if seen[f] {
			return Errorf(CodeInvalid, "%s names %s twice", name, f)
		}
		seen[f] = true
	}
	return nil
}

// SortFields returns fields in PersonalFields order.
func SortFields(fields []string) []string {
	var out []string
	for _, f := range PersonalFields() {
		if contains(fields, f) {
			out = append(out, f)
		}
	}
	return out
}

// ParseTimestamp parses an RFC 3339 time (INVALID otherwise).
func ParseTimestamp(field, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, Errorf(CodeInvalid, "%s must be an RFC 3339 time such as 2027-06-30T00:00:00Z, got %q", field, s)
	}
	return t, nil
}

// Grant is an owner agency's permission for another agency to read named personal fields
// of one record for one purpose until ExpiresAt (key: its id).
type Grant struct {
	ID            string      `json:"id"`
	RecordType    string      `json:"record_type"`
	Record        string      `json:"record"`
	Grantee       string      `json:"grantee"`
	Fields        []string    `json:"fields"`
	Purpose       string      `json:"purpose"`
	PurposeDetail string      `json:"purpose_detail"`
	ValidFrom     string      `json:"valid_from"`
	ExpiresAt     string      `json:"expires_at"`
	Status        string      `json:"status"`
	Revocation    *Revocation `json:"revocation"`
	RecordMeta
}

// GrantID is the id of the grant created by transaction txID: its first 32 hex digits.
func GrantID(txID string) string {
	if len(txID) < grantIDLength {
		return txID
	}
	return txID[:grantIDLength]
}

// ValidateGrantID checks a grant id (32 lowercase hex characters).
func ValidateGrantID(id string) error {
	if len(id) != grantIDLength {
		return Errorf(CodeInvalid, "grant id must be %d lowercase hex characters, got %d characters", grantIDLength, len(id))
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return Errorf(CodeInvalid, "grant id must be %d lowercase hex characters", grantIDLength)
		}
	}
	return nil
}

// NewGrant builds the grant of a validated request for business b, created by a (the
// owner's registrar) at a.At. The owner may not grant itself; the expiry must lie after the
// grant and at most one year after it; every field must be bound and not erased.
func NewGrant(r CreateGrantRequest, b *Business, a Actor) (Grant, error) {
	if a.Org != b.OwnerOrg {
		return Grant{}, Errorf(CodeForbidden, "only the owner of business %s (%s) may grant access to its personal data, caller is %s", b.USCC, b.OwnerOrg, a.Org)
	}
	if r.Grantee == b.OwnerOrg {
		return Grant{}, Errorf(CodeUnprocessable, "%s owns business %s and needs no grant", r.Grantee, b.USCC)
	}
	if err := personalReadable(b, r.Fields); err != nil {
		return Grant{}, err
	}
	now, err := time.Parse(time.RFC3339, a.At)
	if err != nil {
		return Grant{}, err
	}
	exp, err := ParseTimestamp("expires_at", r.ExpiresAt)
	if err != nil {
		return Grant{}, err
	}
	if !exp.After(now) {
		return Grant{}, Errorf(CodeUnprocessable, "expires_at %s is not after the grant time %s", exp.UTC().Format(time.RFC3339), a.At)
	}
	if exp.After(now.AddDate(1, 0, 0)) {
		return Grant{}, Errorf(CodeUnprocessable, "expires_at %s is more than %s after the grant time %s", exp.UTC().Format(time.RFC3339), MaxGrantDuration, a.At)
	}
	return Grant{
		ID: GrantID(a.TxID), RecordType: grantRecordTypeBusiness, Record: b.USCC, Grantee: r.Grantee,
		Fields: SortFields(r.Fields), Purpose: r.Purpose, PurposeDetail: r.PurposeDetail,
		ValidFrom: a.At, ExpiresAt: exp.UTC().Format(time.RFC3339), Status: GrantActive,
		RecordMeta: NewRecordMeta(a),
	}, nil
}

// RevokeGrant revokes g for reason: FORBIDDEN for anyone but the owner org, CONFLICT when
// already revoked.
func RevokeGrant(g *Grant, reason string, a Actor) error {
	if err := checkReason(reason); err != nil {
		return err
	}
	if a.Org != g.OwnerOrg {
		return Errorf(CodeForbidden, "only %s, which granted %s, may revoke it; caller is %s", g.OwnerOrg, g.ID, a.Org)
	}
	if g.Status == GrantRevoked {
		return Errorf(CodeConflict, "grant %s was already revoked by %s at %s", g.ID, g.Revocation.Org, g.Revocation.At)
	}
	g.Status = GrantRevoked
	g.Revocation = &Revocation{Reason: reason, Org: a.Org, By: a.By, At: a.At, TxID: a.TxID}
	g.Touch(a)
	return nil
}

// InForceAt reports whether g allows access at t: ACTIVE and t before ExpiresAt.
func (g *Grant) InForceAt(t time.Time) bool {
	exp, err := time.Parse(time.RFC3339, g.ExpiresAt)
	return err == nil && g.Status == GrantActive && t.Before(exp)
}

// GrantPage is the result of grant:List.
type GrantPage struct {
	Records  []Grant `json:"records"`
	Bookmark string  `json:"bookmark"`
	Fetched  int     `json:"fetched"`
}

// personalReadable checks that b holds every one of fields, not erased.
func personalReadable(b *Business, fields []string) error {
	if b.Personal == nil || len(b.Personal.Fields) == 0 {
		return Errorf(CodeNotFound, "business %s has no personal data", b.USCC)
	}
	if b.Personal.Erased != nil {
		return Errorf(CodeConflict, "the personal data of business %s was erased at %s", b.USCC, b.Personal.Erased.At)
	}
	for _, f := range fields {
		if _, ok := b.Personal.Field(f); !ok {
			return Errorf(CodeUnprocessable, "business %s has no %s registered", b.USCC, f)
		}
	}
	return nil
}
