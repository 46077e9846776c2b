package domain

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Maximum lengths (in characters) of free-text fields.
const (
	MaxNameLen       = 200
	MaxShortTextLen  = 100
	MaxAddressLen    = 500
	MaxLongTextLen   = 2000
	MaxPersonNameLen = 50
	MaxReferenceLen  = 200
	MaxFileNameLen   = 255
	MaxMediaTypeLen  = 127
	DateLayout       = "2006-01-02" // YYYY-MM-DD
	TimestampLayout  = time.RFC3339 // record times, always UTC
)

// textRule describes one free-text field.
type textRule struct {
	field     string
	max       int
	required  bool
	multiline bool // allows \n and \t
}

// check validates s: required, valid UTF-8, at most max characters, printable (so it sorts
// and indexes cleanly), and free of personal ID numbers, which must never reach the ledger.
func (r textRule) check(s string) error {
	if strings.TrimSpace(s) == "" {
		if r.required {
			return Errorf(CodeInvalid, "%s is required", r.field)
		}
		if s == "" {
			return nil
		}
		return Errorf(CodeInvalid, "%s must not be blank", r.field)
	}
	if !utf8.ValidString(s) {
		return Errorf(CodeInvalid, "%s is not valid UTF-8", r.field)
	}
	if n := utf8.RuneCountInString(s); n > r.max {
		return Errorf(CodeInvalid, "%s is %d characters long; at most %d allowed", r.field, n, r.max)
	}
	pos := 0
	for _, c := range s {
		pos++
		if unicode.IsPrint(c) || r.multiline && (c == '\n' || c == '\t') {
			continue
		}
		return Errorf(CodeInvalid, "%s contains a control or unprintable character %U at position %d", r.field, c, pos)
	}
	if ContainsPersonalID(s) {
		return Errorf(CodeUnprocessable, "%s appears to contain a personal ID number; personal ID numbers must not be stored on the ledger", r.field)
	}
	return nil
}

// checkPersonName validates a natural person's name: text without any digit, so that no ID
// or phone number is written next to it.
func checkPersonName(field, s string) error {
	if err := (textRule{field: field, max: MaxPersonNameLen, required: true}).check(s); err != nil {
		return err
	}
	for _, c := range s {
		if unicode.IsDigit(c) {
			return Errorf(CodeUnprocessable, "%s must be the person's name only (no ID, phone or other numbers)", field)
		}
	}
	return nil
}

// checkDate validates a YYYY-MM-DD calendar date (INVALID otherwise).
func checkDate(field, s string) error {
	if s == "" {
		return Errorf(CodeInvalid, "%s is required (YYYY-MM-DD)", field)
	}
	if _, err := time.Parse(DateLayout, s); err != nil {
		return Errorf(CodeInvalid, "%s must be a date YYYY-MM-DD, got %q", field, s)
	}
	return nil
}

// ContainsPersonalID reports whether s contains what looks like a PRC resident identity
// number: 18 characters (17 digits and a digit or X) with a plausible birth date and a
// valid GB 11643 check character, or 15 digits with a plausible birth date (first
// generation). Longer or shorter digit runs (invoice numbers, phone numbers) do not match.
func ContainsPersonalID(s string) bool {
	b := []byte(s)
	for i := 0; i < len(b); {
		if !isDigit(b[i]) {
			i++
			continue
		}
		j := i
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		run := string(b[i:j])
		if j < len(b) && (b[j] == 'X' || b[j] == 'x') && len(run) == 17 {
			run += "X"
			j++
		}
		if looksLikeResidentID(run) {
			return true
		}
		i = j
	}
	return false
}

var residentIDWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const residentIDChecks = "10X98765432"

func looksLikeResidentID(run string) bool {
	switch len(run) {
	case 18:
		if !plausibleDate(run[6:14]) {
			return false
		}
		sum := 0
		for k := 0; k < 17; k++ {
			sum += int(run[k]-'0') * residentIDWeights[k]
		}
		return run[17] == residentIDChecks[sum%11]
	case 15:
		return plausibleDate("19" + run[6:12])
	}
	return false
}

// plausibleDate reports whether yyyymmdd (8 digits) is a real date from 1900 to 2099.
func plausibleDate(yyyymmdd string) bool {
	for i := 0; i < len(yyyymmdd); i++ {
		if !isDigit(yyyymmdd[i]) {
			return false
		}
	}
	y := yyyymmdd[:4]
	if y < "1900" || y > "2099" {
		return false
	}
	_, err := time.Parse("20060102", yyyymmdd)
	return err == nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
