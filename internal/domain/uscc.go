package domain

import (
	"fmt"
	"strings"
)

// USCC (Unified Social Credit Code, GB 32100-2015): 18 characters over usccAlphabet, the
// 18th a check character over the first 17.
const (
	USCCLength   = 18
	usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY" // no I, O, S, V, Z; value = index
)

// usccWeights are 3^(i-1) mod 31 for positions 1..17.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// legacyUSCCs are real early pilot codes that fail the check character. The list is compiled
// in on purpose: every endorser must decide the same way, so it cannot be per-peer
// configuration. Add codes here (with the source that proves them real) and redeploy.
var legacyUSCCs = []string{
	"91350203M0001QAY9B",
	"91350100M0001TGQXM",
}

// IsLegacyUSCC reports whether s is an allowlisted legacy code that is accepted although
// its check character is wrong.
func IsLegacyUSCC(s string) bool {
	for _, c := range legacyUSCCs {
		if c == s {
			return true
		}
	}
	return false
}

// USCCCheckChar computes the check character for the first 17 characters of a USCC.
// It returns an INVALID error when first17 is not 17 characters of the USCC alphabet.
func USCCCheckChar(first17 string) (byte, error) {
	if len(first17) != USCCLength-1 {
		return 0, Errorf(CodeInvalid, "uscc body must be %d characters, got %d", USCCLength-1, len(first17))
	}
	sum := 0
	for i := 0; i < len(first17); i++ {
		v := strings.IndexByte(usccAlphabet, first17[i])
		if v < 0 {
			return 0, badUSCCChar("uscc", first17, i)
		}
		sum += v * usccWeights[i]
	}
	check := (31 - sum%31) % 31
	return usccAlphabet[check], nil
}

// ValidateUSCCFormat checks length and alphabet only (INVALID otherwise). Use it for
// look-ups, where a wrong check character should read as "not found", not "invalid".
func ValidateUSCCFormat(field, s string) error {
	if len(s) != USCCLength {
		return Errorf(CodeInvalid, "%s must be %d characters, got %d (%q)", field, USCCLength, len(s), s)
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(usccAlphabet, s[i]) < 0 {
			return badUSCCChar(field, s, i)
		}
	}
	return nil
}

// ValidateUSCC checks a USCC: a bad length or a character outside the alphabet is INVALID,
// a wrong check character is UNPROCESSABLE ("check character is X, expected Y") unless the
// code is an allowlisted legacy code.
func ValidateUSCC(s string) error {
	return validateUSCCField("uscc", s)
}

func validateUSCCField(field, s string) error {
	if err := ValidateUSCCFormat(field, s); err != nil {
		return err
	}
	want, _ := USCCCheckChar(s[:USCCLength-1]) // format already checked
	if s[USCCLength-1] != want && !IsLegacyUSCC(s) {
		return Errorf(CodeUnprocessable, "%s %s: check character is %c, expected %c", field, s, s[USCCLength-1], want)
	}
	return nil
}

func badUSCCChar(field, s string, i int) error {
	hint := ""
	if c := s[i]; c >= 'a' && c <= 'z' {
		hint = " (letters must be upper case)"
	}
	return Errorf(CodeInvalid, "%s %q: character %d %s is not allowed%s; allowed: %s",
		field, s, i+1, fmt.Sprintf("%q", s[i]), hint, usccAlphabet)
}
