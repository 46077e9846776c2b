package gatewayconfig_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/govchain/govchain/internal/gatewayconfig"
	"github.com/stretchr/testify/require"
)

func TestKeys(t *testing.T) {
	t.Run("the variable name is upper case with underscores", func(t *testing.T) {
		require.Equal(t, "GOVCHAIN_KEY_TAX_INVOICE_ISSUER", gatewayconfig.KeyVar("tax", "invoice-issuer"))
	})

	t.Run("parsing skips comments and strips export and quotes", func(t *testing.T) {
		got := gatewayconfig.ParseKeys("# c\n\nexport A=1\nB = \"2\"\nC='3'\nnot a pair\n")
		require.Equal(t, map[string]string{"A": "1", "B": "2", "C": "3"}, got)
	})

	t.Run("what is written is read back", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "keys.env")
		in := map[string]string{"GOVCHAIN_KEY_B": "gck_b", "GOVCHAIN_KEY_A": "gck_a"}
		require.NoError(t, gatewayconfig.WriteKeys(path, "http://127.0.0.1:8080", in))
		got, err := gatewayconfig.ReadKeys(path)
		require.NoError(t, err)
		require.Equal(t, "http://127.0.0.1:8080", got[gatewayconfig.APIVar])
		require.Equal(t, "gck_a", got["GOVCHAIN_KEY_A"])
		st, err := os.Stat(path)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	})

	t.Run("a missing file is fs.ErrNotExist", func(t *testing.T) {
		_, err := gatewayconfig.ReadKeys(filepath.Join(t.TempDir(), "nope"))
		require.True(t, errors.Is(err, fs.ErrNotExist))
	})
}

func TestFile(t *testing.T) {
	t.Run("what is written is read back, relative paths against the file's directory", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "gateway.yaml")
		in := &gatewayconfig.File{
			Channel: "govchannel", Chaincode: "govchain",
			Peers: []gatewayconfig.Peer{{Name: "p0", MSPID: "M", Endpoint: "127.0.0.1:1", TLSCACert: "ca.pem"}},
			Identities: []gatewayconfig.Identity{{Org: "market", Role: "admin", MSPID: "M", Cert: "c.pem", Key: "/k.pem",
				Peer: "p0", Peers: []string{"p0", "p1"}}},
		}
		require.NoError(t, in.Write(path, "# head\n"))
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		require.NotContains(t, string(raw), "timeouts", "empty optional keys are omitted")
		got, err := gatewayconfig.Read(path)
		require.NoError(t, err)
		require.Equal(t, filepath.Join(dir, "ca.pem"), got.Peers[0].TLSCACert)
		require.Equal(t, filepath.Join(dir, "c.pem"), got.Identities[0].Cert)
		require.Equal(t, "/k.pem", got.Identities[0].Key)
		require.Equal(t, []string{"p0", "p1"}, got.Identities[0].Route())
	})

	t.Run("unknown keys are refused", func(t *testing.T) {
		require.ErrorContains(t, gatewayconfig.Decode([]byte("chanel: x\n"), &gatewayconfig.File{}), "chanel")
	})

	t.Run("the route is peers, or peer alone", func(t *testing.T) {
		cases := []struct {
			name string
			id   gatewayconfig.Identity
			want []string
		}{
			{"peer only", gatewayconfig.Identity{Peer: "a"}, []string{"a"}},
			{"peers win", gatewayconfig.Identity{Peer: "a", Peers: []string{"a", "b"}}, []string{"a", "b"}},
			{"neither", gatewayconfig.Identity{}, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				require.Equal(t, c.want, c.id.Route())
				if len(c.want) > 0 {
					require.Equal(t, c.want[0], c.id.Home())
				}
			})
		}
	})
}
