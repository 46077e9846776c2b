package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/config"
	"github.com/govchain/govchain/gateway/internal/testpki"
	"github.com/stretchr/testify/require"
)

const keyHash = "3f5a0000000000000000000000000000000000000000000000000000000000aa"

// fixture writes a TLS CA, one identity and a config referring to them with relative paths,
// and returns the config path. edit changes the YAML text before it is written.
func fixture(t *testing.T, edit func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	conf := filepath.Join(dir, "conf")
	orgs := filepath.Join(dir, "orgs")
	require.NoError(t, os.MkdirAll(conf, 0o700))
	require.NoError(t, os.MkdirAll(orgs, 0o700))
	ca := testpki.Write(t, orgs, "tlsca", "tlsca.market", "market")
	testpki.Write(t, orgs, "registrar", "registrar", "market", testpki.Role("registrar"), testpki.OU("client"), testpki.IssuedBy(ca))
	testpki.Write(t, orgs, "other", "other", "market", testpki.Role("registrar"), testpki.OU("client"), testpki.IssuedBy(ca))
	testpki.Write(t, orgs, "finance", "finance", "market", testpki.Role("finance"), testpki.OU("client"), testpki.IssuedBy(ca))
	testpki.Write(t, orgs, "admin", "admin", "market", testpki.OU("admin"), testpki.IssuedBy(ca))
	testpki.Write(t, orgs, "roleless", "roleless", "market", testpki.OU("client"), testpki.IssuedBy(ca))
	testpki.Write(t, orgs, "adminrole", "adminrole", "market", testpki.Role("registrar"), testpki.OU("admin"), testpki.IssuedBy(ca))
	testpki.Write(t, orgs, "foreignca", "foreignca.tax", "tax")
	y := `listen: 127.0.0.1:8080
channel: govchannel
chaincode: govchain
data_dir: ../data/gateway
log_level: info
timeouts: {evaluate: 5s, endorse: 15s, submit: 10s, commit_status: 30s, request: 60s, write_deadline: 90s}
limits: {max_json_bytes: 1048576, max_upload_bytes: 33554432}
cors_origins: []
peers:
  - name: peer0.market
    msp_id: MarketMSP
    endpoint: 127.0.0.1:7051
    tls_ca_cert: ../orgs/tlsca-cert.pem
    server_name: peer0.market.govchain.local
identities:
  - org: market
    role: registrar
    msp_id: MarketMSP
    cert: ../orgs/registrar-cert.pem
    key: ../orgs/registrar-key.pem
    ca_cert: ../orgs/tlsca-cert.pem
    peer: peer0.market
api_keys:
  - sha256: ` + keyHash + `
    org: market
    role: registrar
`
	if edit != nil {
		y = edit(y)
	}
	path := filepath.Join(conf, "gateway.yaml")
	require.NoError(t, os.WriteFile(path, []byte(y), 0o600))
	return path
}

func noEnv(string) (string, bool) { return "", false }

func TestLoad(t *testing.T) {
	t.Run("a valid file loads, with paths relative to its directory", func(t *testing.T) {
		path := fixture(t, nil)
		cfg, err := config.Load(path, noEnv)
		require.NoError(t, err)
		root := filepath.Dir(filepath.Dir(path))
		require.Equal(t, filepath.Join(root, "data", "gateway"), cfg.DataDir)
		require.Equal(t, filepath.Join(root, "orgs", "tlsca-cert.pem"), cfg.Peers[0].TLSCACert)
		require.Equal(t, filepath.Join(root, "orgs", "registrar-key.pem"), cfg.Identities[0].Key)
		require.Equal(t, 15*time.Second, cfg.Timeouts.Endorse)
		require.Equal(t, filepath.Join(root, "data", "gateway", "gateway.db"), cfg.DBPath())
	})

	t.Run("optional keys get their defaults", func(t *testing.T) {
		path := fixture(t, func(y string) string {
			y = strings.Replace(y, "timeouts: {evaluate: 5s, endorse: 15s, submit: 10s, commit_status: 30s, request: 60s, write_deadline: 90s}\n", "", 1)
			y = strings.Replace(y, "limits: {max_json_bytes: 1048576, max_upload_bytes: 33554432}\n", "", 1)
			return strings.Replace(y, "listen: 127.0.0.1:8080\n", "", 1)
		})
		cfg, err := config.Load(path, noEnv)
		require.NoError(t, err)
		require.Equal(t, config.DefaultListen, cfg.Listen)
		require.Equal(t, config.DefaultCommitStatus, cfg.Timeouts.CommitStatus)
		require.Equal(t, config.DefaultPendingDeadline, cfg.Timeouts.PendingDeadline)
		require.Equal(t, cfg.Timeouts.WriteDeadline+10*time.Second, cfg.Timeouts.Shutdown)
		require.Equal(t, int64(config.DefaultMaxJSONBytes), cfg.Limits.MaxJSONBytes)
		require.Equal(t, int64(config.DefaultMaxUploadBytes), cfg.Limits.MaxUploadBytes)
		require.Equal(t, config.DefaultRetryAttempts, cfg.Retry.MaxAttempts)
		require.Equal(t, config.DefaultIdempotencyTTL, cfg.IdempotencyTTL)
	})

	t.Run("environment overrides win", func(t *testing.T) {
		path := fixture(t, nil)
		env := map[string]string{
			"GOVCHAIN_GATEWAY_LISTEN":         "0.0.0.0:9090",
			"GOVCHAIN_GATEWAY_DATA_DIR":       "/var/lib/govchain",
			"GOVCHAIN_GATEWAY_LOG_LEVEL":      "debug",
			"GOVCHAIN_GATEWAY_CORS_ORIGINS":   "https://a.example, https://b.example",
			"GOVCHAIN_GATEWAY_MAX_JSON_BYTES": "2048",
			"GOVCHAIN_GATEWAY_WRITE_DEADLINE": "120s",
		}
		cfg, err := config.Load(path, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		require.NoError(t, err)
		require.Equal(t, "0.0.0.0:9090", cfg.Listen)
		require.Equal(t, "/var/lib/govchain", cfg.DataDir)
		require.Equal(t, "debug", cfg.LogLevel)
		require.Equal(t, []string{"https://a.example", "https://b.example"}, cfg.CORSOrigins)
		require.Equal(t, int64(2048), cfg.Limits.MaxJSONBytes)
		require.Equal(t, 120*time.Second, cfg.Timeouts.WriteDeadline)
	})

	t.Run("a bad environment value is named", func(t *testing.T) {
		path := fixture(t, nil)
		_, err := config.Load(path, func(k string) (string, bool) {
			return "lots", k == "GOVCHAIN_GATEWAY_MAX_UPLOAD_BYTES"
		})
		require.ErrorContains(t, err, "GOVCHAIN_GATEWAY_MAX_UPLOAD_BYTES")
	})

	t.Run("a missing file is reported", func(t *testing.T) {
		_, err := config.Load(filepath.Join(t.TempDir(), "nope.yaml"), noEnv)
		require.ErrorContains(t, err, "read config")
	})
}

// useCert makes the identity use the fixture's certificate and key called name.
func useCert(name string) func(string) string {
	return func(y string) string {
		y = strings.Replace(y, "registrar-cert.pem", name+"-cert.pem", 1)
		return strings.Replace(y, "registrar-key.pem", name+"-key.pem", 1)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		edit func(string) string
		want []string // every fragment must appear in the error
	}{
		{"unknown key (typo)", func(y string) string { return strings.Replace(y, "channel:", "chanel:", 1) }, []string{"chanel"}},
		{"bad listen", func(y string) string { return strings.Replace(y, "listen: 127.0.0.1:8080", "listen: nowhere", 1) }, []string{`listen "nowhere"`}},
		{"pprof on a public address", func(y string) string {
			return strings.Replace(y, "listen: 127.0.0.1:8080", "listen: 127.0.0.1:8080\ndebug_listen: 0.0.0.0:6060", 1)
		}, []string{`debug_listen "0.0.0.0:6060"`, "loopback"}},
		{"bad log level", func(y string) string { return strings.Replace(y, "log_level: info", "log_level: loud", 1) }, []string{"log_level"}},
		{"negative timeout", func(y string) string { return strings.Replace(y, "evaluate: 5s", "evaluate: -5s", 1) }, []string{"timeouts.evaluate"}},
		{"write deadline shorter than endorse+submit", func(y string) string { return strings.Replace(y, "write_deadline: 90s", "write_deadline: 20s", 1) }, []string{"timeouts.write_deadline"}},
		{"api key hash not hex", func(y string) string { return strings.Replace(y, keyHash, "my-secret-key", 1) }, []string{"api_keys[0]", "64 hex"}},
		{"api key names an unknown identity", func(y string) string {
			return strings.Replace(y, "  - sha256: "+keyHash+"\n    org: market\n    role: registrar", "  - sha256: "+keyHash+"\n    org: tax\n    role: finance", 1)
		}, []string{"api_keys[0] (sha256 3f5a0000…, tax/finance)", `no identity for org "tax" role "finance"`}},
		{"identity names an unknown peer", func(y string) string { return strings.Replace(y, "    peer: peer0.market", "    peer: peer9", 1) }, []string{"identities[0] (market/registrar)", `peer "peer9"`}},
		{"identity without any peer", func(y string) string { return strings.Replace(y, "    peer: peer0.market\n", "", 1) }, []string{"identities[0] (market/registrar)", "peer or peers must be set"}},
		{"identity's peers name an unknown peer", func(y string) string {
			return strings.Replace(y, "    peer: peer0.market", "    peers: [peer0.market, peer9]", 1)
		}, []string{"identities[0] (market/registrar)", `peers[1] "peer9" is not among peers`}},
		{"identity's peers list a peer twice", func(y string) string {
			return strings.Replace(y, "    peer: peer0.market", "    peers: [peer0.market, peer0.market]", 1)
		}, []string{`peers[1] "peer0.market" is listed twice`}},
		{"identity's own peer is not the first of its peers", func(y string) string {
			return strings.Replace(y, "    peer: peer0.market", "    peer: peer0.market\n    peers: [peer0.tax, peer0.market]", 1)
		}, []string{`peer "peer0.market" must be the first of peers`, `peers[0] "peer0.tax" is not among peers`}},
		{"identity with unknown org and role", func(y string) string {
			return strings.Replace(y, "  - org: market\n    role: registrar\n    msp_id", "  - org: mars\n    role: king\n    msp_id", 1)
		}, []string{`org "mars"`, `role "king"`}},
		{"missing certificate file", func(y string) string { return strings.Replace(y, "registrar-cert.pem", "missing.pem", 1) }, []string{"identities[0]", "cert", "missing.pem"}},
		{"key does not match certificate", func(y string) string { return strings.Replace(y, "registrar-key.pem", "other-key.pem", 1) }, []string{"does not match the certificate"}},
		{"missing TLS CA", func(y string) string { return strings.Replace(y, "tlsca-cert.pem", "nope.pem", 1) }, []string{"peers[0] (peer0.market)", "tls_ca_cert"}},
		{"bad peer endpoint", func(y string) string { return strings.Replace(y, "endpoint: 127.0.0.1:7051", "endpoint: peer0", 1) }, []string{"peers[0] (peer0.market)", "endpoint"}},
		{"orderer without a TLS CA", func(y string) string {
			return y + "orderers:\n  - name: orderer0\n    endpoint: 127.0.0.1:7050\n"
		}, []string{"orderers[0] (orderer0)", "tls_ca_cert must not be empty"}},
		{"bad orderer endpoint", func(y string) string {
			return y + "orderers:\n  - name: orderer0\n    endpoint: orderer0\n    tls_ca_cert: ../orgs/tlsca-cert.pem\n"
		}, []string{"orderers[0] (orderer0)", `endpoint "orderer0"`}},
		{"bad CORS origin", func(y string) string { return strings.Replace(y, "cors_origins: []", "cors_origins: [example.com]", 1) }, []string{"cors_origins[0]"}},
		{"retry attempts out of range", func(y string) string { return y + "retry: {max_attempts: 99}\n" }, []string{"retry.max_attempts"}},
		// The config must agree with the certificates: the early 403 judges by the entry, the
		// chaincode by the certificate.
		{"msp_id is not the org's MSP", func(y string) string {
			return strings.Replace(y, "    role: registrar\n    msp_id: MarketMSP", "    role: registrar\n    msp_id: TaxMSP", 1)
		}, []string{"identities[0] (market/registrar)", `msp_id "TaxMSP": org market is MarketMSP`, "own peer peer0.market", "belongs to MarketMSP, not TaxMSP"}},
		{"certificate without the role attribute", useCert("roleless"), []string{"identities[0] (market/registrar)", "has no govchain.role attribute, the entry says role registrar"}},
		{"certificate of another role", useCert("finance"), []string{"identities[0] (market/registrar)", "has govchain.role=finance, the entry says role registrar"}},
		{"admin entry whose certificate carries a role", func(y string) string {
			return strings.ReplaceAll(useCert("adminrole")(y), "role: registrar", "role: admin")
		}, []string{"identities[0] (market/admin)", "would judge it as a registrar"}},
		{"admin entry with a client certificate", func(y string) string {
			return strings.ReplaceAll(useCert("roleless")(y), "role: registrar", "role: admin")
		}, []string{"identities[0] (market/admin)", "is not an admin certificate"}},
		{"certificate issued by another CA", useCert("foreignca"), []string{"identities[0] (market/registrar)", "is not issued by ca_cert"}},
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

	t.Run("every problem is reported at once", func(t *testing.T) {
		_, err := config.Load(fixture(t, func(y string) string {
			y = strings.Replace(y, "log_level: info", "log_level: loud", 1)
			return strings.Replace(y, "    peer: peer0.market", "    peer: peer9", 1)
		}), noEnv)
		require.ErrorContains(t, err, "log_level")
		require.ErrorContains(t, err, "peer9")
	})

	t.Run("an identity may list its peers in order, with or without peer", func(t *testing.T) {
		for _, route := range []string{"    peers: [peer0.market, peer0.tax]", "    peer: peer0.market\n    peers: [peer0.market, peer0.tax]"} {
			cfg, err := config.Load(fixture(t, func(y string) string {
				y = strings.Replace(y, "    server_name: peer0.market.govchain.local\n", "    server_name: peer0.market.govchain.local\n"+
					"  - name: peer0.tax\n    msp_id: TaxMSP\n    endpoint: 127.0.0.1:8051\n    tls_ca_cert: ../orgs/tlsca-cert.pem\n", 1)
				return strings.Replace(y, "    peer: peer0.market", route, 1)
			}), noEnv)
			require.NoError(t, err)
			require.Equal(t, []string{"peer0.market", "peer0.tax"}, cfg.Identities[0].Route())
		}
	})

	t.Run("orderers are optional; their TLS CA path is resolved", func(t *testing.T) {
		cfg, err := config.Load(fixture(t, func(y string) string {
			return y + "orderers:\n  - name: orderer0\n    endpoint: 127.0.0.1:7050\n    tls_ca_cert: ../orgs/tlsca-cert.pem\n    server_name: orderer0.orderer.govchain.local\n"
		}), noEnv)
		require.NoError(t, err)
		require.Len(t, cfg.Orderers, 1)
		require.True(t, filepath.IsAbs(cfg.Orderers[0].TLSCACert), cfg.Orderers[0].TLSCACert)
	})

	t.Run("the key hash is normalised to lower case", func(t *testing.T) {
		cfg, err := config.Load(fixture(t, func(y string) string { return strings.Replace(y, keyHash, strings.ToUpper(keyHash), 1) }), noEnv)
		require.NoError(t, err)
		require.Equal(t, keyHash, cfg.APIKeys[0].SHA256)
	})
}

func TestIndexConfig(t *testing.T) {
	t.Run("default: SQLite under data_dir with the pragmas, the first identity without an auditor", func(t *testing.T) {
		cfg, err := config.Load(fixture(t, nil), noEnv)
		require.NoError(t, err)
		require.Equal(t, "sqlite", cfg.Index.Driver)
		require.Equal(t, "file:"+filepath.Join(cfg.DataDir, "index.db")+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)", cfg.IndexDSN())
		org, role := cfg.IndexCaller()
		require.Equal(t, "market/registrar", org+"/"+role)
	})
	t.Run("a DSN with its own pragmas is kept", func(t *testing.T) {
		cfg, err := config.Load(fixture(t, func(y string) string {
			return y + "index: {driver: sqlite, dsn: \"file:/tmp/x.db?_pragma=busy_timeout(100)\", identity: market/registrar}\n"
		}), noEnv)
		require.NoError(t, err)
		require.Equal(t, "file:/tmp/x.db?_pragma=busy_timeout(100)", cfg.IndexDSN())
	})
	t.Run("environment overrides", func(t *testing.T) {
		env := map[string]string{"GOVCHAIN_GATEWAY_INDEX_DRIVER": "postgres", "GOVCHAIN_GATEWAY_INDEX_DSN": "postgres://gov@db:5432/index"}
		cfg, err := config.Load(fixture(t, nil), func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		require.NoError(t, err)
		require.Equal(t, "postgres", cfg.Index.Driver)
		require.Equal(t, "postgres://gov@db:5432/index", cfg.IndexDSN())
	})
	for _, c := range []struct{ name, index, want string }{
		{"unknown driver", "index: {driver: mysql}\n", `index.driver "mysql"`},
		{"postgres without a DSN", "index: {driver: postgres}\n", "index.dsn: required"},
		{"postgres DSN that is neither URL nor key=value", "index: {driver: postgres, dsn: somewhere}\n", "index.dsn"},
		{"a PostgreSQL DSN with driver sqlite", "index: {dsn: \"postgres://x/y\"}\n", "with driver sqlite"},
		{"unknown identity", "index: {identity: audit/auditor}\n", `index.identity "audit/auditor"`},
		{"identity not ORG/ROLE", "index: {identity: auditor}\n", "want ORG/ROLE"},
		{"unknown key", "index: {drvier: sqlite}\n", "drvier"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := config.Load(fixture(t, func(y string) string { return y + c.index }), noEnv)
			require.ErrorContains(t, err, c.want)
		})
	}
	t.Run("none", func(t *testing.T) {
		cfg, err := config.Load(fixture(t, func(y string) string { return y + "index: {driver: none}\n" }), noEnv)
		require.NoError(t, err)
		require.Equal(t, "none", cfg.Index.Driver)
	})
}

// TestCAConfig: cas[] names an org with an admin identity, an https URL, readable TLS roots
// and a registrar whose key matches its certificate; paths are relative to the file.
func TestCAConfig(t *testing.T) {
	admin := `  - org: market
    role: admin
    msp_id: MarketMSP
    cert: ../orgs/admin-cert.pem
    key: ../orgs/admin-key.pem
    peer: peer0.market
api_keys:`
	ca := func(url, cert, key string) func(string) string {
		return func(y string) string {
			y = strings.Replace(y, "api_keys:", admin, 1)
			return y + "cas:\n  - {org: market, url: " + url + ", ca_name: ca-market, tls_ca_cert: ../orgs/tlsca-cert.pem, registrar_cert: ../orgs/" + cert + "-cert.pem, registrar_key: ../orgs/" + key + "-key.pem}\n"
		}
	}
	cfg, err := config.Load(fixture(t, ca("https://127.0.0.1:7050", "registrar", "registrar")), noEnv)
	require.NoError(t, err)
	c, ok := cfg.CA("market")
	require.True(t, ok)
	require.True(t, filepath.IsAbs(c.RegistrarKey) && filepath.IsAbs(c.TLSCACert))

	_, err = config.Load(fixture(t, ca("http://127.0.0.1:7050", "registrar", "other")), noEnv)
	require.ErrorContains(t, err, "want https://host:port")
	require.ErrorContains(t, err, "registrar_key")
	_, err = config.Load(fixture(t, func(y string) string {
		return y + "cas:\n  - {org: market, url: \"https://127.0.0.1:7050\", tls_ca_cert: ../orgs/tlsca-cert.pem, registrar_cert: ../orgs/registrar-cert.pem, registrar_key: ../orgs/registrar-key.pem}\n"
	}), noEnv)
	require.ErrorContains(t, err, "no identity for org \"market\" role admin")
}
