package config_test

import (
	"strings"
	"testing"

	"github.com/govchain/govchain/gateway/internal/config"
	"github.com/stretchr/testify/require"
)

// clientIdentity adds a second market registrar, "registrar-cs", signing on the client, and
// an API key for it.
const clientIdentity = `  - org: market
    role: registrar
    name: registrar-cs
    signing: client
    msp_id: MarketMSP
    cert: ../orgs/other-cert.pem
    ca_cert: ../orgs/tlsca-cert.pem
    peer: peer0.market
api_keys:
  - sha256: 3f5a0000000000000000000000000000000000000000000000000000000000bb
    org: market
    role: registrar
    identity: registrar-cs
`

func withClientIdentity(extra func(string) string) func(string) string {
	return func(y string) string {
		y = strings.Replace(y, "api_keys:\n", clientIdentity, 1)
		if extra != nil {
			y = extra(y)
		}
		return y
	}
}

func TestSigningTimeout(t *testing.T) {
	cfg, err := config.Load(fixture(t, nil), noEnv)
	require.NoError(t, err)
	require.Equal(t, config.DefaultSigning, cfg.Timeouts.Signing)
	cfg, err = config.Load(fixture(t, nil), func(k string) (string, bool) {
		return "20s", k == "GOVCHAIN_GATEWAY_SIGNING_TIMEOUT"
	})
	require.NoError(t, err)
	require.Equal(t, "20s", cfg.Timeouts.Signing.String())
}

func TestSigningModes(t *testing.T) {
	t.Run("a client-signed identity without a key is accepted next to the server-signed one", func(t *testing.T) {
		cfg, err := config.Load(fixture(t, withClientIdentity(nil)), noEnv)
		require.NoError(t, err)
		id, ok := cfg.NamedIdentity("market", "registrar", "registrar-cs")
		require.True(t, ok)
		require.True(t, id.ClientSigned())
		require.Empty(t, id.Key)
		def, ok := cfg.Identity("market", "registrar")
		require.True(t, ok)
		require.False(t, def.ClientSigned())
		require.Len(t, cfg.APIKeys, 2)
	})
	for name, c := range map[string]struct {
		edit func(string) string
		want string
	}{
		"a server-signed identity without a key": {
			func(y string) string { return strings.Replace(y, "    key: ../orgs/registrar-key.pem\n", "", 1) },
			"identities[0] (market/registrar): key: must be set",
		},
		"a client-signed identity with a key": {
			withClientIdentity(func(y string) string {
				return strings.Replace(y, "    signing: client\n", "    signing: client\n    key: ../orgs/other-key.pem\n", 1)
			}),
			"identities[1] (market/registrar/registrar-cs): key: must be absent for signing: client",
		},
		"an unknown signing mode": {
			func(y string) string {
				return strings.Replace(y, "    peer: peer0.market\n", "    peer: peer0.market\n    signing: hsm\n", 1)
			},
			`signing "hsm": want server`,
		},
		"two identities with one org, role and name": {
			withClientIdentity(func(y string) string {
				return strings.Replace(y, "    name: registrar-cs\n", "", 1)
			}),
			"duplicate identity for org market role registrar",
		},
		"an API key naming an unknown identity": {
			withClientIdentity(func(y string) string {
				return strings.Replace(y, "    identity: registrar-cs\n", "    identity: nobody\n", 1)
			}),
			`no identity for org "market" role "registrar" name "nobody"`,
		},
		"a bad name": {
			withClientIdentity(func(y string) string {
				return strings.Replace(y, "    name: registrar-cs\n", "    name: \"a/b\"\n", 1)
			}),
			`name "a/b"`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := config.Load(fixture(t, c.edit), noEnv)
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
		})
	}
}
