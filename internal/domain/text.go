package domain

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
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
//
// It sees through the usual disguises (security review): every Unicode decimal digit and
// compatibility form of a digit or X counts as that digit or X (full-width
// `１１０１０５…Ｘ`, mathematical or other scripts' digits, X look-alikes), and digit
// groups joined by separators — spaces of any kind, `-` `.` `/` `,` `_` `\`, dashes, middle
// dots, invisible format characters, up to three in a row — are read as one number. The
// standard stays that of a plain digit run: the ID must be made of whole groups (it starts
// where a group starts and ends where one ends), an 18-character ID needs its valid check
// character and birth date, and a 15-digit one, which has no check character, is matched
// across separators only when they fall where its fields meet (6-6-3), so that phone
// numbers, dates and date ranges in text are not refused.
func ContainsPersonalID(s string) bool {
	var chain []idGroup // digit and X groups joined by separators
	var cur []byte      // the digit group being read
	gap := 0            // separators since the last digit or X
	flush := func() {
		if len(cur) > 0 {
			chain = append(chain, idGroup{digits: string(cur)})
			cur = cur[:0]
		}
	}
	for _, r := range s {
		switch kind, d := classifyIDRune(r); kind {
		case idDigit:
			if gap > 0 {
				flush()
			}
			cur = append(cur, d)
			gap = 0
		case idX:
			flush()
			chain = append(chain, idGroup{x: true})
			gap = 0
		case idSeparator:
			flush()
			if gap++; gap > maxIDSeparatorGap {
				if chainHasID(chain) {
					return true
				}
				chain = chain[:0]
			}
		default:
			flush()
			if chainHasID(chain) {
				return true
			}
			chain, gap = chain[:0], 0
		}
	}
	flush()
	return chainHasID(chain)
}

// maxIDSeparatorGap is the longest run of separators that still joins two digit groups
// (e.g. " - ").
const maxIDSeparatorGap = 3

// idGroup is a maximal run of digits (ASCII after normalisation), or an X.
type idGroup struct {
	digits string
	x      bool
}

// chainHasID reports whether consecutive whole groups of chain form a resident ID number.
func chainHasID(chain []idGroup) bool {
	for i := range chain {
		if chain[i].x {
			continue
		}
		var b strings.Builder
		fieldBoundaries := true // every group boundary so far falls at 6 or 12 (15-digit IDs)
		for j := i; j < len(chain); j++ {
			g := chain[j]
			if g.x {
				if b.Len() == 17 && looksLikeResidentID(b.String()+"X") {
					return true
				}
				break
			}
			if j > i && b.Len() != 6 && b.Len() != 12 {
				fieldBoundaries = false
			}
			b.WriteString(g.digits)
			if n := b.Len(); n == 18 || n == 15 && fieldBoundaries {
				if looksLikeResidentID(b.String()) {
					return true
				}
			}
			if b.Len() > 18 {
				break
			}
		}
	}
	return false
}

type idRuneKind int

const (
	idOther idRuneKind = iota
	idDigit
	idX
	idSeparator
)

// classifyIDRune tells how the ID filter reads r: a digit (with its ASCII digit), an X, a
// separator or anything else.
func classifyIDRune(r rune) (idRuneKind, byte) {
	if r < utf8.RuneSelf {
		return classifyIDASCII(byte(r))
	}
	if d, ok := decimalDigit(r); ok {
		return idDigit, '0' + d
	}
	// Compatibility forms: full-width digits, X and punctuation, NBSP and ideographic space,
	// superscript and circled digits, Roman numeral ten, …
	if m := norm.NFKC.String(string(r)); len(m) == 1 {
		if k, d := classifyIDASCII(m[0]); k != idOther {
			return k, d
		}
	}
	switch {
	case strings.ContainsRune(xLookalikes, r):
		return idX, 'X'
	case strings.ContainsRune(idSeparators, r),
		unicode.IsSpace(r), unicode.In(r, unicode.Zs, unicode.Pd, unicode.Cf, unicode.Mn, unicode.Me):
		return idSeparator, 0
	}
	return idOther, 0
}

// xLookalikes read as the check character X: Cyrillic and Greek capital and small X (chi),
// the multiplication sign.
const xLookalikes = "\u0425\u0445\u03a7\u03c7\u00d7"

// idSeparators are the non-ASCII separators that NFKC does not map to ASCII ones: middle
// dots and the ideographic comma.
const idSeparators = "\u00b7\u2027\u2219\u30fb\uff65\u3001"

func classifyIDASCII(c byte) (idRuneKind, byte) {
	switch {
	case isDigit(c):
		return idDigit, c
	case c == 'X' || c == 'x':
		return idX, 'X'
	case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '-' || c == '.' || c == '/' || c == ',' || c == '_' || c == '\\':
		return idSeparator, 0
	}
	return idOther, 0
}

// decimalDigit returns the value of a Unicode decimal digit (category Nd). Unicode encodes
// every decimal digit set as ten consecutive code points from zero to nine, and the
// unicode.Digit table lists them in whole sets (TestDecimalDigitTable checks this), so
// the value is the distance from the start of its range, mod 10.
func decimalDigit(r rune) (byte, bool) {
	if r >= '0' && r <= '9' {
		return byte(r - '0'), true
	}
	if !unicode.IsDigit(r) {
		return 0, false
	}
	for _, rg := range unicode.Digit.R16 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return byte((r - rune(rg.Lo)) % 10), true
		}
	}
	for _, rg := range unicode.Digit.R32 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return byte((r - rune(rg.Lo)) % 10), true
		}
	}
	return 0, false
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
