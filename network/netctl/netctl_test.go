package netctl

import (
	"context"
	"encoding/json"
	"github.com/govchain/govchain/internal/gatewayconfig"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func repoTopology(t *testing.T) *Topology {
	t.Helper()
	tp, err := LoadTopology(filepath.Join("..", "network.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return tp
}

func TestTopologyFile(t *testing.T) {
	tp := repoTopology(t)
	if got := len(tp.PeerOrgs()); got != 4 {
		t.Fatalf("want 4 agency orgs, got %d", got)
	}
	if got := len(tp.OrdererOrg().Orderers); got != 3 {
		t.Fatalf("want 3 Raft orderers, got %d", got)
	}
	roles := map[string]bool{}
	for _, o := range tp.PeerOrgs() {
		for _, u := range o.Users {
			roles[o.MSPID+"/"+u.Role] = true
		}
	}
	for _, want := range []string{"MarketMSP/registrar", "TaxMSP/invoice-issuer", "NotaryMSP/notary", "AuditMSP/auditor", "MarketMSP/finance", "TaxMSP/depositor"} {
		if !roles[want] {
			t.Errorf("topology lacks %s", want)
		}
	}
	if !strings.Contains(tp.Chaincode.EndorsementPolicy, "OutOf(2") || strings.Contains(tp.Chaincode.EndorsementPolicy, "AuditMSP") {
		t.Errorf("endorsement policy must need two agencies and exclude the audit office: %s", tp.Chaincode.EndorsementPolicy)
	}
}

func TestTopologyOverridesAndValidation(t *testing.T) {
	t.Setenv("GOVCHAIN_BASE_PORT", "20000")
	t.Setenv("GOVCHAIN_HOST", "127.0.0.2")
	tp := repoTopology(t)
	if tp.Addr(100) != "127.0.0.2:20100" {
		t.Fatalf("overrides not applied: %s", tp.Addr(100))
	}
	t.Setenv("GOVCHAIN_BASE_PORT", "abc")
	if _, err := LoadTopology(filepath.Join("..", "network.yaml")); err == nil || !strings.Contains(err.Error(), "GOVCHAIN_BASE_PORT") {
		t.Fatalf("want an error naming GOVCHAIN_BASE_PORT, got %v", err)
	}

	base := func() Topology {
		return Topology{BasePort: 7000, Host: "127.0.0.1", Domain: "d", Channel: "c", Chaincode: Chaincode{Name: "cc"},
			Ordering: Ordering{BatchTimeout: "100ms"},
			Orgs: []Org{
				{Name: "o", MSPID: "OMSP", CAOffset: 40, Orderers: []Node{{Name: "orderer0", Offset: 10}}},
				{Name: "p", MSPID: "PMSP", CAOffset: 50, Peers: []Node{{Name: "peer0", Offset: 100}}, ChaincodeOffset: 105},
			}}
	}
	cases := []struct {
		name string
		mut  func(*Topology)
		want string
	}{
		{"valid", func(*Topology) {}, ""},
		{"port collision", func(tp *Topology) { tp.Orgs[1].ChaincodeOffset = 10 }, "port offset 10"},
		{"bad batch timeout", func(tp *Topology) { tp.Ordering.BatchTimeout = "soon" }, "batch_timeout"},
		{"base port too low", func(tp *Topology) { tp.BasePort = 80 }, "base_port"},
		{"no orderer", func(tp *Topology) { tp.Orgs = tp.Orgs[1:] }, "at least one orderer"},
		{"org without msp", func(tp *Topology) { tp.Orgs[1].MSPID = "" }, "msp_id"},
		{"negative gogc", func(tp *Topology) { tp.Runtime.GOGC = -1 }, "runtime.gogc"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp := base()
			c.mut(&tp)
			err := tp.validate()
			if c.want == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Fatalf("want error containing %q, got %v", c.want, err)
			}
		})
	}
}

func TestEditYAMLKeepsOtherKeysAndMatchesCase(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.yaml")
	os.WriteFile(in, []byte("# comment\npeer:\n  id: x\n  listenAddress: 0.0.0.0:7051\n  keep: yes\nvm:\n  endpoint: unix:///var/run/docker.sock\n"), 0o644)
	out := filepath.Join(dir, "out.yaml")
	err := editYAML(in, out, map[string]any{
		"peer.listenaddress":  "127.0.0.1:7100",
		"vm.endpoint":         "",
		"chaincode.builders":  []map[string]any{{"name": "b", "path": "/x"}},
		"peer.gossip.use":     true,
		"operations.tls.list": []string{"a", "b"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	raw, _ := os.ReadFile(out)
	if err := yaml.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	peer := got["peer"].(map[string]any)
	if peer["listenAddress"] != "127.0.0.1:7100" || peer["keep"] != "yes" || peer["id"] != "x" {
		t.Fatalf("peer section wrong: %v", peer)
	}
	if _, dup := peer["listenaddress"]; dup {
		t.Fatal("key matched without regard to case must not be duplicated")
	}
	if got["vm"].(map[string]any)["endpoint"] != "" {
		t.Fatalf("vm.endpoint not emptied: %v", got["vm"])
	}
	if peer["gossip"].(map[string]any)["use"] != true {
		t.Fatal("nested new key not created")
	}
	if !strings.Contains(string(raw), "# comment") {
		t.Fatal("comments must be kept")
	}
}

func TestPackageIsReproducibleAndHasNoSecrets(t *testing.T) {
	n := &Network{T: repoTopology(t), L: Layout{Data: t.TempDir()}}
	o, _ := n.T.Org("tax")
	p1, err := n.writePackage(o, "govchain_abc")
	if err != nil {
		t.Fatal(err)
	}
	b1, _ := os.ReadFile(p1)
	p2, _ := n.writePackage(o, "govchain_abc")
	b2, _ := os.ReadFile(p2)
	if string(b1) != string(b2) {
		t.Fatal("the same package written twice differs: its package ID would change")
	}
	if strings.Contains(string(b1), "PRIVATE KEY") {
		t.Fatal("a chaincode package must not carry a private key")
	}
}

func TestBuilderSteps(t *testing.T) {
	dir := t.TempDir()
	src, meta, bld, rel := filepath.Join(dir, "src"), filepath.Join(dir, "meta"), filepath.Join(dir, "bld"), filepath.Join(dir, "rel")
	os.MkdirAll(src, 0o755)
	os.MkdirAll(meta, 0o755)
	os.WriteFile(filepath.Join(meta, "metadata.json"), []byte(`{"type":"ccaas","label":"x"}`), 0o644)
	os.WriteFile(filepath.Join(src, "connection.json"), []byte(`{"address":"127.0.0.1:9","dial_timeout":"10s","tls_required":true,"client_auth_required":true}`), 0o644)
	for name, body := range map[string]string{"cert.pem": "CERT", "key.pem": "KEY", "ca.pem": "ROOT"} {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600)
	}
	t.Setenv("GOVCHAIN_CCAAS_CLIENT_CERT", filepath.Join(dir, "cert.pem"))
	t.Setenv("GOVCHAIN_CCAAS_CLIENT_KEY", filepath.Join(dir, "key.pem"))
	t.Setenv("GOVCHAIN_CCAAS_ROOT_CERT", filepath.Join(dir, "ca.pem"))

	if err := RunBuilder("detect", []string{src, meta}); err != nil {
		t.Fatalf("detect: %v", err)
	}
	if err := RunBuilder("build", []string{src, meta, bld}); err != nil {
		t.Fatalf("build: %v", err)
	}
	if err := RunBuilder("release", []string{bld, rel}); err != nil {
		t.Fatalf("release: %v", err)
	}
	var c connectionJSON
	raw, _ := os.ReadFile(filepath.Join(rel, "chaincode", "server", "connection.json"))
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	if c.ClientCert != "CERT" || c.ClientKey != "KEY" || c.RootCert != "ROOT" || c.Address != "127.0.0.1:9" {
		t.Fatalf("release did not add the peer's TLS credentials: %+v", c)
	}

	t.Run("refusals", func(t *testing.T) {
		os.WriteFile(filepath.Join(meta, "metadata.json"), []byte(`{"type":"golang"}`), 0o644)
		if err := RunBuilder("detect", []string{src, meta}); err == nil {
			t.Fatal("detect must refuse a non-ccaas package")
		}
		os.WriteFile(filepath.Join(src, "connection.json"), []byte(`{"dial_timeout":"1s"}`), 0o644)
		if err := RunBuilder("build", []string{src, meta, bld}); err == nil || !strings.Contains(err.Error(), "address") {
			t.Fatalf("build must refuse a connection.json without address: %v", err)
		}
		t.Setenv("GOVCHAIN_CCAAS_CLIENT_KEY", "")
		os.WriteFile(filepath.Join(bld, "connection.json"), []byte(`{"address":"a:1","tls_required":true,"client_auth_required":true}`), 0o644)
		if err := RunBuilder("release", []string{bld, rel}); err == nil || !strings.Contains(err.Error(), "GOVCHAIN_CCAAS_CLIENT_KEY") {
			t.Fatalf("release must name the missing variable: %v", err)
		}
	})
}

func TestPortInUseIsNamed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	err = portFree("127.0.0.1", port)
	if err == nil || !strings.Contains(err.Error(), "already in use") || !strings.Contains(err.Error(), ln.Addr().String()[strings.LastIndex(ln.Addr().String(), ":")+1:]) {
		t.Fatalf("want an error naming port %d, got %v", port, err)
	}
	l := Layout{Root: t.TempDir(), Data: t.TempDir(), Bin: "/bin"}
	_, err = start(l, "127.0.0.1", Proc{Name: "x", Bin: "/bin/true", Ports: []int{port}})
	if err == nil || !strings.Contains(err.Error(), "x:") {
		t.Fatalf("start must refuse and name the node: %v", err)
	}
}

func TestRedactHidesSecrets(t *testing.T) {
	got := strings.Join(redact([]string{"enroll", "-u", "https://user:s3cret@127.0.0.1:7050", "--id.secret", "abc", "-b", "admin:pw", "-b", "genesis.block"}), " ")
	if strings.Contains(got, "s3cret") || strings.Contains(got, "abc") || strings.Contains(got, "admin:pw") {
		t.Fatalf("secret leaked: %s", got)
	}
	if !strings.Contains(got, "genesis.block") {
		t.Fatalf("non-secret redacted: %s", got)
	}
}

// The gateway config and keys file are written with the shared schema, and the keys are
// kept across writes.
func TestWriteGatewayConfig(t *testing.T) {
	n := &Network{T: repoTopology(t), L: Layout{Data: t.TempDir()}}
	if err := n.WriteGatewayConfig(); err != nil {
		t.Fatal(err)
	}
	keys, err := gatewayconfig.ReadKeys(n.L.KeysEnv())
	if err != nil {
		t.Fatal(err)
	}
	k := keys[gatewayconfig.KeyVar("tax", "invoice-issuer")]
	if !strings.HasPrefix(k, "gck_") {
		t.Fatalf("no tax invoice-issuer key: %v", k)
	}
	if err := n.WriteGatewayConfig(); err != nil {
		t.Fatal(err)
	}
	again, _ := gatewayconfig.ReadKeys(n.L.KeysEnv())
	if again[gatewayconfig.KeyVar("tax", "invoice-issuer")] != k {
		t.Fatal("keys changed on the second write")
	}
	f, err := gatewayconfig.Read(n.L.GatewayConfig())
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Peers) == 0 || len(f.Identities) != len(f.APIKeys) {
		t.Fatalf("peers %d, identities %d, api keys %d", len(f.Peers), len(f.Identities), len(f.APIKeys))
	}
	for _, id := range f.Identities {
		if p, ok := f.Peer(id.Home()); !ok || p.MSPID != id.MSPID {
			t.Errorf("%s/%s: own peer %q is not of its org", id.Org, id.Role, id.Home())
		}
	}
	routes := map[string][]string{}
	for _, id := range f.Identities {
		routes[id.Org+"/"+id.Role] = id.Route()
	}
	if got, want := routes["tax/invoice-issuer"], []string{"peer0.tax", "peer0.market", "peer0.notary"}; !slices.Equal(got, want) {
		t.Errorf("tax route %v, want %v (own peer first, then the other agencies')", got, want)
	}
	if got := routes["audit/auditor"]; !slices.Equal(got, []string{"peer0.audit"}) {
		t.Errorf("audit route %v, want its own peer only", got)
	}
	// The orderers (for CRLs published into the channel configuration) and every agency's
	// admin, who signs its org's config updates.
	if len(f.Orderers) != 3 || f.Orderers[0].Name != "orderer0" || f.Orderers[0].TLSCACert != n.L.CACert("orderer") ||
		f.Orderers[0].ServerName != "orderer0.orderer.govchain.local" {
		t.Errorf("orderers %+v", f.Orderers)
	}
	for _, o := range n.T.PeerOrgs() {
		if _, ok := f.Identity(o.Name, "admin"); !ok {
			t.Errorf("no %s/admin identity", o.Name)
		}
	}
	// Public licence verifications are answered with the market registrar (server-signing).
	if f.Licence.VerifyIdentity != "market/registrar" {
		t.Errorf("licence.verify_identity %q, want market/registrar", f.Licence.VerifyIdentity)
	}
	if len(f.TrustedProxies) != 0 {
		t.Errorf("trusted_proxies %v: the dev gateway is reached directly", f.TrustedProxies)
	}
	// The licence's QR code opens the gateway's own verification page.
	if want := "http://" + GatewayListen(); f.Licence.PublicURL != want {
		t.Errorf("licence.public_url %q, want %q", f.Licence.PublicURL, want)
	}
}

func TestGatewayPublicURL(t *testing.T) {
	for listen, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080",
		"10.0.0.5:17800": "http://10.0.0.5:17800",
		"gw.local:80":    "http://gw.local:80",
		":8080":          "http://127.0.0.1:8080",
		"0.0.0.0:8080":   "http://127.0.0.1:8080",
		"[::]:8080":      "http://127.0.0.1:8080",
		"[::1]:8080":     "http://[::1]:8080",
	} {
		if got := gatewayPublicURL(listen); got != want {
			t.Errorf("gatewayPublicURL(%q) = %q, want %q", listen, got, want)
		}
	}
}

// The channel's Readers and Writers are checked on every transaction, so they are
// single signature policies (one ECDSA verification) over exactly the principals the
// per-org policies name: every agency for the application, plus the orderer org for
// the channel.
func TestConfigtxAccessPolicies(t *testing.T) {
	n := &Network{T: repoTopology(t), L: Layout{Data: t.TempDir()}}
	var buf strings.Builder
	if err := n.writeConfigtx(&buf); err != nil {
		t.Fatal(err)
	}
	type policy struct {
		Type string `yaml:"Type"`
		Rule string `yaml:"Rule"`
	}
	var doc struct {
		Application struct {
			Policies map[string]policy `yaml:"Policies"`
		} `yaml:"Application"`
		Channel struct {
			Policies map[string]policy `yaml:"Policies"`
		} `yaml:"Channel"`
	}
	if err := yaml.Unmarshal([]byte(buf.String()), &doc); err != nil {
		t.Fatalf("configtx.yaml does not parse: %v\n%s", err, buf.String())
	}
	agencies := []string{"MarketMSP", "TaxMSP", "NotaryMSP", "AuditMSP"}
	cases := []struct {
		name     string
		got      policy
		want     []string
		mustNot  []string
		wantType string
	}{
		{"application writers", doc.Application.Policies["Writers"], suffixed(agencies, ".admin", ".client"),
			[]string{".peer", "OrdererMSP"}, "Signature"},
		{"application readers", doc.Application.Policies["Readers"], suffixed(agencies, ".admin", ".peer", ".client"),
			[]string{"OrdererMSP"}, "Signature"},
		{"channel writers", doc.Channel.Policies["Writers"], append(suffixed(agencies, ".client"), "OrdererMSP.orderer"),
			[]string{"MarketMSP.peer"}, "Signature"},
		{"channel readers", doc.Channel.Policies["Readers"], append(suffixed(agencies, ".peer"), "OrdererMSP.orderer"),
			nil, "Signature"},
		{"application admins stay a majority", doc.Application.Policies["Admins"], []string{"MAJORITY Admins"}, nil, "ImplicitMeta"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.got.Type != c.wantType {
				t.Fatalf("type %q, want %q", c.got.Type, c.wantType)
			}
			for _, w := range c.want {
				if !strings.Contains(c.got.Rule, w) {
					t.Errorf("rule %q lacks %s", c.got.Rule, w)
				}
			}
			for _, w := range c.mustNot {
				if strings.Contains(c.got.Rule, w) {
					t.Errorf("rule %q must not name %s", c.got.Rule, w)
				}
			}
		})
	}
}

func suffixed(ids []string, roles ...string) []string {
	var out []string
	for _, id := range ids {
		for _, r := range roles {
			out = append(out, "'"+id+r+"'")
		}
	}
	return out
}

func TestFetchProfile(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/debug/pprof/profile" || r.URL.Query().Get("seconds") != "2" {
			http.Error(w, "unexpected "+r.URL.String(), http.StatusNotFound)
			return
		}
		w.Write([]byte("profile bytes"))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	closed := httptest.NewServer(http.NotFoundHandler())
	closedAddr := strings.TrimPrefix(closed.URL, "http://")
	closed.Close()

	cases := []struct {
		name   string
		addr   string
		window time.Duration
		want   string // error fragment; "" for success
	}{
		{"saves the profile", addr, 2 * time.Second, ""},
		{"wrong window is the server's refusal", addr, 3 * time.Second, "404"},
		{"pprof not enabled", closedAddr, 2 * time.Second, "GOVCHAIN_PPROF=1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "n.pprof")
			err := fetchProfile(context.Background(), ProfileTarget{Node: "peer0.x", Addr: c.addr}, c.window, path)
			if c.want != "" {
				if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "peer0.x") {
					t.Fatalf("want error naming peer0.x and %q, got %v", c.want, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(path); string(got) != "profile bytes" {
				t.Fatalf("saved %q", got)
			}
		})
	}
}

func TestProfileTargetsCoverEveryOrdererAndPeer(t *testing.T) {
	n := &Network{T: repoTopology(t), L: Layout{Bin: "/bin"}}
	got := map[string]string{}
	for _, pt := range n.ProfileTargets() {
		got[pt.Node] = pt.Addr
	}
	want := map[string]string{"orderer0": "127.0.0.1:7013", "orderer2": "127.0.0.1:7033", "peer0.tax": "127.0.0.1:7113", "peer0.audit": "127.0.0.1:7133"}
	for node, addr := range want {
		if got[node] != addr {
			t.Errorf("%s at %q, want %q", node, got[node], addr)
		}
	}
	if len(got) != 7 {
		t.Errorf("want 3 orderers + 4 peers, got %v", got)
	}
}

// An org enrolled by an earlier version lacks identities added to the topology since: up
// enrols those whose certificates are not on disk, and only those.
func TestIdentityEnrolledOnDisk(t *testing.T) {
	dir := t.TempDir()
	msp := filepath.Join(dir, "msp")
	tls := filepath.Join(dir, "tls")
	if err := os.MkdirAll(filepath.Join(msp, "signcerts"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(msp, "signcerts", "cert.pem"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		id   identity
		want bool
	}{
		{"MSP on disk", identity{name: "registrar", msp: msp}, true},
		{"MSP missing", identity{name: "registrar-cs", msp: filepath.Join(dir, "none")}, false},
		{"MSP there, TLS missing", identity{name: "peer0", msp: msp, tls: tls}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := idEnrolled(c.id); got != c.want {
				t.Fatalf("idEnrolled = %v, want %v", got, c.want)
			}
		})
	}
}
