package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govchain/govchain/gateway/internal/config"
	"github.com/stretchr/testify/require"
)

// financeIdentity adds a server-signing market finance identity before api_keys.
const financeIdentity = `  - org: market
    role: finance
    msp_id: MarketMSP
    cert: ../orgs/finance-cert.pem
    key: ../orgs/finance-key.pem
    ca_cert: ../orgs/tlsca-cert.pem
    peer: peer0.market
api_keys:
`

func appendYAML(extra string) func(string) string {
	return func(y string) string { return y + extra }
}

func TestLicenceConfig(t *testing.T) {
	t.Run("defaults: 30 a minute, bursts of 10, market/registrar verifies, no proxy trusted, no font", func(t *testing.T) {
		cfg, err := config.Load(fixture(t, nil), noEnv)
		require.NoError(t, err)
		require.Equal(t, config.DefaultVerifyRatePerMinute, cfg.Licence.VerifyRatePerMinute)
		require.Equal(t, 30, cfg.Licence.VerifyRatePerMinute)
		require.Equal(t, 10, cfg.Licence.VerifyBurst)
		require.Empty(t, cfg.TrustedProxies)
		require.Empty(t, cfg.Licence.FontFile)
		id, ok := cfg.VerifyIdentity()
		require.True(t, ok)
		require.Equal(t, "market/registrar", id.Label())
	})

	t.Run("the keys are read, the font path relative to the file", func(t *testing.T) {
		path := fixture(t, appendYAML(`licence:
  font_file: font.ttc
  verify_identity: market/finance
  verify_rate_per_minute: 120
  verify_burst: 3
trusted_proxies: [10.0.0.1, 192.168.0.0/16]
`))
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(raw), "api_keys:\n", financeIdentity, 1)), 0o600))
		font := filepath.Join(filepath.Dir(path), "font.ttc")
		require.NoError(t, os.WriteFile(font, []byte("not really a font"), 0o600))
		cfg, err := config.Load(path, noEnv)
		require.NoError(t, err)
		require.Equal(t, font, cfg.Licence.FontFile)
		require.Equal(t, 120, cfg.Licence.VerifyRatePerMinute)
		require.Equal(t, 3, cfg.Licence.VerifyBurst)
		require.Equal(t, []string{"10.0.0.1", "192.168.0.0/16"}, cfg.TrustedProxies)
		id, ok := cfg.VerifyIdentity()
		require.True(t, ok)
		require.Equal(t, "market/finance", id.Label())
	})

	t.Run("environment overrides", func(t *testing.T) {
		font := filepath.Join(t.TempDir(), "wqy.ttc")
		require.NoError(t, os.WriteFile(font, []byte("x"), 0o600))
		env := map[string]string{
			"GOVCHAIN_GATEWAY_TRUSTED_PROXIES":                "10.1.2.3, 10.9.0.0/16",
			"GOVCHAIN_GATEWAY_LICENCE_FONT_FILE":              font,
			"GOVCHAIN_GATEWAY_LICENCE_VERIFY_IDENTITY":        "market/registrar",
			"GOVCHAIN_GATEWAY_LICENCE_VERIFY_RATE_PER_MINUTE": "5",
			"GOVCHAIN_GATEWAY_LICENCE_VERIFY_BURST":           "2",
		}
		cfg, err := config.Load(fixture(t, nil), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		require.NoError(t, err)
		require.Equal(t, []string{"10.1.2.3", "10.9.0.0/16"}, cfg.TrustedProxies)
		require.Equal(t, font, cfg.Licence.FontFile)
		require.Equal(t, "market/registrar", cfg.Licence.VerifyIdentity)
		require.Equal(t, 5, cfg.Licence.VerifyRatePerMinute)
		require.Equal(t, 2, cfg.Licence.VerifyBurst)

		_, err = config.Load(fixture(t, nil), func(k string) (string, bool) {
			return "many", k == "GOVCHAIN_GATEWAY_LICENCE_VERIFY_BURST"
		})
		require.ErrorContains(t, err, "GOVCHAIN_GATEWAY_LICENCE_VERIFY_BURST")
	})

	t.Run("licence.public_url: unset by default, read from the file or the environment", func(t *testing.T) {
		cfg, err := config.Load(fixture(t, nil), noEnv)
		require.NoError(t, err)
		require.Empty(t, cfg.Licence.PublicURL)
		for _, u := range []string{"https://licence.gov.example", "http://127.0.0.1:8080", "https://gov.example/licences/", "http://[::1]:8080"} {
			cfg, err = config.Load(fixture(t, appendYAML("licence: {public_url: \""+u+"\"}\n")), noEnv)
			require.NoError(t, err, u)
			require.Equal(t, u, cfg.Licence.PublicURL)
		}
		cfg, err = config.Load(fixture(t, appendYAML("licence: {public_url: \"https://a.example\"}\n")), func(k string) (string, bool) {
			return " https://licence.gov.example ", k == "GOVCHAIN_GATEWAY_LICENCE_PUBLIC_URL"
		})
		require.NoError(t, err)
		require.Equal(t, "https://licence.gov.example", cfg.Licence.PublicURL)
		_, err = config.Load(fixture(t, nil), func(k string) (string, bool) {
			return "licence.gov.example", k == "GOVCHAIN_GATEWAY_LICENCE_PUBLIC_URL"
		})
		require.ErrorContains(t, err, "licence.public_url")
	})

	t.Run("without a market registrar the first server-signing market identity verifies", func(t *testing.T) {
		cfg, err := config.Load(fixture(t, withClientIdentity(func(y string) string {
			return strings.Replace(y, "api_keys:\n", financeIdentity, 1)
		})), noEnv)
		require.NoError(t, err)
		require.Equal(t, []string{"market/registrar", "market/registrar/registrar-cs", "market/finance"},
			[]string{cfg.Identities[0].Label(), cfg.Identities[1].Label(), cfg.Identities[2].Label()})
		cfg.Identities = cfg.Identities[1:]
		id, ok := cfg.VerifyIdentity()
		require.True(t, ok)
		require.Equal(t, "market/finance", id.Label(), "a client-signed identity never verifies for outsiders")
		cfg.Identities = cfg.Identities[:1]
		_, ok = cfg.VerifyIdentity()
		require.False(t, ok, "no server-signing market identity: no public verification")
	})

	cases := []struct {
		name string
		edit func(string) string
		want []string
	}{
		{"an unknown verify identity", appendYAML("licence: {verify_identity: tax/auditor}\n"), []string{"licence.verify_identity", "no such identity"}},
		{"a malformed verify identity", appendYAML("licence: {verify_identity: registrar}\n"), []string{"licence.verify_identity", "ORG/ROLE"}},
		{"a client-signed verify identity", withClientIdentity(appendYAML("licence: {verify_identity: market/registrar/registrar-cs}\n")), []string{"licence.verify_identity", "server-signing"}},
		{"a missing font file", appendYAML("licence: {font_file: nowhere.ttc}\n"), []string{"licence.font_file"}},
		{"a font file that is a directory", appendYAML("licence: {font_file: .}\n"), []string{"licence.font_file", "regular file"}},
		{"a negative rate", appendYAML("licence: {verify_rate_per_minute: -1}\n"), []string{"licence.verify_rate_per_minute"}},
		{"a huge burst", appendYAML("licence: {verify_burst: 1000000}\n"), []string{"licence.verify_burst"}},
		{"a proxy that is no address", appendYAML("trusted_proxies: [proxy.example]\n"), []string{"trusted_proxies[0]", "proxy.example"}},
		{"an unknown licence key", appendYAML("licence: {font: x}\n"), []string{"font"}},
		{"a relative public URL", appendYAML("licence: {public_url: licence.gov.example}\n"), []string{"licence.public_url", "absolute"}},
		{"a public URL without scheme", appendYAML("licence: {public_url: //licence.gov.example}\n"), []string{"licence.public_url", "http"}},
		{"a public URL of another scheme", appendYAML("licence: {public_url: \"ftp://licence.gov.example\"}\n"), []string{"licence.public_url", "http"}},
		{"a public URL without host", appendYAML("licence: {public_url: \"https:///verify\"}\n"), []string{"licence.public_url", "host"}},
		{"a public URL with a query", appendYAML("licence: {public_url: \"https://licence.gov.example/?a=1\"}\n"), []string{"licence.public_url", "query"}},
		{"a public URL with an empty query", appendYAML("licence: {public_url: \"https://licence.gov.example/?\"}\n"), []string{"licence.public_url", "query"}},
		{"a public URL with a fragment", appendYAML("licence: {public_url: \"https://licence.gov.example/#top\"}\n"), []string{"licence.public_url", "fragment"}},
		{"a public URL with an empty fragment", appendYAML("licence: {public_url: \"https://licence.gov.example#\"}\n"), []string{"licence.public_url", "fragment"}},
		{"a public URL with user information", appendYAML("licence: {public_url: \"https://me:pw@licence.gov.example\"}\n"), []string{"licence.public_url", "user"}},
		{"a public URL that is no URL", appendYAML("licence: {public_url: \"https://licence gov\"}\n"), []string{"licence.public_url"}},
		{"a very long public URL", appendYAML("licence: {public_url: \"https://licence.gov.example/" + strings.Repeat("a", 200) + "\"}\n"), []string{"licence.public_url", "longer than 200"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.Load(fixture(t, c.edit), noEnv)
			require.Error(t, err)
			for _, w := range c.want {
				require.ErrorContains(t, err, w)
			}
		})
	}
}
