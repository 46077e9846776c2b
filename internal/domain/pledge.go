package domain

import (
	"strconv"
	"strings"
	"time"
)

// Pledge statuses (告知承诺制). OPEN → FULFILLED when the last missing material is supplied;
// OPEN → BROKEN when the overdue check finds it past its due date. Both are final.
const (
	PledgeOpen      = "OPEN"
	PledgeFulfilled = "FULFILLED"
	PledgeBroken    = "BROKEN"
)

// MaxPledgeDays is how long after the registration date a pledge may fall due.
const MaxPledgeDays = 60

// CreditPledgeBroken is the kind of credit record a broken pledge writes (信用记录).
const CreditPledgeBroken = "PLEDGE_BROKEN"

// MaxOverduePerTx bounds the pledges one overdue check breaks, so that a transaction stays
// small; the answer says when more remain.
const MaxOverduePerTx = 50

// chinaTime is China Standard Time (UTC+8, no daylight saving): the calendar the bureau's
// dates (due dates, "the transaction's date") are in. A fixed zone, so every endorser
// computes the same date.
var chinaTime = time.FixedZone("CST", 8*3600)

// PledgeStatuses lists every pledge status in a fixed order.
func PledgeStatuses() []string { return []string{PledgeOpen, PledgeFulfilled, PledgeBroken} }

// IsPledgeStatus reports whether s is a pledge status.
func IsPledgeStatus(s string) bool { return contains(PledgeStatuses(), s) }

// MaterialRef supplies one catalogue material by reference to deposited evidence.
type MaterialRef struct {
	Material   string `json:"material"`
	EvidenceID string `json:"evidence_id"`
}

// PledgeRequest is the written pledge of a registration: the materials it promises and by
// when.
type PledgeRequest struct {
	Missing   []string `json:"missing"`
	Statement string   `json:"statement"`
	PledgedBy string   `json:"pledged_by"`
	DueOn     string   `json:"due_on"`
}

// SupplyMaterialRequest is the second argument of business:SupplyMaterial.
type SupplyMaterialRequest = MaterialRef

// SuppliedMaterial is a material on record: which evidence proves it, who supplied it, when.
type SuppliedMaterial struct {
	Material      string `json:"material"`
	EvidenceID    string `json:"evidence_id"`
	HashAlgorithm string `json:"hash_algorithm"`
	Hash          string `json:"hash"`
	SuppliedAt    string `json:"supplied_at"`
	SuppliedByOrg string `json:"supplied_by_org"`
	SuppliedBy    string `json:"supplied_by"`
	TxID          string `json:"tx_id"`
	// Late is true for a material supplied after its pledge was broken.
	Late bool `json:"late"`
}

// Pledge is a business's written pledge and where it stands.
type Pledge struct {
	Status    string   `json:"status"`
	Pledged   []string `json:"pledged"` // the materials promised, as made
	Missing   []string `json:"missing"` // those not supplied yet
	Statement string   `json:"statement"`
	PledgedBy string   `json:"pledged_by"`
	DueOn     string   `json:"due_on"`
	MadeAt    string   `json:"made_at"`
	TxID      string   `json:"tx_id"`
	// ClosedAt/ClosedTxID: when it became FULFILLED or BROKEN.
	ClosedAt   string `json:"closed_at,omitempty"`
	ClosedTxID string `json:"closed_tx_id,omitempty"`
	// CreditRecordID names the credit record of a broken pledge.
	CreditRecordID string `json:"credit_record_id,omitempty"`
}

// PledgeSummary is one row of business:ListPledges.
type PledgeSummary struct {
	USCC           string `json:"uscc"`
	Name           string `json:"name"`
	BusinessStatus string `json:"business_status"`
	Pledge         Pledge `json:"pledge"`
}

// PledgePage is the result of business:ListPledges.
type PledgePage struct {
	Records  []PledgeSummary `json:"records"`
	Bookmark string          `json:"bookmark"`
	Fetched  int             `json:"fetched"`
}

// CreditRecord is an entry of the enterprise credit record (信用记录), public to every
// member agency. Written by the overdue check when a pledge breaks.
type CreditRecord struct {
	ID           string   `json:"id"`
	USCC         string   `json:"uscc"`
	BusinessName string   `json:"business_name"`
	Kind         string   `json:"kind"`
	Description  string   `json:"description"`
	Missing      []string `json:"missing"`
	DueOn        string   `json:"due_on"`
	PledgedBy    string   `json:"pledged_by"`
	Statement    string   `json:"statement"`
	PledgeTxID   string   `json:"pledge_tx_id"`
	// Consequence is what happened to the business: "SUSPENDED", or "NONE" when it was not
	// ACTIVE.
	Consequence string `json:"consequence"`
	RecordMeta
}

// CreditPage is the result of business:Credit.
type CreditPage struct {
	Records  []CreditRecord `json:"records"`
	Bookmark string         `json:"bookmark"`
	Fetched  int            `json:"fetched"`
}

// BrokenPledge is one pledge an overdue check broke.
type BrokenPledge struct {
	USCC           string   `json:"uscc"`
	Name           string   `json:"name"`
	DueOn          string   `json:"due_on"`
	Missing        []string `json:"missing"`
	BusinessStatus string   `json:"business_status"`
	CreditRecordID string   `json:"credit_record_id"`
}

// OverdueCheck is the result of business:CheckOverduePledges.
type OverdueCheck struct {
	AsOf      string         `json:"as_of"` // the transaction's date (China Standard Time)
	Broken    []BrokenPledge `json:"broken"`
	Remaining bool           `json:"remaining"` // more overdue pledges than one check breaks
}

// TxDate is the calendar date (YYYY-MM-DD, China Standard Time) of a record time (RFC 3339).
func TxDate(at string) (string, error) {
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return "", Errorf(CodeInvalid, "time %q is not RFC 3339", at)
	}
	return t.In(chinaTime).Format(DateLayout), nil
}

// validateMaterials checks a registration's materials and pledge against the catalogue of
// its entity type. Nothing listed and nothing pledged is valid (registrations as before).
func (r *RegisterBusinessRequest) validateMaterials() error {
	if len(r.Materials) == 0 && r.Pledge == nil {
		return nil
	}
	cat, ok := CatalogueFor(r.EntityType)
	if !ok {
		return Errorf(CodeUnprocessable, "entity type %q has no material catalogue, so a registration of it cannot list materials or pledge any; catalogued types: %s",
			r.EntityType, strings.Join(CatalogueEntityTypes(), ", "))
	}
	have := map[string]string{} // material → where it appears
	for i, m := range r.Materials {
		field := "materials[" + strconv.Itoa(i) + "]"
		if _, ok := cat.Spec(m.Material); !ok {
			return unknownMaterial(field+".material", m.Material, cat)
		}
		if err := ValidateEvidenceID(m.EvidenceID); err != nil {
			return Errorf(CodeInvalid, "%s.evidence_id: %s", field, err.(*Error).Message)
		}
		if prev, dup := have[m.Material]; dup {
			return Errorf(CodeInvalid, "%s.material %s is already listed in %s", field, m.Material, prev)
		}
		have[m.Material] = field
	}
	if p := r.Pledge; p != nil {
		if len(p.Missing) == 0 {
			return Errorf(CodeInvalid, "pledge.missing must list at least one material; leave out the pledge when nothing is missing")
		}
		for i, code := range p.Missing {
			field := "pledge.missing[" + strconv.Itoa(i) + "]"
			spec, ok := cat.Spec(code)
			if !ok {
				return unknownMaterial(field, code, cat)
			}
			if IsIdentityMaterial(code) {
				return Errorf(CodeUnprocessable, "%s: %s (%s) may never be pledged; it must be supplied before registration", field, code, spec.Name)
			}
			if !spec.Pledgeable {
				return Errorf(CodeUnprocessable, "%s: %s (%s) may not be pledged for a %s; it must be supplied before registration", field, code, spec.Name, cat.EntityType)
			}
			if prev, dup := have[code]; dup {
				return Errorf(CodeInvalid, "%s: %s is already listed in %s; a material is either supplied or pledged", field, code, prev)
			}
			have[code] = field
		}
		if err := (textRule{field: "pledge.statement", max: MaxLongTextLen, required: true, multiline: true}).check(p.Statement); err != nil {
			return err
		}
		if err := checkPersonName("pledge.pledged_by", p.PledgedBy); err != nil {
			return err
		}
		if err := checkDate("pledge.due_on", p.DueOn); err != nil {
			return err
		}
	}
	for _, m := range cat.Materials {
		if _, ok := have[m.Code]; !ok {
			return Errorf(CodeUnprocessable, "materials are incomplete: %s (%s) is neither supplied nor pledged; a %s needs %s",
				m.Code, m.Name, cat.EntityType, strings.Join(cat.Codes(), ", "))
		}
	}
	return nil
}

func unknownMaterial(field, code string, cat MaterialCatalogue) error {
	return Errorf(CodeUnprocessable, "%s: %q is not a material of the %s catalogue (%s)", field, code, cat.EntityType, strings.Join(cat.Codes(), ", "))
}

// CheckPledgeDue checks a pledge's due date against the registration's time: after the
// registration date and at most MaxPledgeDays after it (UNPROCESSABLE otherwise).
func CheckPledgeDue(dueOn, registeredAt string) error {
	regDate, err := TxDate(registeredAt)
	if err != nil {
		return err
	}
	due, err := time.Parse(DateLayout, dueOn)
	if err != nil {
		return Errorf(CodeInvalid, "pledge.due_on must be a date YYYY-MM-DD, got %q", dueOn)
	}
	reg, _ := time.Parse(DateLayout, regDate)
	latest := reg.AddDate(0, 0, MaxPledgeDays)
	if !due.After(reg) {
		return Errorf(CodeUnprocessable, "pledge.due_on %s must be after the registration date %s", dueOn, regDate)
	}
	if due.After(latest) {
		return Errorf(CodeUnprocessable, "pledge.due_on %s is more than %d days after the registration date %s; the latest allowed is %s",
			dueOn, MaxPledgeDays, regDate, latest.Format(DateLayout))
	}
	return nil
}

// CheckMaterialEvidence refuses evidence that cannot prove a material: unknown (nil) or
// revoked (UNPROCESSABLE, naming the field).
func CheckMaterialEvidence(field, id string, e *Evidence) error {
	if e == nil {
		return Errorf(CodeUnprocessable, "%s: evidence %s is not deposited; deposit the document first (POST /api/v1/evidence)", field, id)
	}
	if e.Status == EvidenceRevoked {
		reason := ""
		if e.Revocation != nil {
			reason = " (" + e.Revocation.Reason + ")"
		}
		return Errorf(CodeUnprocessable, "%s: evidence %s was revoked by %s%s and cannot prove a material", field, id, e.OwnerOrg, reason)
	}
	return nil
}

// AttachMaterials records a validated registration's materials (their evidence, in request
// order, already checked) and pledge on a new business, checking the pledge's due date
// against the registration time.
func AttachMaterials(b *Business, r RegisterBusinessRequest, evidence []Evidence, a Actor) error {
	if len(evidence) != len(r.Materials) {
		return Errorf(CodeInvalid, "internal: %d evidence records for %d materials", len(evidence), len(r.Materials))
	}
	if p := r.Pledge; p != nil {
		if err := CheckPledgeDue(p.DueOn, a.At); err != nil {
			return err
		}
	}
	for i, m := range r.Materials {
		b.Materials = append(b.Materials, suppliedMaterial(m, &evidence[i], a, false))
	}
	if p := r.Pledge; p != nil {
		b.Pledge = &Pledge{
			Status:    PledgeOpen,
			Pledged:   append([]string{}, p.Missing...),
			Missing:   append([]string{}, p.Missing...),
			Statement: p.Statement,
			PledgedBy: p.PledgedBy,
			DueOn:     p.DueOn,
			MadeAt:    a.At,
			TxID:      a.TxID,
		}
	}
	return nil
}

func suppliedMaterial(m MaterialRef, e *Evidence, a Actor, late bool) SuppliedMaterial {
	return SuppliedMaterial{
		Material: m.Material, EvidenceID: m.EvidenceID, HashAlgorithm: e.HashAlgorithm, Hash: e.Hash,
		SuppliedAt: a.At, SuppliedByOrg: a.Org, SuppliedBy: a.By, TxID: a.TxID, Late: late,
	}
}

// Validate checks a supply request on its own (material code format, evidence id).
func (r *MaterialRef) Validate() error {
	if err := (textRule{field: "material", max: MaxShortTextLen, required: true}).check(r.Material); err != nil {
		return err
	}
	if err := ValidateEvidenceID(r.EvidenceID); err != nil {
		return Errorf(CodeInvalid, "evidence_id: %s", err.(*Error).Message)
	}
	return nil
}

// SupplyMaterial records a pledged material on b, proven by evidence e (already checked by
// CheckMaterialEvidence). Only a material the pledge still misses can be supplied; the
// pledge is FULFILLED when none is missing. A broken pledge stays BROKEN: the material is
// recorded as late, and restoring the business is the registrar's status change.
func SupplyMaterial(b *Business, r MaterialRef, e *Evidence, a Actor) (fulfilled bool, err error) {
	if IsFinalStatus(b.Status) {
		return false, Errorf(CodeConflict, "business %s is %s; materials can no longer be supplied", b.USCC, b.Status)
	}
	p := b.Pledge
	if p == nil {
		return false, Errorf(CodeConflict, "business %s has no pledge; no material is outstanding", b.USCC)
	}
	cat, ok := CatalogueFor(b.EntityType)
	if !ok {
		return false, Errorf(CodeUnprocessable, "entity type %q has no material catalogue", b.EntityType)
	}
	if _, ok := cat.Spec(r.Material); !ok {
		return false, unknownMaterial("material", r.Material, cat)
	}
	i := indexOf(p.Missing, r.Material)
	if i < 0 {
		for _, m := range b.Materials {
			if m.Material == r.Material {
				return false, Errorf(CodeConflict, "material %s of business %s was already supplied (evidence %s, %s)", r.Material, b.USCC, m.EvidenceID, m.SuppliedAt)
			}
		}
		return false, Errorf(CodeUnprocessable, "material %s was not pledged by business %s; it pledged %s", r.Material, b.USCC, strings.Join(p.Pledged, ", "))
	}
	np := *p
	np.Missing = append(append([]string{}, p.Missing[:i]...), p.Missing[i+1:]...)
	b.Materials = append(append([]SuppliedMaterial{}, b.Materials...), suppliedMaterial(r, e, a, p.Status == PledgeBroken))
	if p.Status == PledgeOpen && len(np.Missing) == 0 {
		np.Status = PledgeFulfilled
		np.ClosedAt, np.ClosedTxID = a.At, a.TxID
		fulfilled = true
	}
	b.Pledge = &np
	b.Touch(a)
	return fulfilled, nil
}

// IsOverdue reports whether an OPEN pledge's due date is before the date of time at.
func IsOverdue(p *Pledge, at string) (bool, error) {
	if p == nil || p.Status != PledgeOpen {
		return false, nil
	}
	today, err := TxDate(at)
	if err != nil {
		return false, err
	}
	return p.DueOn < today, nil
}

// CreditRecordID is the id of the credit record written for business uscc by transaction
// txID (one per business per transaction).
func CreditRecordID(txID, uscc string) string {
	if len(txID) > 32 {
		txID = txID[:32]
	}
	return txID + "-" + uscc
}

// BreakPledge breaks b's overdue OPEN pledge: BROKEN, an ACTIVE business SUSPENDED with the
// reason, and the credit record to write. CONFLICT when the pledge is not overdue.
func BreakPledge(b *Business, a Actor) (CreditRecord, error) {
	overdue, err := IsOverdue(b.Pledge, a.At)
	if err != nil {
		return CreditRecord{}, err
	}
	if !overdue {
		return CreditRecord{}, Errorf(CodeConflict, "business %s has no overdue open pledge", b.USCC)
	}
	p := *b.Pledge
	// The pledge's date is the registration's date in China Standard Time, the calendar
	// its due date was checked against (not the UTC date prefix of MadeAt).
	madeOn, err := TxDate(p.MadeAt)
	if err != nil {
		return CreditRecord{}, err
	}
	id := CreditRecordID(a.TxID, b.USCC)
	p.Status = PledgeBroken
	p.ClosedAt, p.ClosedTxID, p.CreditRecordID = a.At, a.TxID, id
	desc := "pledge of " + madeOn + " to supply " + strings.Join(p.Missing, ", ") + " by " + p.DueOn + " was not kept"
	consequence := "NONE"
	if b.Status == StatusActive {
		b.Status = StatusSuspended
		b.StatusReason = "告知承诺未履行 (pledge broken): " + desc
		consequence = StatusSuspended
	}
	b.Pledge = &p
	b.Touch(a)
	cr := CreditRecord{
		ID: id, USCC: b.USCC, BusinessName: b.Name, Kind: CreditPledgeBroken, Description: desc,
		Missing: append([]string{}, p.Missing...), DueOn: p.DueOn, PledgedBy: p.PledgedBy,
		Statement: p.Statement, PledgeTxID: p.TxID, Consequence: consequence,
		RecordMeta: NewRecordMeta(a),
	}
	return cr, nil
}

// ValidatePledgeFilter checks the filters of business:ListPledges.
func ValidatePledgeFilter(status, dueBefore string) error {
	if status != "" && !IsPledgeStatus(status) {
		return Errorf(CodeInvalid, "status must be empty or one of %s, got %q", strings.Join(PledgeStatuses(), ", "), status)
	}
	if dueBefore != "" {
		return checkDate("due_before", dueBefore)
	}
	return nil
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
