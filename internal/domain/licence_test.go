package domain_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

// sampleLicence is the licence of the test vector below.
func sampleLicence() domain.Licence {
	return domain.Licence{
		LicenceNumber:        "91430111MA4L41YT1U-001",
		USCC:                 "91430111MA4L41YT1U",
		Name:                 "长沙示例科技有限公司",
		EntityType:           "有限责任公司",
		LegalRepresentative:  "张三",
		RegisteredCapitalFen: 100000000,
		Address:              "长沙市雨花区示例路1号",
		BusinessScope:        "软件开发；信息技术咨询",
		EstablishedOn:        "2016-05-20",
		IssuingAuthority:     "长沙市雨花区市场监督管理局",
		IssuedAt:             "2026-01-02T03:04:05Z",
		Version:              1,
		VerificationCode:     "not covered by the code",
	}
}

// sampleCanonical is CanonicalLicence(sampleLicence()), written out by hand: the twelve
// fields but verification_code, keys in byte order, no white space, UTF-8 as is.
// Reproduce the code with:
//
//	printf '%s' '<sampleCanonical>' | sha256sum
const (
	sampleCanonical = `{"address":"长沙市雨花区示例路1号","business_scope":"软件开发；信息技术咨询","entity_type":"有限责任公司",` +
		`"established_on":"2016-05-20","issued_at":"2026-01-02T03:04:05Z","issuing_authority":"长沙市雨花区市场监督管理局",` +
		`"legal_representative":"张三","licence_number":"91430111MA4L41YT1U-001","name":"长沙示例科技有限公司",` +
		`"registered_capital_fen":100000000,"uscc":"91430111MA4L41YT1U","version":1}`
	sampleCode = "e6286175e492173b78ce8bcb33d9166a2017693ca49fc539dfc4932ed7772b43"
)

// encodeIndependently is the canonical form by another route: a map marshalled by
// encoding/json (which sorts map keys) without HTML escaping. It agrees with RFC 8785 for
// strings without U+2028/U+2029.
func encodeIndependently(t *testing.T, l domain.Licence) string {
	t.Helper()
	m := map[string]any{
		"licence_number": l.LicenceNumber, "uscc": l.USCC, "name": l.Name, "entity_type": l.EntityType,
		"legal_representative": l.LegalRepresentative, "registered_capital_fen": l.RegisteredCapitalFen,
		"address": l.Address, "business_scope": l.BusinessScope, "established_on": l.EstablishedOn,
		"issuing_authority": l.IssuingAuthority, "issued_at": l.IssuedAt, "version": l.Version,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(m))
	return strings.TrimSuffix(buf.String(), "\n")
}

func TestCanonicalLicenceTestVector(t *testing.T) {
	l := sampleLicence()
	require.Equal(t, sampleCanonical, string(domain.CanonicalLicence(l)))
	require.Equal(t, sampleCanonical, encodeIndependently(t, l))
	sum := sha256.Sum256([]byte(sampleCanonical))
	require.Equal(t, sampleCode, hex.EncodeToString(sum[:]))
	require.Equal(t, sampleCode, domain.LicenceCode(l))
}

func TestCanonicalLicenceForm(t *testing.T) {
	l := sampleLicence()
	c := domain.CanonicalLicence(l)
	require.True(t, json.Valid(c))

	// Keys: sorted, every field but verification_code.
	dec := json.NewDecoder(bytes.NewReader(c))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, k.(string))
		_, err = dec.Token()
		require.NoError(t, err)
	}
	require.True(t, sort.StringsAreSorted(keys), "%v", keys)
	require.Equal(t, []string{"address", "business_scope", "entity_type", "established_on", "issued_at", "issuing_authority",
		"legal_representative", "licence_number", "name", "registered_capital_fen", "uscc", "version"}, keys)
	require.NotContains(t, string(c), "verification_code")

	// No insignificant white space, raw UTF-8, no \u escapes.
	require.NotContains(t, string(c), " ")
	require.NotContains(t, string(c), "\n")
	require.NotContains(t, string(c), `\u`)
	require.Contains(t, string(c), `"name":"长沙示例科技有限公司"`)
}

func TestCanonicalLicenceEscapes(t *testing.T) {
	l := sampleLicence()
	l.Name = `A&B <C> "D" \E` + "\n\t\r\x01\x1f\x7f é 公司"
	l.Address = "a\bb\fc"
	l.BusinessScope = "line\u2028sep\u2029"
	c := string(domain.CanonicalLicence(l))
	require.True(t, json.Valid([]byte(c)))
	require.Contains(t, c, `"name":"A&B <C> \"D\" \\E\n\t\r\u0001\u001f`+"\x7f é 公司\"")
	require.Contains(t, c, `"address":"a\bb\fc"`)
	// RFC 8785 writes U+2028 and U+2029 as themselves (encoding/json would escape them).
	require.Contains(t, c, `"business_scope":"line`+"\u2028sep\u2029"+`"`)

	// Round trip: the canonical JSON decodes back to the same strings.
	var back map[string]any
	require.NoError(t, json.Unmarshal([]byte(c), &back))
	require.Equal(t, l.Name, back["name"])
	require.Equal(t, l.Address, back["address"])
	require.Equal(t, l.BusinessScope, back["business_scope"])

	// The independent construction agrees for strings without U+2028/U+2029.
	l.BusinessScope = "软件开发 & <咨询>"
	require.Equal(t, encodeIndependently(t, l), string(domain.CanonicalLicence(l)))
}

func TestCanonicalLicenceExtremeCapital(t *testing.T) {
	l := sampleLicence()
	l.RegisteredCapitalFen = domain.MaxMoneyFen
	require.Contains(t, string(domain.CanonicalLicence(l)), `"registered_capital_fen":1000000000000000,`)
	l.RegisteredCapitalFen = 0
	require.Contains(t, string(domain.CanonicalLicence(l)), `"registered_capital_fen":0,`)
}

// licenceFieldEdits changes one field of a licence each, by JSON name.
var licenceFieldEdits = []struct {
	field string
	edit  func(l *domain.Licence)
}{
	{"licence_number", func(l *domain.Licence) { l.LicenceNumber = "91430111MA4L41YT1U-009" }},
	{"uscc", func(l *domain.Licence) { l.USCC = "91430111MA4L41YT1W" }},
	{"name", func(l *domain.Licence) { l.Name += "分公司" }},
	{"entity_type", func(l *domain.Licence) { l.EntityType = "股份有限公司" }},
	{"legal_representative", func(l *domain.Licence) { l.LegalRepresentative = "李四" }},
	{"registered_capital_fen", func(l *domain.Licence) { l.RegisteredCapitalFen++ }},
	{"address", func(l *domain.Licence) { l.Address += "A座" }},
	{"business_scope", func(l *domain.Licence) { l.BusinessScope += "；食品经营" }},
	{"established_on", func(l *domain.Licence) { l.EstablishedOn = "2016-05-21" }},
	{"issuing_authority", func(l *domain.Licence) { l.IssuingAuthority = "长沙市市场监督管理局" }},
	{"issued_at", func(l *domain.Licence) { l.IssuedAt = "2026-01-02T03:04:06Z" }},
	{"version", func(l *domain.Licence) { l.Version++ }},
}

func TestLicenceCodeCoversEveryField(t *testing.T) {
	base := domain.LicenceCode(sampleLicence())
	require.Len(t, base, 64)
	require.Len(t, licenceFieldEdits, 12, "every field but verification_code")
	seen := map[string]string{"": base}
	for _, e := range licenceFieldEdits {
		t.Run(e.field, func(t *testing.T) {
			l := sampleLicence()
			e.edit(&l)
			code := domain.LicenceCode(l)
			require.NotEqual(t, base, code)
			for f, c := range seen {
				require.NotEqual(t, c, code, "same code as %q", f)
			}
			seen[e.field] = code
		})
	}
	t.Run("verification_code is not covered", func(t *testing.T) {
		l := sampleLicence()
		l.VerificationCode = base
		require.Equal(t, base, domain.LicenceCode(l))
		l.VerificationCode = ""
		require.Equal(t, base, domain.LicenceCode(l))
	})
	t.Run("white space matters", func(t *testing.T) {
		l := sampleLicence()
		l.Name += " "
		require.NotEqual(t, base, domain.LicenceCode(l))
	})
}

func TestLicenceNumber(t *testing.T) {
	require.Equal(t, "91430111MA4L41YT1U-001", domain.LicenceNumber("91430111MA4L41YT1U", 1))
	require.Equal(t, "91430111MA4L41YT1U-042", domain.LicenceNumber("91430111MA4L41YT1U", 42))
	require.Equal(t, "91430111MA4L41YT1U-1000", domain.LicenceNumber("91430111MA4L41YT1U", 1000))
}

func TestIssueLicence(t *testing.T) {
	b := domain.NewBusiness(validRegistration(), registrar)
	l, err := domain.IssueLicence(&b, registrar)
	require.NoError(t, err)
	want := domain.Licence{
		LicenceNumber:        "91430111MA4L41YT1U-001",
		USCC:                 b.USCC,
		Name:                 b.Name,
		EntityType:           b.EntityType,
		LegalRepresentative:  b.LegalRepresentative,
		RegisteredCapitalFen: b.RegisteredCapitalFen,
		Address:              b.Address,
		BusinessScope:        b.BusinessScope,
		EstablishedOn:        b.EstablishedOn,
		IssuingAuthority:     b.RegistrationAuthority,
		IssuedAt:             registrar.At,
		Version:              1,
	}
	want.VerificationCode = domain.LicenceCode(want)
	require.Equal(t, want, l)
	require.Equal(t, domain.LicenceCode(l), l.VerificationCode)
	// This is the test vector's licence.
	require.Equal(t, sampleCode, l.VerificationCode)
	require.Equal(t, &domain.LicenceRef{LicenceNumber: l.LicenceNumber, Version: 1, VerificationCode: l.VerificationCode,
		IssuedAt: registrar.At, TxID: registrar.TxID}, b.Licence)

	// An amendment of a printed particular issues version 2.
	amend := domain.AmendBusinessRequest{Changes: domain.BusinessChanges{Name: ptr("长沙新名科技有限公司")}, Reason: "更名"}
	require.NoError(t, domain.ApplyAmendment(&b, amend, supplier))
	require.True(t, domain.LicencePrinted(b.Amendments[0].Changes))
	l2, err := domain.IssueLicence(&b, supplier)
	require.NoError(t, err)
	require.Equal(t, 2, l2.Version)
	require.Equal(t, "91430111MA4L41YT1U-002", l2.LicenceNumber)
	require.Equal(t, "长沙新名科技有限公司", l2.Name)
	require.Equal(t, supplier.At, l2.IssuedAt)
	require.Equal(t, domain.LicenceCode(l2), l2.VerificationCode)
	require.NotEqual(t, l.VerificationCode, l2.VerificationCode)
	require.Equal(t, &domain.LicenceRef{LicenceNumber: l2.LicenceNumber, Version: 2, VerificationCode: l2.VerificationCode,
		IssuedAt: supplier.At, TxID: supplier.TxID}, b.Licence)
}

func TestIssueLicenceVersionCap(t *testing.T) {
	b := domain.NewBusiness(validRegistration(), registrar)
	b.Licence = &domain.LicenceRef{Version: domain.MaxLicenceVersion - 1}
	l, err := domain.IssueLicence(&b, registrar)
	require.NoError(t, err)
	require.Equal(t, domain.MaxLicenceVersion, l.Version)

	ref := *b.Licence
	_, err = domain.IssueLicence(&b, supplier)
	require.Equal(t, domain.CodeConflict, domain.ErrorCode(err), "%v", err)
	require.ErrorContains(t, err, "has issued 999999 licence versions")
	require.Equal(t, ref, *b.Licence, "unchanged on error")
}

func TestLicencePrinted(t *testing.T) {
	for _, f := range []string{"name", "address", "business_scope", "registered_capital_fen", "legal_representative"} {
		t.Run(f, func(t *testing.T) {
			require.True(t, domain.LicencePrinted([]domain.FieldChange{{Field: f, From: "a", To: "b"}}))
			require.True(t, domain.LicencePrinted([]domain.FieldChange{{Field: "other"}, {Field: f}}))
		})
	}
	for _, f := range []string{"entity_type", "status", "reason", "Name", ""} {
		t.Run("not "+f, func(t *testing.T) {
			require.False(t, domain.LicencePrinted([]domain.FieldChange{{Field: f}}))
		})
	}
	require.False(t, domain.LicencePrinted(nil))
	require.False(t, domain.LicencePrinted([]domain.FieldChange{}))
}

func TestLicencePayloadRoundTrip(t *testing.T) {
	l := sampleLicence()
	l.VerificationCode = sampleCode
	p := domain.LicencePayload(l)
	require.Equal(t, "GOVCHAIN-BL:1:91430111MA4L41YT1U:1:"+sampleCode, p)
	for _, in := range []string{p, "  " + p + "\n", "\t" + p + "\r\n"} {
		uscc, v, code, err := domain.ParseLicencePayload(in)
		require.NoError(t, err)
		require.Equal(t, l.USCC, uscc)
		require.Equal(t, 1, v)
		require.Equal(t, sampleCode, code)
	}
	l.Version = domain.MaxLicenceVersion
	uscc, v, code, err := domain.ParseLicencePayload(domain.LicencePayload(l))
	require.NoError(t, err)
	require.Equal(t, l.USCC, uscc)
	require.Equal(t, domain.MaxLicenceVersion, v)
	require.Equal(t, sampleCode, code)
}

// TestParseLicencePayloadURL: the text of a QR code that opens the verification page (a URL
// whose fragment is the payload) reads as the payload; a URL with any other fragment does not.
func TestParseLicencePayloadURL(t *testing.T) {
	const uscc = "91430111MA4L41YT1U"
	payload := "GOVCHAIN-BL:1:" + uscc + ":7:" + sampleCode
	require.Equal(t, "https://licence.gov.example/verify#"+payload, domain.LicencePayloadURL("https://licence.gov.example", payload))
	require.Equal(t, "https://gov.example/gw/verify#"+payload, domain.LicencePayloadURL("https://gov.example/gw/", payload))
	for _, in := range []string{
		"https://licence.gov.example/verify#" + payload,
		"http://127.0.0.1:8080/verify#" + payload,
		"  https://gov.example/gw/verify#" + payload + "\n",
		"https://gov.example/verify?lang=zh#" + payload,
		"#" + payload,
		"verify#" + payload,
		"https://gov.example/a#b/verify#" + payload, // the last '#GOVCHAIN-BL:' counts
		"https://gov.example/verify#GOVCHAIN-BL:#" + payload,
	} {
		u, v, code, err := domain.ParseLicencePayload(in)
		require.NoError(t, err, in)
		require.Equal(t, uscc, u, in)
		require.Equal(t, 7, v, in)
		require.Equal(t, sampleCode, code, in)
	}
	for _, in := range []string{
		"https://licence.gov.example/verify",
		"https://licence.gov.example/verify#",
		"https://licence.gov.example/verify#top",
		"https://licence.gov.example/verify#" + uscc,
		"https://licence.gov.example/verify#x" + payload,
		"https://licence.gov.example/verify# " + payload,
		"https://licence.gov.example/verify#" + strings.ToLower(payload[:12]) + payload[12:],
		"https://licence.gov.example/verify#GOVCHAIN-BL%3A1%3A" + uscc + "%3A7%3A" + sampleCode,
		"https://licence.gov.example/verify#" + payload + "#more",
		"https://licence.gov.example/verify#" + payload + "&x=1",
		"https://licence.gov.example/" + payload, // a path, not a fragment
		payload + "#",
	} {
		u, v, code, err := domain.ParseLicencePayload(in)
		require.Error(t, err, in)
		require.Equal(t, domain.CodeInvalid, domain.ErrorCode(err), in)
		require.Empty(t, u)
		require.Zero(t, v)
		require.Empty(t, code)
	}

	// VerifyLicence reads the URL form like the bare payload.
	req := domain.VerifyLicenceRequest{Payload: "https://licence.gov.example/verify#" + payload}
	require.NoError(t, req.Validate())
	rec := sampleLicence()
	rec.Version, rec.VerificationCode = 7, sampleCode
	got := domain.VerifyLicence(req, &rec, 7, "ACTIVE")
	require.Equal(t, domain.LicenceResultValid, got.Result)
	require.Equal(t, uscc, got.USCC)
	require.Equal(t, 7, got.Version)
}

func TestParseLicencePayloadRefusals(t *testing.T) {
	const uscc = "91430111MA4L41YT1U"
	cases := []struct {
		name, payload, contains string
	}{
		{"empty", "", "not a govchain licence QR payload"},
		{"wrong prefix", "GOVCHAIN-BL:2:" + uscc + ":1:" + sampleCode, "not a govchain licence QR payload"},
		{"lower-case prefix", "govchain-bl:1:" + uscc + ":1:" + sampleCode, "not a govchain licence QR payload"},
		{"a URL", "https://example.org/" + uscc, "not a govchain licence QR payload"},
		{"missing part", "GOVCHAIN-BL:1:" + uscc + ":" + sampleCode, "not a govchain licence QR payload"},
		{"extra part", "GOVCHAIN-BL:1:" + uscc + ":1:" + sampleCode + ":x", "not a govchain licence QR payload"},
		{"trailing colon", "GOVCHAIN-BL:1:" + uscc + ":1:" + sampleCode + ":", "not a govchain licence QR payload"},
		{"short USCC", "GOVCHAIN-BL:1:123:1:" + sampleCode, "payload USCC must be 18 characters"},
		{"lower-case USCC", "GOVCHAIN-BL:1:" + strings.ToLower(uscc) + ":1:" + sampleCode, "payload USCC"},
		{"version 0", "GOVCHAIN-BL:1:" + uscc + ":0:" + sampleCode, `payload version must be 1..999999, got "0"`},
		{"version 01", "GOVCHAIN-BL:1:" + uscc + ":01:" + sampleCode, `got "01"`},
		{"version +1", "GOVCHAIN-BL:1:" + uscc + ":+1:" + sampleCode, `got "+1"`},
		{"version -1", "GOVCHAIN-BL:1:" + uscc + ":-1:" + sampleCode, `got "-1"`},
		{"version 1000000", "GOVCHAIN-BL:1:" + uscc + ":1000000:" + sampleCode, `got "1000000"`},
		{"version empty", "GOVCHAIN-BL:1:" + uscc + "::" + sampleCode, `got ""`},
		{"version not a number", "GOVCHAIN-BL:1:" + uscc + ":v1:" + sampleCode, `got "v1"`},
		{"upper-case code", "GOVCHAIN-BL:1:" + uscc + ":1:" + strings.ToUpper(sampleCode), "payload verification code must be 64 lowercase hex characters"},
		{"short code", "GOVCHAIN-BL:1:" + uscc + ":1:" + sampleCode[:63], "payload verification code must be 64"},
		{"long code", "GOVCHAIN-BL:1:" + uscc + ":1:" + sampleCode + "0", "payload verification code must be 64"},
		{"non-hex code", "GOVCHAIN-BL:1:" + uscc + ":1:" + strings.Repeat("g", 64), "payload verification code must be 64"},
		{"empty code", "GOVCHAIN-BL:1:" + uscc + ":1:", "payload verification code must be 64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, v, code, err := domain.ParseLicencePayload(c.payload)
			require.Equal(t, domain.CodeInvalid, domain.ErrorCode(err), "%v", err)
			require.ErrorContains(t, err, c.contains)
			require.Empty(t, u)
			require.Zero(t, v)
			require.Empty(t, code)
		})
	}
}

func TestVerifyLicenceRequestValidate(t *testing.T) {
	good := sampleLicence()
	payload := "GOVCHAIN-BL:1:91430111MA4L41YT1U:1:" + sampleCode
	lic := func(edit func(l *domain.Licence)) *domain.Licence {
		l := sampleLicence()
		edit(&l)
		return &l
	}
	cases := []struct {
		name     string
		req      domain.VerifyLicenceRequest
		code     domain.Code
		contains string
	}{
		{"licence", domain.VerifyLicenceRequest{Licence: &good}, "", ""},
		{"payload", domain.VerifyLicenceRequest{Payload: payload}, "", ""},
		{"payload with white space", domain.VerifyLicenceRequest{Payload: " " + payload + "\n"}, "", ""},
		{"both", domain.VerifyLicenceRequest{Licence: &good, Payload: payload}, domain.CodeInvalid, "give exactly one of licence"},
		{"neither", domain.VerifyLicenceRequest{}, domain.CodeInvalid, "give exactly one of licence"},
		{"blank payload", domain.VerifyLicenceRequest{Payload: "  "}, domain.CodeInvalid, "not a govchain licence QR payload"},
		{"bad payload", domain.VerifyLicenceRequest{Payload: "GOVCHAIN-BL:1:91430111MA4L41YT1U:0:" + sampleCode}, domain.CodeInvalid, "payload version"},
		{"bad licence.uscc", domain.VerifyLicenceRequest{Licence: lic(func(l *domain.Licence) { l.USCC = "123" })}, domain.CodeInvalid, "licence.uscc must be 18 characters"},
		{"missing licence.uscc", domain.VerifyLicenceRequest{Licence: lic(func(l *domain.Licence) { l.USCC = "" })}, domain.CodeInvalid, "licence.uscc"},
		{"version 0", domain.VerifyLicenceRequest{Licence: lic(func(l *domain.Licence) { l.Version = 0 })}, domain.CodeInvalid, "licence.version must be 1..999999, got 0"},
		{"negative version", domain.VerifyLicenceRequest{Licence: lic(func(l *domain.Licence) { l.Version = -1 })}, domain.CodeInvalid, "licence.version"},
		{"version too large", domain.VerifyLicenceRequest{Licence: lic(func(l *domain.Licence) { l.Version = domain.MaxLicenceVersion + 1 })}, domain.CodeInvalid, "got 1000000"},
		{"tampered licence is still well-formed", domain.VerifyLicenceRequest{Licence: lic(func(l *domain.Licence) { l.Name = "x"; l.VerificationCode = "" })}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.req.Validate()
			require.Equal(t, c.code, domain.ErrorCode(err), "%v", err)
			if c.contains != "" {
				require.ErrorContains(t, err, c.contains)
			}
		})
	}
}

// twoLicenceVersions registers a business, issues its licence, renames it and issues version 2.
func twoLicenceVersions(t *testing.T) (v1, v2 domain.Licence) {
	t.Helper()
	b := domain.NewBusiness(validRegistration(), registrar)
	v1, err := domain.IssueLicence(&b, registrar)
	require.NoError(t, err)
	require.NoError(t, domain.ApplyAmendment(&b, domain.AmendBusinessRequest{
		Changes: domain.BusinessChanges{Address: ptr("长沙市岳麓区新址路2号")}, Reason: "迁址"}, supplier))
	v2, err = domain.IssueLicence(&b, supplier)
	require.NoError(t, err)
	return v1, v2
}

func TestVerifyLicenceValidAndSuperseded(t *testing.T) {
	v1, v2 := twoLicenceVersions(t)

	got := domain.VerifyLicence(domain.VerifyLicenceRequest{Licence: &v2}, &v2, 2, domain.StatusActive)
	require.Equal(t, domain.LicenceVerification{
		Valid: true, Current: true, Status: domain.StatusActive, SupersededBy: nil, Result: domain.LicenceResultValid,
		USCC: v2.USCC, Version: 2, TamperedFields: []string{}, Message: got.Message,
	}, got)
	require.Contains(t, got.Message, "Authentic and current: version 2")

	got = domain.VerifyLicence(domain.VerifyLicenceRequest{Licence: &v1}, &v1, 2, domain.StatusActive)
	require.Equal(t, domain.LicenceVerification{
		Valid: true, Current: false, Status: domain.StatusActive, SupersededBy: ptr(2), Result: domain.LicenceResultSuperseded,
		USCC: v1.USCC, Version: 1, TamperedFields: []string{}, Message: got.Message,
	}, got)
	require.Contains(t, got.Message, "SUPERSEDED: version 1")
	require.Contains(t, got.Message, "replaced by version 2")

	// tampered_fields encodes as [], superseded_by as null for the current version.
	j := snapshot(t, domain.VerifyLicence(domain.VerifyLicenceRequest{Licence: &v2}, &v2, 2, domain.StatusActive))
	require.Contains(t, j, `"tampered_fields":[]`)
	require.Contains(t, j, `"superseded_by":null`)
}

func TestVerifyLicenceTamperedFields(t *testing.T) {
	_, v2 := twoLicenceVersions(t)
	edits := append([]struct {
		field string
		edit  func(l *domain.Licence)
	}{}, licenceFieldEdits...)
	edits = append(edits, struct {
		field string
		edit  func(l *domain.Licence)
	}{"verification_code", func(l *domain.Licence) { l.VerificationCode = hexHash("0") }})
	for _, e := range edits {
		t.Run(e.field, func(t *testing.T) {
			presented := v2
			e.edit(&presented)
			got := domain.VerifyLicence(domain.VerifyLicenceRequest{Licence: &presented}, &v2, 2, domain.StatusActive)
			require.Equal(t, domain.LicenceResultTampered, got.Result)
			require.False(t, got.Valid)
			require.False(t, got.Current)
			require.Nil(t, got.SupersededBy)
			require.Equal(t, []string{e.field}, got.TamperedFields)
			require.Equal(t, domain.StatusActive, got.Status)
			require.Equal(t, presented.USCC, got.USCC)
			require.Equal(t, presented.Version, got.Version)
			require.Contains(t, got.Message, "NOT AUTHENTIC")
			require.Contains(t, got.Message, e.field)
		})
	}
	t.Run("forged code that matches the altered fields", func(t *testing.T) {
		presented := v2
		presented.Name = "伪造公司"
		presented.VerificationCode = domain.LicenceCode(presented)
		got := domain.VerifyLicence(domain.VerifyLicenceRequest{Licence: &presented}, &v2, 2, domain.StatusActive)
		require.Equal(t, domain.LicenceResultTampered, got.Result)
		require.Equal(t, []string{"name", "verification_code"}, got.TamperedFields)
	})
	t.Run("several fields in field order", func(t *testing.T) {
		presented := v2
		presented.IssuedAt = "2030-01-01T00:00:00Z"
		presented.Name = "x"
		presented.RegisteredCapitalFen = 1
		got := domain.VerifyLicence(domain.VerifyLicenceRequest{Licence: &presented}, &v2, 2, domain.StatusActive)
		require.Equal(t, []string{"name", "registered_capital_fen", "issued_at"}, got.TamperedFields)
	})
}

func TestVerifyLicencePayload(t *testing.T) {
	v1, v2 := twoLicenceVersions(t)

	got := domain.VerifyLicence(domain.VerifyLicenceRequest{Payload: " " + domain.LicencePayload(v2) + "\n"}, &v2, 2, domain.StatusActive)
	require.Equal(t, domain.LicenceResultValid, got.Result)
	require.True(t, got.Valid)
	require.True(t, got.Current)
	require.Nil(t, got.SupersededBy)
	require.Empty(t, got.TamperedFields)
	require.Equal(t, v2.USCC, got.USCC)
	require.Equal(t, 2, got.Version)

	got = domain.VerifyLicence(domain.VerifyLicenceRequest{Payload: domain.LicencePayload(v1)}, &v1, 2, domain.StatusActive)
	require.Equal(t, domain.LicenceResultSuperseded, got.Result)
	require.True(t, got.Valid)
	require.False(t, got.Current)
	require.Equal(t, ptr(2), got.SupersededBy)

	wrong := v2
	wrong.VerificationCode = v1.VerificationCode
	got = domain.VerifyLicence(domain.VerifyLicenceRequest{Payload: domain.LicencePayload(wrong)}, &v2, 2, domain.StatusActive)
	require.Equal(t, domain.LicenceResultTampered, got.Result)
	require.False(t, got.Valid)
	require.False(t, got.Current)
	require.Equal(t, []string{"verification_code"}, got.TamperedFields)
	require.Contains(t, got.Message, "NOT AUTHENTIC")
}

func TestVerifyLicenceUnknown(t *testing.T) {
	_, v2 := twoLicenceVersions(t)

	got := domain.VerifyLicence(domain.VerifyLicenceRequest{Licence: &v2}, nil, 0, "")
	require.Equal(t, domain.LicenceVerification{
		Result: domain.LicenceResultUnknown, USCC: v2.USCC, Version: 2, TamperedFields: []string{}, Status: "",
		Message: "No licence of business 91430111MA4L41YT1U is recorded on the ledger.",
	}, got)

	// A status given for an unknown business is not reported.
	got = domain.VerifyLicence(domain.VerifyLicenceRequest{Licence: &v2}, nil, 0, domain.StatusActive)
	require.Equal(t, domain.LicenceResultUnknown, got.Result)
	require.Empty(t, got.Status)

	presented := v2
	presented.Version = 5
	got = domain.VerifyLicence(domain.VerifyLicenceRequest{Licence: &presented}, nil, 3, domain.StatusSuspended)
	require.Equal(t, domain.LicenceVerification{
		Result: domain.LicenceResultUnknown, USCC: v2.USCC, Version: 5, TamperedFields: []string{}, Status: domain.StatusSuspended,
		Message: "Business 91430111MA4L41YT1U has no licence version 5; its current version is 3.",
	}, got)

	got = domain.VerifyLicence(domain.VerifyLicenceRequest{Payload: "GOVCHAIN-BL:1:91430111MA4L41YT1U:7:" + sampleCode}, nil, 3, domain.StatusActive)
	require.Equal(t, domain.LicenceResultUnknown, got.Result)
	require.Equal(t, 7, got.Version)
	require.Equal(t, domain.StatusActive, got.Status)
	require.False(t, got.Valid)
}

func TestVerifyLicenceStatusPassesThrough(t *testing.T) {
	v1, v2 := twoLicenceVersions(t)
	for _, s := range domain.BusinessStatuses() {
		t.Run(s, func(t *testing.T) {
			got := domain.VerifyLicence(domain.VerifyLicenceRequest{Licence: &v2}, &v2, 2, s)
			require.Equal(t, domain.LicenceResultValid, got.Result)
			require.True(t, got.Valid)
			require.Equal(t, s, got.Status)
			require.Contains(t, got.Message, "the business is "+s)

			got = domain.VerifyLicence(domain.VerifyLicenceRequest{Licence: &v1}, &v1, 2, s)
			require.Equal(t, domain.LicenceResultSuperseded, got.Result)
			require.Equal(t, s, got.Status)

			tampered := v2
			tampered.Address = "x"
			got = domain.VerifyLicence(domain.VerifyLicenceRequest{Licence: &tampered}, &v2, 2, s)
			require.Equal(t, domain.LicenceResultTampered, got.Result)
			require.Equal(t, s, got.Status)
		})
	}
}

func TestLicenceJSONNames(t *testing.T) {
	// The names the code covers are the Licence's JSON names.
	j := snapshot(t, sampleLicence())
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(j), &m))
	require.Len(t, m, 13)
	for _, e := range licenceFieldEdits {
		_, ok := m[e.field]
		require.True(t, ok, e.field)
	}
	_, ok := m["verification_code"]
	require.True(t, ok)
	require.EqualValues(t, 1, m["version"])
}
