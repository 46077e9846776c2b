package domain_test

import (
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

func TestUSCCCheckChar(t *testing.T) {
	cases := []struct {
		name, body string
		want       byte
	}{
		{"Changsha enterprise", "91430111MA4L41YT1", 'U'},
		{"Xiamen enterprise", "91350200776049653", 'A'},
		{"all zeros maps 31 to 0", "00000000000000000", '0'},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := domain.USCCCheckChar(c.body)
			require.NoError(t, err)
			require.Equal(t, string(c.want), string(got))
		})
	}
	t.Run("wrong length is INVALID", func(t *testing.T) {
		_, err := domain.USCCCheckChar("9143")
		require.Equal(t, domain.CodeInvalid, domain.ErrorCode(err))
	})
	t.Run("character outside the alphabet is INVALID", func(t *testing.T) {
		_, err := domain.USCCCheckChar("9143011IMA4L41YT1")
		require.Equal(t, domain.CodeInvalid, domain.ErrorCode(err))
	})
}

func TestValidateUSCC(t *testing.T) {
	cases := []struct {
		name     string
		in       string
		code     domain.Code
		contains string
	}{
		{"real code passes", "91430111MA4L41YT1U", "", ""},
		{"another real code passes", "91350200776049653A", "", ""},
		{"legacy pilot code on the allowlist passes", "91350203M0001QAY9B", "", ""},
		{"second legacy pilot code passes", "91350100M0001TGQXM", "", ""},
		{"wrong check character names both", "91430111MA4L41YT1X", domain.CodeUnprocessable, "check character is X, expected U"},
		{"too short", "91430111MA4L41YT1", domain.CodeInvalid, "18 characters, got 17"},
		{"too long", "91430111MA4L41YT1UU", domain.CodeInvalid, "18 characters, got 19"},
		{"empty", "", domain.CodeInvalid, "got 0"},
		{"forbidden letter I", "9143011IMA4L41YT1U", domain.CodeInvalid, "character 8 'I' is not allowed"},
		{"forbidden letter O", "91430111MA4L41YO1U", domain.CodeInvalid, "'O'"},
		{"lower case is refused with a hint", "91430111ma4l41yt1u", domain.CodeInvalid, "upper case"},
		{"multi-byte character", "91430111MA4L41YT中", domain.CodeInvalid, "characters"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := domain.ValidateUSCC(c.in)
			require.Equal(t, c.code, domain.ErrorCode(err), "%v", err)
			if c.contains != "" {
				require.ErrorContains(t, err, c.contains)
			}
		})
	}
}

func TestLegacyAllowlistOnlyCoversCodesThatFailTheCheck(t *testing.T) {
	for _, code := range []string{"91350203M0001QAY9B", "91350100M0001TGQXM"} {
		t.Run(code, func(t *testing.T) {
			require.True(t, domain.IsLegacyUSCC(code))
			want, err := domain.USCCCheckChar(code[:17])
			require.NoError(t, err)
			require.NotEqual(t, string(want), code[17:], "an allowlisted code should really fail the check")
		})
	}
	require.False(t, domain.IsLegacyUSCC("91430111MA4L41YT1U"))
}

func TestValidateUSCCFormatIgnoresCheckCharacter(t *testing.T) {
	require.NoError(t, domain.ValidateUSCCFormat("seller", "91430111MA4L41YT1X"))
	err := domain.ValidateUSCCFormat("seller", "short")
	require.Equal(t, domain.CodeInvalid, domain.ErrorCode(err))
	require.ErrorContains(t, err, "seller must be 18 characters")
}

func TestValidateInvoiceNumber(t *testing.T) {
	cases := []struct {
		name string
		in   string
		ok   bool
	}{
		{"20 digits", "24442000000000000001", true},
		{"19 digits", "2444200000000000001", false},
		{"21 digits", "244420000000000000011", false},
		{"letter inside", "2444200000000000000A", false},
		{"full-width digits", "２４４４２０００００００００００００００１", false},
		{"empty", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := domain.ValidateInvoiceNumber("number", c.in)
			if c.ok {
				require.NoError(t, err)
				return
			}
			require.Equal(t, domain.CodeInvalid, domain.ErrorCode(err))
			require.ErrorContains(t, err, "exactly 20 digits")
		})
	}
}
