package domain

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Kinds of access to personal data.
const (
	AccessRead   = "READ"   // values delivered to the accessor
	AccessVerify = "VERIFY" // a value the accessor holds checked against the record: yes/no only
)

// Access outcomes. A DENIED attempt is recorded too.
const (
	AccessGranted = "GRANTED"
	AccessDenied  = "DENIED"
)

// Bases of a granted access.
const (
	BasisOwner        = "OWNER"        // the owner agency's registrar
	BasisGrant        = "GRANT"        // a grant in force at the access time
	BasisVerification = "VERIFICATION" // verify-without-disclosure needs no grant
)

// AccessWindow is how long after its access record was committed the owner's peer still
// answers the read or verification it authorises. AccessClockSkew is how far before the
// record's time the request may be stamped (client clocks differ a little).
const (
	AccessWindow    = 2 * time.Minute
	AccessClockSkew = time.Minute
)

// ReadAccessRequest is the argument of access:RecordRead.
type ReadAccessRequest struct {
	Record        string   `json:"record"`
	Fields        []string `json:"fields"`
	Purpose       string   `json:"purpose"`
	PurposeDetail string   `json:"purpose_detail,omitempty"`
}

// Validate checks the request on its own.
func (r *ReadAccessRequest) Validate() error {
	if err := ValidateUSCCFormat("record", r.Record); err != nil {
		return err
	}
	if err := ValidateFieldList("fields", r.Fields); err != nil {
		return err
	}
	if !contains(ReadPurposes(), r.Purpose) {
		return Errorf(CodeInvalid, "purpose must be one of %s, got %q", strings.Join(ReadPurposes(), ", "), r.Purpose)
	}
	return textRule{field: "purpose_detail", max: MaxPurposeDetailLen}.check(r.PurposeDetail)
}

// VerifyAccessRequest is the argument of access:RecordVerify.
type VerifyAccessRequest struct {
	Record string `json:"record"`
	Field  string `json:"field"`
}

// Validate checks the request on its own.
func (r *VerifyAccessRequest) Validate() error {
	if err := ValidateUSCCFormat("record", r.Record); err != nil {
		return err
	}
	return ValidateFieldList("field", []string{r.Field})
}

// AccessRecord is one access to personal data, committed before anything is delivered
// (key: its id, the transaction id). It never holds a value: FieldHashes are the hashes of
// the values the record held at the access time, so that an auditor can tell who read
// which value.
type AccessRecord struct {
	ID            string            `json:"id"`
	Kind          string            `json:"kind"`
	RecordType    string            `json:"record_type"`
	Record        string            `json:"record"`
	OwnerOrg      string            `json:"owner_org"`
	Fields        []string          `json:"fields"`
	FieldHashes   map[string]string `json:"field_hashes"`
	Purpose       string            `json:"purpose"`
	PurposeDetail string            `json:"purpose_detail"`
	Outcome       string            `json:"outcome"`
	Basis         string            `json:"basis"`
	GrantID       string            `json:"grant_id"`
	DenyReason    string            `json:"deny_reason"`
	AccessorOrg   string            `json:"accessor_org"`
	Accessor      string            `json:"accessor"`
	AccessorRole  string            `json:"accessor_role"`
	AccessorCert  string            `json:"accessor_cert_sha256"`
	At            string            `json:"at"`
}

// Accessor is who asks for personal data: org, certificate subject CN, role and the
// SHA-256 of the certificate (which binds the delivery to exactly this identity).
type Accessor struct {
	Actor
	Role     string
	CertHash string
}

func newAccessRecord(kind string, b *Business, fields []string, who Accessor) AccessRecord {
	fields = SortFields(fields)
	hashes := map[string]string{}
	for _, f := range fields {
		if r, ok := b.Personal.Field(f); ok {
			hashes[f] = r.Hash
		}
	}
	return AccessRecord{
		ID: who.TxID, Kind: kind, RecordType: grantRecordTypeBusiness, Record: b.USCC, OwnerOrg: b.OwnerOrg,
		Fields: fields, FieldHashes: hashes, AccessorOrg: who.Org, Accessor: who.By, AccessorRole: who.Role,
		AccessorCert: who.CertHash, At: who.At,
	}
}

// DecideRead records a read request: GRANTED for the owner's registrar (any read purpose) or
// under a grant in force at the access time that names the caller's org, the purpose and
// every field; DENIED otherwise, with the reason. grants are the record's grants to the
// caller's org (any order). Errors (no personal data, erased, unknown field) record nothing.
func DecideRead(r ReadAccessRequest, b *Business, grants []Grant, who Accessor) (AccessRecord, error) {
	if err := personalReadable(b, r.Fields); err != nil {
		return AccessRecord{}, err
	}
	at, err := time.Parse(time.RFC3339, who.At)
	if err != nil {
		return AccessRecord{}, err
	}
	rec := newAccessRecord(AccessRead, b, r.Fields, who)
	rec.Purpose, rec.PurposeDetail = r.Purpose, r.PurposeDetail
	if who.Org == b.OwnerOrg && who.Role == RoleRegistrar {
		rec.Outcome, rec.Basis = AccessGranted, BasisOwner
		return rec, nil
	}
	if r.Purpose == PurposeRegistrationManagement {
		rec.Outcome = AccessDenied
		rec.DenyReason = fmt.Sprintf("purpose %s is reserved to the registrar of %s, which owns business %s", r.Purpose, b.OwnerOrg, b.USCC)
		return rec, nil
	}
	sort.Slice(grants, func(i, j int) bool { return grants[i].ID < grants[j].ID })
	var why []string
	for _, g := range grants {
		if g.Grantee != who.Org || g.Record != b.USCC {
			continue
		}
		switch missing := missingFields(g.Fields, r.Fields); {
		case g.Status != GrantActive:
			why = append(why, fmt.Sprintf("grant %s is %s", g.ID, g.Status))
		case !g.InForceAt(at):
			why = append(why, fmt.Sprintf("grant %s expired at %s", g.ID, g.ExpiresAt))
		case g.Purpose != r.Purpose:
			why = append(why, fmt.Sprintf("grant %s is for purpose %s", g.ID, g.Purpose))
		case len(missing) > 0:
			why = append(why, fmt.Sprintf("grant %s does not cover %s", g.ID, strings.Join(missing, ", ")))
		default:
			rec.Outcome, rec.Basis, rec.GrantID = AccessGranted, BasisGrant, g.ID
			return rec, nil
		}
	}
	rec.Outcome = AccessDenied
	if len(why) == 0 {
		rec.DenyReason = fmt.Sprintf("%s holds no grant to read personal data of business %s", who.Org, b.USCC)
	} else {
		rec.DenyReason = fmt.Sprintf("no grant in force for %s, purpose %s, fields %s: %s",
			who.Org, r.Purpose, strings.Join(rec.Fields, ", "), strings.Join(why, "; "))
	}
	return rec, nil
}

// DecideVerify records a verification: always GRANTED (no value is disclosed), as long as
// the field is registered and not erased.
func DecideVerify(r VerifyAccessRequest, b *Business, who Accessor) (AccessRecord, error) {
	if err := personalReadable(b, []string{r.Field}); err != nil {
		return AccessRecord{}, err
	}
	rec := newAccessRecord(AccessVerify, b, []string{r.Field}, who)
	rec.Outcome, rec.Basis = AccessGranted, BasisVerification
	return rec, nil
}

func missingFields(have, want []string) []string {
	var out []string
	for _, f := range SortFields(want) {
		if !contains(have, f) {
			out = append(out, f)
		}
	}
	return out
}

// CheckDelivery decides whether the owner's peer may answer a read or verification
// authorised by rec, asked by the identity whose certificate hash is certHash at time now
// (the request's timestamp). FORBIDDEN names what does not match.
func CheckDelivery(rec AccessRecord, kind, certHash string, now time.Time) error {
	if rec.Kind != kind {
		return Errorf(CodeForbidden, "access %s is a %s, not a %s", rec.ID, rec.Kind, kind)
	}
	if rec.Outcome != AccessGranted {
		return Errorf(CodeForbidden, "access %s was denied: %s", rec.ID, rec.DenyReason)
	}
	if rec.AccessorCert != certHash {
		return Errorf(CodeForbidden, "access %s was recorded for %s (%s), not for the caller", rec.ID, rec.Accessor, rec.AccessorOrg)
	}
	at, err := time.Parse(time.RFC3339, rec.At)
	if err != nil {
		return err
	}
	if now.Before(at.Add(-AccessClockSkew)) || now.After(at.Add(AccessWindow)) {
		return Errorf(CodeForbidden, "access %s was recorded at %s; values are delivered only within %s of it: request access again", rec.ID, rec.At, AccessWindow)
	}
	return nil
}

// AccessPage is the result of access:List.
type AccessPage struct {
	Records  []AccessRecord `json:"records"`
	Bookmark string         `json:"bookmark"`
	Fetched  int            `json:"fetched"`
}

// AccessFilter selects access records: by record, accessor org and period [From, To).
type AccessFilter struct {
	Record   string
	Accessor string
	From     string // RFC 3339, inclusive; "" = from the beginning
	To       string // RFC 3339, exclusive; "" = until now
}

// Validate checks the filter and normalises its times to RFC 3339 UTC seconds.
func (f *AccessFilter) Validate() error {
	if f.Record != "" {
		if err := ValidateUSCCFormat("record", f.Record); err != nil {
			return err
		}
	}
	if f.Accessor != "" && !IsMemberOrg(f.Accessor) {
		return Errorf(CodeInvalid, "accessor must be the MSP ID of a member agency (%s), got %q", strings.Join(MemberOrgs(), ", "), f.Accessor)
	}
	for _, p := range []struct {
		name string
		v    *string
	}{{"from", &f.From}, {"to", &f.To}} {
		if *p.v == "" {
			continue
		}
		t, err := ParseTimestamp(p.name, *p.v)
		if err != nil {
			return err
		}
		*p.v = t.UTC().Format(time.RFC3339)
	}
	if f.From != "" && f.To != "" && f.From >= f.To {
		return Errorf(CodeInvalid, "from (%s) must be before to (%s)", f.From, f.To)
	}
	return nil
}

// Matches reports whether rec passes the filter.
func (f AccessFilter) Matches(rec AccessRecord) bool {
	return (f.Record == "" || rec.Record == f.Record) &&
		(f.Accessor == "" || rec.AccessorOrg == f.Accessor) &&
		(f.From == "" || rec.At >= f.From) &&
		(f.To == "" || rec.At < f.To)
}

// MayViewAccess reports whether an identity of org may see rec: auditors see every access,
// an agency the accesses to the records it owns and the accesses it made itself.
func MayViewAccess(org string, rec AccessRecord) bool {
	return org == AuditMSP || rec.OwnerOrg == org || rec.AccessorOrg == org
}
