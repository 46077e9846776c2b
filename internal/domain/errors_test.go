package domain_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

func TestErrorText(t *testing.T) {
	err := domain.Errorf(domain.CodeConflict, "invoice %s is claimed", "1")
	require.Equal(t, "CONFLICT: invoice 1 is claimed", err.Error())
}

func TestErrorCode(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want domain.Code
	}{
		{"a domain error", domain.Errorf(domain.CodeNotFound, "x"), domain.CodeNotFound},
		{"a wrapped domain error", fmt.Errorf("context: %w", domain.Errorf(domain.CodeForbidden, "x")), domain.CodeForbidden},
		{"an internal error", errors.New("disk on fire"), ""},
		{"nil", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, domain.ErrorCode(c.err))
		})
	}
}

func TestParseError(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		ok      bool
		code    domain.Code
		message string
	}{
		{"plain", "INVALID: uscc is required", true, domain.CodeInvalid, "uscc is required"},
		{"each code round-trips", "UNPROCESSABLE: x", true, domain.CodeUnprocessable, "x"},
		{"not found", "NOT_FOUND: business 1 is not registered", true, domain.CodeNotFound, "business 1 is not registered"},
		{"wrapped by the peer", "chaincode response 500, CONFLICT: invoice 1 is claimed by MarketMSP (CN=a) at t", true, domain.CodeConflict, "invoice 1 is claimed by MarketMSP (CN=a) at t"},
		{"first code wins", "FORBIDDEN: see CONFLICT: later", true, domain.CodeForbidden, "see CONFLICT: later"},
		{"code glued to a word is not a code", "XINVALID: nope", false, "", ""},
		{"glued occurrence skipped, later one found", "XINVALID: a, NOT_FOUND: b", true, domain.CodeNotFound, "b"},
		{"unknown code", "BROKEN: x", false, "", ""},
		{"no colon", "INVALID uscc", false, "", ""},
		{"empty", "", false, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, ok := domain.ParseError(c.in)
			require.Equal(t, c.ok, ok)
			if !ok {
				require.Nil(t, e)
				return
			}
			require.Equal(t, c.code, e.Code)
			require.Equal(t, c.message, e.Message)
		})
	}
}

func TestParseErrorRoundTripsEveryCode(t *testing.T) {
	for _, code := range []domain.Code{domain.CodeInvalid, domain.CodeUnprocessable, domain.CodeForbidden, domain.CodeNotFound, domain.CodeConflict} {
		t.Run(string(code), func(t *testing.T) {
			orig := domain.Errorf(code, "message with: colon")
			back, ok := domain.ParseError(orig.Error())
			require.True(t, ok)
			require.Equal(t, orig, back)
		})
	}
}
