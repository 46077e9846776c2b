package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Personal data of a business's legal representative. The plain values live only in the
// owner agency's private data collection, on the owner's peer; the public business record
// keeps, per field, the SHA-256 of the salted private value (PersonalHash).
const (
	FieldIDNumber    = "id_number"    // resident identity number, GB 11643 (18 characters)
	FieldMobile      = "mobile"       // mainland mobile number, 11 digits
	FieldHomeAddress = "home_address" // home address
)

// PersonalFields lists the personal fields in their fixed order.
func PersonalFields() []string { return []string{FieldIDNumber, FieldMobile, FieldHomeAddress} }

// IsPersonalField reports whether f is one of PersonalFields.
func IsPersonalField(f string) bool { return contains(PersonalFields(), f) }

// PersonalCollection is the private data collection that holds the personal data of the
// records owned by msp: its only member is msp, and only msp's peers endorse its writes.
func PersonalCollection(msp string) string {
	return "personal" + strings.TrimSuffix(msp, "MSP")
}

// PersonalData is the optional `personal` object of a registration, or the `changes` of a
// personal-data amendment: any non-empty subset of the fields.
type PersonalData struct {
	IDNumber    string `json:"id_number,omitempty"`
	Mobile      string `json:"mobile,omitempty"`
	HomeAddress string `json:"home_address,omitempty"`
}

// FieldValue is one personal field and its value.
type FieldValue struct {
	Field string
	Value string
}

// Values lists the fields that are set, in PersonalFields order.
func (p PersonalData) Values() []FieldValue {
	var out []FieldValue
	for _, fv := range []FieldValue{{FieldIDNumber, p.IDNumber}, {FieldMobile, p.Mobile}, {FieldHomeAddress, p.HomeAddress}} {
		if fv.Value != "" {
			out = append(out, fv)
		}
	}
	return out
}

// Validate checks every value that is set (at least one must be). Messages name the field
// and the rule, never the value: they may reach logs.
func (p PersonalData) Validate() error {
	vals := p.Values()
	if len(vals) == 0 {
		return Errorf(CodeInvalid, "personal data must set at least one of %s", strings.Join(PersonalFields(), ", "))
	}
	for _, fv := range vals {
		if err := ValidatePersonalValue(fv.Field, fv.Value); err != nil {
			return err
		}
	}
	return nil
}

// ValidatePersonalValue checks one personal value by its field's rule.
func ValidatePersonalValue(field, value string) error {
	switch field {
	case FieldIDNumber:
		return ValidateResidentID(field, value)
	case FieldMobile:
		return validateMobile(field, value)
	case FieldHomeAddress:
		// An address is free text; unlike public text it may not hide an ID number either.
		return textRule{field: field, max: MaxAddressLen, required: true}.check(value)
	}
	return Errorf(CodeInvalid, "unknown personal field %q; known: %s", field, strings.Join(PersonalFields(), ", "))
}

// ValidateResidentID checks an 18-character resident identity number (GB 11643-1999): 17
// digits and a check digit or X, a real birth date, and the check character. The value is
// never echoed.
func ValidateResidentID(field, s string) error {
	if len(s) != 18 {
		return Errorf(CodeInvalid, "%s must be 18 characters (GB 11643), got %d", field, len(s))
	}
	for i := 0; i < 17; i++ {
		if !isDigit(s[i]) {
			return Errorf(CodeInvalid, "%s: characters 1 to 17 must be digits (character %d is not)", field, i+1)
		}
	}
	if c := s[17]; !isDigit(c) && c != 'X' {
		return Errorf(CodeInvalid, "%s: character 18 must be a digit or capital X", field)
	}
	if !plausibleDate(s[6:14]) {
		return Errorf(CodeUnprocessable, "%s: characters 7 to 14 are not a real birth date (YYYYMMDD)", field)
	}
	if c, _ := ResidentIDCheckChar(s[:17]); s[17] != c {
		return Errorf(CodeUnprocessable, "%s: the check character (character 18) is wrong; re-check the number", field)
	}
	return nil
}

// validateMobile checks a mainland mobile number: 11 digits starting with 1 and 3-9.
func validateMobile(field, s string) error {
	if len(s) != 11 {
		return Errorf(CodeInvalid, "%s must be 11 digits, got %d characters", field, len(s))
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return Errorf(CodeInvalid, "%s must be digits only (character %d is not)", field, i+1)
		}
	}
	if s[0] != '1' || s[1] < '3' {
		return Errorf(CodeUnprocessable, "%s must start with 13 to 19", field)
	}
	return nil
}

// SaltLength is the length of a personal-data salt: 32 random bytes, hex-encoded.
const SaltLength = 64

// SaltedValue is one personal value with the salt its hash uses. The gateway draws the salt
// (chaincode must be deterministic) and sends both as transient data.
type SaltedValue struct {
	Value string `json:"value"`
	Salt  string `json:"salt"`
}

// StageInput is the transient input of personal:Stage: field → salted value.
type StageInput map[string]SaltedValue

// Validate checks the fields, values and salts (at least one field).
func (in StageInput) Validate() error {
	if len(in) == 0 {
		return Errorf(CodeInvalid, "personal data must set at least one of %s", strings.Join(PersonalFields(), ", "))
	}
	for f, sv := range in {
		if !IsPersonalField(f) {
			return Errorf(CodeInvalid, "unknown personal field %q; known: %s", f, strings.Join(PersonalFields(), ", "))
		}
		if err := ValidatePersonalValue(f, sv.Value); err != nil {
			return err
		}
		if _, err := NormalizeHash("salt of "+f, sv.Salt); err != nil || sv.Salt != strings.ToLower(sv.Salt) {
			return Errorf(CodeInvalid, "salt of %s must be %d lowercase hex characters", f, SaltLength)
		}
	}
	return nil
}

// personalValueMagic starts every stored private value; it versions the format.
const personalValueMagic = "govchain-pd/1"

// PersonalPreimage is exactly what the private data collection stores for one field:
//
//	"govchain-pd/1\n" + field + "\n" + salt + "\n" + value
//
// Fabric records SHA-256 of these bytes on every peer (the private write's hash), and the
// public record copies that hash: whoever holds the value and the salt can recompute it.
func PersonalPreimage(field, salt, value string) []byte {
	return []byte(personalValueMagic + "\n" + field + "\n" + salt + "\n" + value)
}

// PersonalHash is the lowercase hex SHA-256 of PersonalPreimage.
func PersonalHash(field, salt, value string) string {
	sum := sha256.Sum256(PersonalPreimage(field, salt, value))
	return hex.EncodeToString(sum[:])
}

// ParsePersonalValue splits a stored private value into field, salt and value.
func ParsePersonalValue(b []byte) (field, salt, value string, ok bool) {
	parts := strings.SplitN(string(b), "\n", 4)
	if len(parts) != 4 || parts[0] != personalValueMagic {
		return "", "", "", false
	}
	return parts[1], parts[2], parts[3], true
}

// PersonalBinding is the public part of a business's personal data: per field, the hash of
// the private value and the transaction that staged it; after erasure, who erased it.
type PersonalBinding struct {
	Fields []PersonalFieldRef `json:"fields"`
	Erased *Erasure           `json:"erased"`
}

// PersonalFieldRef binds one personal field to its private value.
type PersonalFieldRef struct {
	Field     string `json:"field"`
	Hash      string `json:"hash"`        // SHA-256 of the stored private value (PersonalPreimage)
	StageTxID string `json:"stage_tx_id"` // transaction that wrote the private value
}

// Erasure records that the personal values were purged from the owner's peers.
type Erasure struct {
	At     string `json:"at"`
	ByOrg  string `json:"by_org"`
	By     string `json:"by"`
	TxID   string `json:"tx_id"`
	Reason string `json:"reason"`
}

// Field returns the reference of field f, if bound.
func (b *PersonalBinding) Field(f string) (PersonalFieldRef, bool) {
	if b == nil {
		return PersonalFieldRef{}, false
	}
	for _, r := range b.Fields {
		if r.Field == f {
			return r, true
		}
	}
	return PersonalFieldRef{}, false
}

// StageResult is what personal:Stage returns: the stage id (its transaction id) and the
// hash of every staged field. Never a value.
type StageResult struct {
	USCC    string            `json:"uscc"`
	StageID string            `json:"stage_id"`
	Hashes  map[string]string `json:"hashes"`
}

// PersonalAmendRequest is the argument of business:AmendPersonal: bind the fields staged by
// StageID (the others keep their values), for Reason.
type PersonalAmendRequest struct {
	StageID string `json:"stage_id"`
	Reason  string `json:"reason"`
}

// Validate checks the request on its own.
func (r *PersonalAmendRequest) Validate() error {
	if err := ValidateTxID("stage_id", r.StageID); err != nil {
		return err
	}
	return checkReason(r.Reason)
}

// PersonalChange is the body of PATCH /businesses/{uscc}/personal.
type PersonalChange struct {
	Changes PersonalData `json:"changes"`
	Reason  string       `json:"reason"`
}

// Validate checks the changes and the reason.
func (r *PersonalChange) Validate() error {
	if err := r.Changes.Validate(); err != nil {
		return err
	}
	return checkReason(r.Reason)
}

// ReasonRequest is a body that only carries a reason (erasure, grant revocation).
type ReasonRequest struct {
	Reason string `json:"reason"`
}

// Validate checks the reason.
func (r *ReasonRequest) Validate() error { return checkReason(r.Reason) }

// BindPersonal gives a business being registered its personal binding.
func BindPersonal(b *Business, refs []PersonalFieldRef) error {
	if len(refs) == 0 {
		return Errorf(CodeNotFound, "no staged personal data to bind to business %s", b.USCC)
	}
	b.Personal = &PersonalBinding{Fields: sortRefs(refs)}
	return nil
}

// AmendPersonal rebinds the fields in refs (others keep theirs) and records the change,
// hash to hash, as an amendment. CONFLICT for a final-status business or erased data.
func AmendPersonal(b *Business, refs []PersonalFieldRef, reason string, a Actor) error {
	if IsFinalStatus(b.Status) {
		return Errorf(CodeConflict, "business %s is %s; its personal data can no longer be amended", b.USCC, b.Status)
	}
	if b.Personal != nil && b.Personal.Erased != nil {
		return Errorf(CodeConflict, "the personal data of business %s was erased at %s", b.USCC, b.Personal.Erased.At)
	}
	if len(refs) == 0 {
		return Errorf(CodeNotFound, "no staged personal data to bind to business %s", b.USCC)
	}
	nb := *b
	cur := map[string]PersonalFieldRef{}
	if b.Personal != nil {
		for _, r := range b.Personal.Fields {
			cur[r.Field] = r
		}
	}
	var changes []FieldChange
	for _, r := range sortRefs(refs) {
		changes = append(changes, FieldChange{Field: "personal." + r.Field, From: cur[r.Field].Hash, To: r.Hash})
		cur[r.Field] = r
	}
	var all []PersonalFieldRef
	for _, f := range PersonalFields() {
		if r, ok := cur[f]; ok {
			all = append(all, r)
		}
	}
	nb.Personal = &PersonalBinding{Fields: all}
	nb.Amendments = append(append([]Amendment{}, b.Amendments...), Amendment{
		TxID: a.TxID, At: a.At, ByOrg: a.Org, By: a.By, Reason: reason, Changes: changes,
	})
	nb.Touch(a)
	*b = nb
	return nil
}

// ErasePersonal marks a DEREGISTERED business's personal data erased (the hashes stay).
func ErasePersonal(b *Business, reason string, a Actor) error {
	if err := checkReason(reason); err != nil {
		return err
	}
	if b.Personal == nil || len(b.Personal.Fields) == 0 {
		return Errorf(CodeNotFound, "business %s has no personal data", b.USCC)
	}
	if b.Personal.Erased != nil {
		return Errorf(CodeConflict, "the personal data of business %s was already erased at %s", b.USCC, b.Personal.Erased.At)
	}
	if b.Status != StatusDeregistered {
		return Errorf(CodeConflict, "business %s is %s; personal data can only be erased once it is %s", b.USCC, b.Status, StatusDeregistered)
	}
	p := *b.Personal
	p.Erased = &Erasure{At: a.At, ByOrg: a.Org, By: a.By, TxID: a.TxID, Reason: reason}
	b.Personal = &p
	b.Touch(a)
	return nil
}

func sortRefs(refs []PersonalFieldRef) []PersonalFieldRef {
	var out []PersonalFieldRef
	for _, f := range PersonalFields() {
		for _, r := range refs {
			if r.Field == f {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// ValidateTxID checks a Fabric transaction id (64 lowercase hex characters).
func ValidateTxID(field, s string) error {
	if len(s) != 64 {
		return Errorf(CodeInvalid, "%s must be a transaction id (64 lowercase hex characters), got %d characters", field, len(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return Errorf(CodeInvalid, "%s must be a transaction id (64 lowercase hex characters)", field)
		}
	}
	return nil
}

// PersonalValue is one delivered personal value with what proves it: whoever holds it can
// check PersonalHash(field, salt, value) == hash, and hash against the public record.
type PersonalValue struct {
	Value string `json:"value"`
	Salt  string `json:"salt"`
	Hash  string `json:"hash"`
}

// PersonalReadResult is what personal:Read delivers (only ever as a query answer).
type PersonalReadResult struct {
	Record   string                   `json:"record"`
	AccessID string                   `json:"access_id"`
	Purpose  string                   `json:"purpose"`
	Basis    string                   `json:"basis"`
	GrantID  string                   `json:"grant_id"`
	Fields   map[string]PersonalValue `json:"fields"`
}

// VerifyResult is what personal:Verify answers: whether the value matches, nothing else.
type VerifyResult struct {
	Record   string `json:"record"`
	Field    string `json:"field"`
	Match    bool   `json:"match"`
	AccessID string `json:"access_id"`
}

// PurgeResult is what personal:Prune and personal:Erase return.
type PurgeResult struct {
	USCC   string `json:"uscc"`
	Purged int    `json:"purged"` // private values purged
}

// ResidentIDCheckChar returns the GB 11643 check character (a digit or X) of the first 17
// characters of a resident ID number, which must be digits.
func ResidentIDCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, Errorf(CodeInvalid, "a resident ID number has 17 characters before the check character, got %d", len(first17))
	}
	sum := 0
	for k := 0; k < 17; k++ {
		if !isDigit(first17[k]) {
			return 0, Errorf(CodeInvalid, "characters 1 to 17 of a resident ID number must be digits (character %d is not)", k+1)
		}
		sum += int(first17[k]-'0') * residentIDWeights[k]
	}
	return residentIDChecks[sum%11], nil
}
