package domain

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Licence is one version of a business's electronic business licence (电子营业执照). Every
// registration and every amendment of a printed particular issues a new version; the
// verification code (SHA-256 over the canonical JSON of the other fields) is recorded on
// the ledger with it. The licence carries no status: its standing is the business's status.
type Licence struct {
	LicenceNumber        string `json:"licence_number"`
	USCC                 string `json:"uscc"`
	Name                 string `json:"name"`
	EntityType           string `json:"entity_type"`
	LegalRepresentative  string `json:"legal_representative"`
	RegisteredCapitalFen int64  `json:"registered_capital_fen"`
	Address              string `json:"address"`
	BusinessScope        string `json:"business_scope"`
	EstablishedOn        string `json:"established_on"`
	IssuingAuthority     string `json:"issuing_authority"`
	IssuedAt             string `json:"issued_at"`
	Version              int    `json:"version"`
	VerificationCode     string `json:"verification_code"`
}

// LicenceRef is the business record's pointer to its current licence version.
type LicenceRef struct {
	LicenceNumber    string `json:"licence_number"`
	Version          int    `json:"version"`
	VerificationCode string `json:"verification_code"`
	IssuedAt         string `json:"issued_at"`
	TxID             string `json:"tx_id"`
}

// LicenceView is the answer of business:Licence: one version, its business's standing, and
// the payload its QR code carries.
type LicenceView struct {
	Licence      Licence `json:"licence"`
	Status       string  `json:"status"`
	StatusReason string  `json:"status_reason"`
	Current      bool    `json:"current"`
	SupersededBy *int    `json:"superseded_by"`
	QRPayload    string  `json:"qr_payload"`
}

// LicencePayloadPrefix starts the payload of a licence's QR code:
// "GOVCHAIN-BL:1:" + USCC + ":" + version + ":" + verification code.
const LicencePayloadPrefix = "GOVCHAIN-BL:1:"

// MaxLicenceVersion bounds version numbers (one per registration or amendment).
const MaxLicenceVersion = 999999

// Verification results.
const (
	LicenceResultValid      = "VALID"      // the current version, exactly as recorded
	LicenceResultSuperseded = "SUPERSEDED" // an older version, exactly as recorded
	LicenceResultTampered   = "TAMPERED"   // differs from the recorded version
	LicenceResultUnknown    = "UNKNOWN"    // no such business or version on the ledger
)

// VerifyLicenceRequest is the argument of business:VerifyLicence: the licence JSON, or the
// payload scanned from its QR code (exactly one).
type VerifyLicenceRequest struct {
	Licence *Licence `json:"licence,omitempty"`
	Payload string   `json:"payload,omitempty"`
}

// LicenceVerification is the answer of business:VerifyLicence.
type LicenceVerification struct {
	// Valid: the presented licence is a version recorded on the ledger, unaltered.
	Valid bool `json:"valid"`
	// Current: and it is the latest version.
	Current bool `json:"current"`
	// Status is the business's status (its licence's standing); "" when unknown.
	Status string `json:"status"`
	// SupersededBy is the current version when the presented one is older.
	SupersededBy *int   `json:"superseded_by"`
	Result       string `json:"result"`
	USCC         string `json:"uscc"`
	Version      int    `json:"version"`
	// TamperedFields names every field that differs from the recorded version.
	TamperedFields []string `json:"tampered_fields"`
	Message        string   `json:"message"`
}

// Validate checks that exactly one of licence and payload is given (INVALID otherwise).
func (r *VerifyLicenceRequest) Validate() error {
	if (r.Licence == nil) == (r.Payload == "") {
		return Errorf(CodeInvalid, "give exactly one of licence (the licence JSON) and payload (the text of its QR code)")
	}
	if r.Licence != nil {
		if err := ValidateUSCCFormat("licence.uscc", r.Licence.USCC); err != nil {
			return err
		}
		if r.Licence.Version < 1 || r.Licence.Version > MaxLicenceVersion {
			return Errorf(CodeInvalid, "licence.version must be 1..%d, got %d", MaxLicenceVersion, r.Licence.Version)
		}
		return nil
	}
	_, _, _, err := ParseLicencePayload(r.Payload)
	return err
}

// LicenceNumber is the number printed on version v of a business's licence.
func LicenceNumber(uscc string, v int) string { return fmt.Sprintf("%s-%03d", uscc, v) }

// CanonicalLicence returns the canonical JSON the verification code is computed over: every
// field but verification_code, keys sorted, no insignificant whitespace, strings as UTF-8
// with only the escapes JSON requires (RFC 8785 for these strings and integers).
func CanonicalLicence(l Licence) []byte {
	fields := licenceFields(l)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeJSONString(&buf, k)
		buf.WriteByte(':')
		switch v := fields[k].(type) {
		case string:
			writeJSONString(&buf, v)
		case int64:
			buf.WriteString(strconv.FormatInt(v, 10))
		}
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

// licenceFields maps the JSON names of the code-covered fields to their values.
func licenceFields(l Licence) map[string]any {
	return map[string]any{
		"licence_number":         l.LicenceNumber,
		"uscc":                   l.USCC,
		"name":                   l.Name,
		"entity_type":            l.EntityType,
		"legal_representative":   l.LegalRepresentative,
		"registered_capital_fen": l.RegisteredCapitalFen,
		"address":                l.Address,
		"business_scope":         l.BusinessScope,
		"established_on":         l.EstablishedOn,
		"issuing_authority":      l.IssuingAuthority,
		"issued_at":              l.IssuedAt,
		"version":                int64(l.Version),
	}
}

// writeJSONString writes s as a JSON string the way RFC 8785 does: `"` and `\` escaped,
// control characters as \b \t \n \f \r or \u00XX, everything else as itself.
func writeJSONString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			buf.WriteString(`\"`)
		case '\\':
			buf.WriteString(`\\`)
		case '\b':
			buf.WriteString(`\b`)
		case '\t':
			buf.WriteString(`\t`)
		case '\n':
			buf.WriteString(`\n`)
		case '\f':
			buf.WriteString(`\f`)
		case '\r':
			buf.WriteString(`\r`)
		default:
			if r < 0x20 {
				fmt.Fprintf(buf, `\u%04x`, r)
			} else {
				buf.WriteRune(r)
			}
		}
	}
	buf.WriteByte('"')
}

// LicenceCode is the verification code of l: hex SHA-256 of CanonicalLicence(l).
func LicenceCode(l Licence) string {
	sum := sha256.Sum256(CanonicalLicence(l))
	return hex.EncodeToString(sum[:])
}

// IssueLicence issues the next version of b's licence at a (the registration or amendment
// transaction), points b at it and returns it.
func IssueLicence(b *Business, a Actor) (Licence, error) {
	v := 1
	if b.Licence != nil {
		v = b.Licence.Version + 1
	}
	if v > MaxLicenceVersion {
		return Licence{}, Errorf(CodeConflict, "business %s has issued %d licence versions, the most allowed", b.USCC, MaxLicenceVersion)
	}
	l := Licence{
		LicenceNumber:        LicenceNumber(b.USCC, v),
		USCC:                 b.USCC,
		Name:                 b.Name,
		EntityType:           b.EntityType,
		LegalRepresentative:  b.LegalRepresentative,
		RegisteredCapitalFen: b.RegisteredCapitalFen,
		Address:              b.Address,
		BusinessScope:        b.BusinessScope,
		EstablishedOn:        b.EstablishedOn,
		IssuingAuthority:     b.RegistrationAuthority,
		IssuedAt:             a.At,
		Version:              v,
	}
	l.VerificationCode = LicenceCode(l)
	b.Licence = &LicenceRef{LicenceNumber: l.LicenceNumber, Version: v, VerificationCode: l.VerificationCode, IssuedAt: a.At, TxID: a.TxID}
	return l, nil
}

// LicencePrinted reports whether an amendment changed a particular the licence prints.
func LicencePrinted(changes []FieldChange) bool {
	for _, c := range changes {
		switch c.Field {
		case "name", "address", "business_scope", "registered_capital_fen", "legal_representative":
			return true
		}
	}
	return false
}

// LicencePayload is the text of l's QR code.
func LicencePayload(l Licence) string {
	return LicencePayloadPrefix + l.USCC + ":" + strconv.Itoa(l.Version) + ":" + l.VerificationCode
}

// licenceFragmentMarker ends the URL part of a QR code that opens the gateway's verification
// page: <public_url>/verify#GOVCHAIN-BL:1:…
const licenceFragmentMarker = "#GOVCHAIN-BL:"

// LicencePayloadURL is the text of a licence's QR code on a gateway with a public address
// (licence.public_url): the verification page with the payload as its fragment, which a
// browser never sends to the server.
func LicencePayloadURL(publicURL, payload string) string {
	return strings.TrimRight(publicURL, "/") + "/verify#" + payload
}

// ParseLicencePayload reads a QR payload (surrounding white space ignored): the bare payload,
// or a URL whose fragment is the payload (the text of a QR code that opens the verification
// page, LicencePayloadURL: everything up to and including the last '#' followed by
// "GOVCHAIN-BL:" is dropped). INVALID when it is neither.
func ParseLicencePayload(p string) (uscc string, version int, code string, err error) {
	p = strings.TrimSpace(p)
	if i := strings.LastIndex(p, licenceFragmentMarker); i >= 0 {
		p = p[i+1:]
	}
	rest, ok := strings.CutPrefix(p, LicencePayloadPrefix)
	bad := Errorf(CodeInvalid, "payload is not a govchain licence QR payload (%sUSCC:VERSION:CODE)", LicencePayloadPrefix)
	if !ok {
		return "", 0, "", bad
	}
	parts := strings.Split(rest, ":")
	if len(parts) != 3 {
		return "", 0, "", bad
	}
	if err := ValidateUSCCFormat("payload USCC", parts[0]); err != nil {
		return "", 0, "", err
	}
	v, err2 := strconv.Atoi(parts[1])
	if err2 != nil || v < 1 || v > MaxLicenceVersion || strconv.Itoa(v) != parts[1] {
		return "", 0, "", Errorf(CodeInvalid, "payload version must be 1..%d, got %q", MaxLicenceVersion, parts[1])
	}
	if _, err := NormalizeHash("payload verification code", parts[2]); err != nil || strings.ToLower(parts[2]) != parts[2] {
		return "", 0, "", Errorf(CodeInvalid, "payload verification code must be 64 lowercase hex characters")
	}
	return parts[0], v, parts[2], nil
}

// Subject is the business, version and verification code a validated request presents.
func (r *VerifyLicenceRequest) Subject() (uscc string, version int, code string) {
	if r.Licence != nil {
		return r.Licence.USCC, r.Licence.Version, r.Licence.VerificationCode
	}
	uscc, version, code, _ = ParseLicencePayload(r.Payload)
	return uscc, version, code
}

// ViewOf is the answer for version l of business b's licence: its standing (b's status),
// whether it is current (b.Licence names the current version) and its QR payload.
func ViewOf(l Licence, b *Business) LicenceView {
	v := LicenceView{Licence: l, Status: b.Status, StatusReason: b.StatusReason, QRPayload: LicencePayload(l)}
	if b.Licence != nil {
		cur := b.Licence.Version
		v.Current = l.Version == cur
		if !v.Current {
			v.SupersededBy = &cur
		}
	}
	return v
}

// VerifyLicence judges a presented licence (or QR payload) against the version recorded on
// the ledger (nil when there is none), the business's current version and status.
func VerifyLicence(req VerifyLicenceRequest, recorded *Licence, currentVersion int, status string) LicenceVerification {
	uscc, version, code := req.Subject()
	out := LicenceVerification{USCC: uscc, Version: version, TamperedFields: []string{}}
	if recorded == nil {
		out.Result = LicenceResultUnknown
		if currentVersion == 0 {
			out.Message = "No licence of business " + uscc + " is recorded on the ledger."
		} else {
			out.Status = status
			out.Message = fmt.Sprintf("Business %s has no licence version %d; its current version is %d.", uscc, version, currentVersion)
		}
		return out
	}
	out.Status = status
	if req.Licence != nil {
		out.TamperedFields = diffLicence(*req.Licence, *recorded)
	} else if code != recorded.VerificationCode {
		out.TamperedFields = []string{"verification_code"}
	}
	if len(out.TamperedFields) > 0 {
		out.Result = LicenceResultTampered
		out.Message = fmt.Sprintf("NOT AUTHENTIC: version %d of the licence of %s was altered (%s differ from the record on the ledger).",
			version, uscc, strings.Join(out.TamperedFields, ", "))
		return out
	}
	out.Valid = true
	if version == currentVersion {
		out.Current = true
		out.Result = LicenceResultValid
		out.Message = fmt.Sprintf("Authentic and current: version %d of the licence of %s (%s); the business is %s.", version, uscc, recorded.Name, status)
		return out
	}
	cur := currentVersion
	out.SupersededBy = &cur
	out.Result = LicenceResultSuperseded
	out.Message = fmt.Sprintf("Authentic but SUPERSEDED: version %d of the licence of %s was replaced by version %d; the business is %s.", version, uscc, currentVersion, status)
	return out
}

// diffLicence lists the fields of p that differ from r (JSON names, in field order),
// verification_code included.
func diffLicence(p, r Licence) []string {
	out := []string{}
	pj, rj := licenceFields(p), licenceFields(r)
	for _, k := range licenceFieldOrder {
		if pj[k] != rj[k] {
			out = append(out, k)
		}
	}
	if p.VerificationCode != r.VerificationCode {
		out = append(out, "verification_code")
	}
	return out
}

var licenceFieldOrder = []string{"licence_number", "uscc", "name", "entity_type", "legal_representative",
	"registered_capital_fen", "address", "business_scope", "established_on", "issuing_authority", "issued_at", "version"}
