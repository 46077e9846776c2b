package domain_test

import (
	"strings"
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

func TestNormalizeHash(t *testing.T) {
	lower := strings.Repeat("ab12", 16)
	cases := []struct {
		name, in, want string
		code           domain.Code
	}{
		{"lowercase passes unchanged", lower, lower, ""},
		{"uppercase is normalised", strings.ToUpper(lower), lower, ""},
		{"63 characters", lower[:63], "", domain.CodeInvalid},
		{"65 characters", lower + "a", "", domain.CodeInvalid},
		{"non-hex letter", strings.Repeat("g", 64), "", domain.CodeInvalid},
		{"empty", "", "", domain.CodeInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := domain.NormalizeHash("hash", c.in)
			require.Equal(t, c.code, domain.ErrorCode(err))
			require.Equal(t, c.want, got)
		})
	}
}

func TestNormalizeHashAlgorithm(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"sha256", "sha256", true},
		{"sm3", "sm3", true},
		{"SM3", "sm3", true},
		{"md5", "", false},
		{"sha-256", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := domain.NormalizeHashAlgorithm("hash_algorithm", c.in)
			if !c.ok {
				require.Equal(t, domain.CodeInvalid, domain.ErrorCode(err))
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}
