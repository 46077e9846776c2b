package domain_test

import (
	"strings"
	"testing"
	"unicode"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

func TestContainsPersonalID(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want bool
	}{
		{"18-digit ID with valid check digit", "法人 11010519491231002X 张三", true},
		{"18-digit ID lower-case x", "11010519491231002x", true},
		{"18-digit ID with digit check", "110101198001010037", true},
		{"18 digits with a valid checksum but a birth year before 1900", "440524188001010014", false},
		{"18 digits with a wrong check digit", "110105194912310021", false},
		{"18 digits with an impossible date", "110105194913310028", false},
		{"15-digit first-generation ID", "id 110105491231002", true},
		{"15 digits with an impossible date", "110105491331002", false},
		{"20-digit invoice number", "24442000000000000001", false},
		{"11-digit phone number", "13800138000", false},
		{"no digits", "厦门市思明区", false},
		{"empty", "", false},

		// Security review: the filter was bypassed by full-width digits and by separators.
		{"full-width digits and X", "法人１１０１０５１９４９１２３１００２Ｘ", true},
		{"full-width small x", "１１０１０５１９４９１２３１００２ｘ", true},
		{"spaces between the fields", "110105 19491231 002X", true},
		{"hyphens", "110105-19491231-002X", true},
		{"dots", "110105.19491231.002X", true},
		{"slashes", "110105/19491231/002X", true},
		{"no-break spaces", "110105\u00a019491231\u00a0002X", true},
		{"full-width spaces", "110105\u300019491231\u3000002X", true},
		{"full-width hyphens", "110105－19491231－002X", true},
		{"a space before the check character", "1101051949123100 2 X", true},
		{"every digit apart", "1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2 X", true},
		{"zero-width spaces", "110105\u200b19491231\u200b002X", true},
		{"spaced hyphen", "110105 - 19491231 - 002X", true},
		{"mixed full-width and ASCII, grouped", "身份证：１１０１０５ 19491231 ００２X。", true},
		{"Arabic-Indic digits", "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", true},
		{"mathematical digits", "𝟏𝟏𝟎𝟏𝟎𝟓𝟏𝟗𝟒𝟗𝟏𝟐𝟑𝟏𝟎𝟎𝟐X", true},
		{"Cyrillic Х as the check character", "11010519491231002Х", true},
		{"Roman numeral ten as the check character", "11010519491231002Ⅹ", true},
		{"digit check with separators", "110101 19800101 0037", true},
		{"ID after another group", "tel 0592 110101 19800101 0037", true},
		{"ID before another group", "110101 19800101 0037 12", true},
		{"15-digit ID grouped 6-6-3", "110105 491231 002", true},
		{"15-digit ID in full-width digits", "１１０１０５４９１２３１００２", true},

		// … while keeping false positives as rare as before.
		{"spaced digits with a wrong check character", "110105 19491231 0021", false},
		{"spaced digits with an impossible date", "110105 19491331 002X", false},
		{"19 spaced digits", "110105 19491231 002 15", false},
		{"ID inside a longer group is not an ID", "9110105 19491231 002X", false},
		{"phone numbers", "电话 138-0013-8000 / 0592-1234567", false},
		{"date range", "有效期 2019-01-01 - 2024-12-31", false},
		{"date range with full-width digits", "２０１９．０１．０１－２０２４．１２．３１", false},
		{"phone number and date", "13800138000 2024-01-01", false},
		{"15 digits not grouped like an ID", "0592 1234 5678 491", false},
		{"amount with thousands separators", "1,234,567,890,123,456,789", false},
		{"separators too far apart", "110105     19491231     002X", false},
		{"letters between the groups", "110105 a 19491231 002X", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, domain.ContainsPersonalID(c.in))
		})
	}
}

// TestDecimalDigitTable checks what decimalDigit relies on: Go's table of decimal digits
// lists whole sets of ten consecutive code points, each starting at its zero.
func TestDecimalDigitTable(t *testing.T) {
	for _, r := range unicode.Digit.R16 {
		require.Equal(t, uint16(1), r.Stride, "%x", r.Lo)
		require.Zero(t, (r.Hi-r.Lo+1)%10, "%x-%x", r.Lo, r.Hi)
	}
	for _, r := range unicode.Digit.R32 {
		require.Equal(t, uint32(1), r.Stride, "%x", r.Lo)
		require.Zero(t, (r.Hi-r.Lo+1)%10, "%x-%x", r.Lo, r.Hi)
	}
	for _, zero := range []rune{'0', 0x0660, 0x0966, 0xff10, 0x1d7ce, 0x1d7d8} {
		require.True(t, domain.ContainsPersonalID(string([]rune{zero + 1, zero + 1, zero, zero + 1, zero, zero + 5, zero + 1, zero + 9, zero + 4, zero + 9, zero + 1, zero + 2, zero + 3, zero + 1, zero, zero, zero + 2, 'X'})), "%x", zero)
	}
}

func TestPersonalIDInTextFields(t *testing.T) {
	// Text fields refuse a disguised ID as they refuse a plain one.
	for _, s := range []string{"１１０１０５１９４９１２３１００２Ｘ", "110105 19491231 002X", "110105-19491231-002X"} {
		t.Run(s, func(t *testing.T) {
			r := domain.DepositRequest{Hash: strings.Repeat("a", 64), HashAlgorithm: "sha256", FileName: "f.pdf", MediaType: "application/pdf",
				Category: "c", Description: "法人 " + s}
			err := r.Validate()
			require.Equal(t, domain.CodeUnprocessable, domain.ErrorCode(err), "%v", err)
			require.ErrorContains(t, err, "description appears to contain a personal ID number")
		})
	}
}

func TestPageSize(t *testing.T) {
	cases := []struct {
		in   int32
		want int32
		ok   bool
	}{
		{0, 20, true}, {1, 1, true}, {100, 100, true}, {101, 0, false}, {-1, 0, false},
	}
	for _, c := range cases {
		t.Run("", func(t *testing.T) {
			got, err := domain.PageSize(c.in)
			if !c.ok {
				require.Equal(t, domain.CodeInvalid, domain.ErrorCode(err))
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}

func TestDecodeJSON(t *testing.T) {
	type req struct {
		Name  string   `json:"name"`
		Count int64    `json:"count"`
		Tags  []string `json:"tags"`
	}
	cases := []struct {
		name     string
		in       string
		contains string
	}{
		{"valid", `{"name":"a","count":2}`, ""},
		{"unknown field", `{"name":"a","colour":"red"}`, `unknown field "colour"`},
		{"wrong type names the field", `{"count":"two"}`, "field count must be an integer, got string"},
		{"wrong array type", `{"tags":"x"}`, "field tags must be an array"},
		{"not an object", `[1]`, "expected an object, got array"},
		{"trailing data", `{"name":"a"} {}`, "unexpected data after the JSON object"},
		{"syntax error", `{"name":}`, "malformed JSON"},
		{"truncated", `{"name":"a"`, "unexpected end"},
		{"empty", `  `, "a JSON object is required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r req
			err := domain.DecodeJSON("request", []byte(c.in), &r)
			if c.contains == "" {
				require.NoError(t, err)
				require.Equal(t, req{Name: "a", Count: 2}, r)
				return
			}
			require.Equal(t, domain.CodeInvalid, domain.ErrorCode(err), "%v", err)
			require.ErrorContains(t, err, "request: ")
			require.ErrorContains(t, err, c.contains)
		})
	}
}
