//go:build e2e

package e2e

import (
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govchain/govchain/internal/gatewayconfig"
)

// caCRLLists runs `fabric-ca-client gencrl` as the org CA's bootstrap admin (enrolled by
// netctl in orgs/ORG/ca-admin) into a temporary MSP copy and reports whether the CRL lists
// serial.
func caCRLLists(t *testing.T, org string, serial *big.Int) bool {
	t.Helper()
	f, err := gatewayconfig.Read(filepath.Join(h.data, "gateway.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ca, ok := f.CA(org)
	if !ok {
		t.Fatalf("no cas[] entry for %s in the gateway config", org)
	}
	home := t.TempDir()
	src := filepath.Join(h.data, "network", "orgs", org, "ca-admin", "msp")
	if out, err := exec.Command("cp", "-r", src, filepath.Join(home, "msp")).CombinedOutput(); err != nil {
		t.Fatalf("copy the CA admin's MSP: %v %s", err, out)
	}
	cmd := exec.Command(filepath.Join(h.bin, "fabric-ca-client"), "gencrl", "-u", ca.URL, "--caname", ca.CAName,
		"--tls.certfiles", ca.TLSCACert, "-M", filepath.Join(home, "msp"))
	cmd.Env = append(os.Environ(), "FABRIC_CA_CLIENT_HOME="+home)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fabric-ca-client gencrl: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(home, "msp", "crls", "crl.pem"))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(raw)
	if blk == nil {
		t.Fatalf("gencrl wrote no PEM CRL: %q", raw)
	}
	crl, err := x509.ParseRevocationList(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(serial) == 0 {
			return true
		}
	}
	return false
}

// testIdentities: the market bureau's admin enrols a clerk through the gateway and the
// market's Fabric CA; the clerk's new key writes at once; another agency's admin cannot
// touch it; the market admin revokes it, the key is refused at once and the CA's CRL lists
// the certificate.
func testIdentities(t *testing.T) {
	marketAdmin := key(t, "market", "admin")
	taxAdmin := key(t, "tax", "admin")
	registrar := key(t, "market", "registrar")
	auditor := key(t, "audit", "auditor")

	var clerkKey, serial string
	t.Run("market admin enrols clerk1 as a registrar", func(t *testing.T) {
		r := must(t, 201, call(t, "POST", "/api/v1/identities", marketAdmin, map[string]any{"name": "clerk1", "role": "registrar"}))
		clerkKey, serial = str(r.JSON, "api_key"), str(r.JSON, "serial")
		if !strings.HasPrefix(clerkKey, "gck_") || serial == "" || str(r.JSON, "status") != "ACTIVE" || str(r.JSON, "msp_id") != "MarketMSP" {
			t.Fatalf("unexpected answer: %s", r)
		}
		blk, _ := pem.Decode([]byte(str(r.JSON, "certificate")))
		if blk == nil {
			t.Fatalf("no certificate: %s", r)
		}
		cert, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if cert.Subject.CommonName != "clerk1" || cert.SerialNumber.Text(16) != serial {
			t.Fatalf("certificate CN %q serial %s, answer serial %s", cert.Subject.CommonName, cert.SerialNumber.Text(16), serial)
		}
	})
	if clerkKey == "" {
		t.Fatal("no clerk key")
	}
	t.Run("refusals", func(t *testing.T) {
		for _, c := range []struct {
			name, key string
			body      map[string]any
			status    int
			code      string
		}{
			{"registrar is not an admin", registrar, map[string]any{"name": "clerk9", "role": "registrar"}, 403, "FORBIDDEN"},
			{"the new clerk is not an admin", clerkKey, map[string]any{"name": "clerk9", "role": "registrar"}, 403, "FORBIDDEN"},
			{"tax admin for market", taxAdmin, map[string]any{"name": "clerk9", "role": "registrar", "org": "market"}, 403, "FORBIDDEN"},
			{"bad name", marketAdmin, map[string]any{"name": "Clerk 9", "role": "registrar"}, 400, "INVALID"},
			{"reserved name", marketAdmin, map[string]any{"name": "orgadmin", "role": "registrar"}, 400, "INVALID"},
			{"admin role", marketAdmin, map[string]any{"name": "clerk9", "role": "admin"}, 400, "INVALID"},
			{"duplicate", marketAdmin, map[string]any{"name": "clerk1", "role": "finance"}, 409, "CONFLICT"},
		} {
			r := call(t, "POST", "/api/v1/identities", c.key, c.body)
			if r.Status != c.status || r.ErrCode() != c.code {
				t.Errorf("%s: want %d %s, got %s", c.name, c.status, c.code, r)
			}
		}
	})
	t.Run("the new key registers a business, signed as clerk1", func(t *testing.T) {
		uscc := newUSCC(t)
		r := must(t, 201, call(t, "POST", "/api/v1/businesses", clerkKey, businessBody(uscc, "Clerk One Trading Co., Ltd.")))
		created = append(created, "/api/v1/businesses/"+uscc)
		tx := must(t, 200, call(t, "GET", "/api/v1/transactions/"+str(r.JSON, "transaction_id"), auditor, nil))
		if s := str(tx.JSON, "creator.subject"); !strings.Contains(s, "clerk1") || str(tx.JSON, "creator.msp_id") != "MarketMSP" {
			t.Fatalf("the transaction's creator should be clerk1 of MarketMSP: %s", tx)
		}
	})
	t.Run("market admin lists identities; tax admin sees none of them", func(t *testing.T) {
		r := must(t, 200, call(t, "GET", "/api/v1/identities", marketAdmin, nil))
		if !strings.Contains(string(r.Body), `"name":"clerk1"`) || strings.Contains(string(r.Body), "api_key") || strings.Contains(string(r.Body), "PRIVATE KEY") {
			t.Fatalf("unexpected list: %s", r)
		}
		r = must(t, 200, call(t, "GET", "/api/v1/identities", taxAdmin, nil))
		if strings.Contains(string(r.Body), "clerk1") {
			t.Fatalf("tax admin sees market's identities: %s", r)
		}
		must(t, 403, call(t, "GET", "/api/v1/identities?org=market", taxAdmin, nil))
		must(t, 403, call(t, "GET", "/api/v1/identities", registrar, nil))
	})
	t.Run("tax admin cannot revoke market's clerk", func(t *testing.T) {
		r := call(t, "POST", "/api/v1/identities/clerk1/revocation", taxAdmin, map[string]any{"reason": "not ours"})
		if r.Status != 403 || r.ErrCode() != "FORBIDDEN" {
			t.Fatalf("want 403 FORBIDDEN, got %s", r)
		}
		must(t, 201, call(t, "POST", "/api/v1/businesses", clerkKey, businessBody(newUSCC(t), "Still Working Co., Ltd.")))
	})
	t.Run("market admin revokes clerk1; the key is refused at once; the CRL lists it", func(t *testing.T) {
		r := must(t, 200, call(t, "POST", "/api/v1/identities/clerk1/revocation", marketAdmin, map[string]any{"reason": "left the bureau"}))
		// The gateway published the CA's new CRL into MarketMSP in the channel configuration
		// (internal/chanconfig): the peers refuse the certificate too, not only the gateway its
		// key (the step "revocation the peers enforce" shows the peers' refusal directly).
		if str(r.JSON, "status") != "REVOKED" || str(r.JSON, "channel_crl") != "updated" {
			t.Fatalf("want REVOKED with channel_crl updated: %s", r)
		}
		r2 := call(t, "POST", "/api/v1/businesses", clerkKey, businessBody(newUSCC(t), "Too Late Co., Ltd."))
		if r2.Status != 401 {
			t.Fatalf("the revoked key must be refused at once: %s", r2)
		}
		blk, _ := pem.Decode([]byte(str(r.JSON, "crl")))
		if blk == nil {
			t.Fatalf("no CRL in the answer: %s", r)
		}
		crl, err := x509.ParseRevocationList(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := new(big.Int).SetString(serial, 16)
		found := false
		for _, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(want) == 0 {
				found = true
			}
		}
		if !found {
			t.Fatalf("the CA's CRL (%d entries) does not list serial %s", len(crl.RevokedCertificateEntries), serial)
		}
		// The CA's own CRL, fetched with Fabric CA's client as the CA's bootstrap admin, not
		// through the gateway.
		if !caCRLLists(t, "market", want) {
			t.Fatalf("fabric-ca-client gencrl: the market CA's CRL does not list serial %s", serial)
		}
		l := must(t, 200, call(t, "GET", "/api/v1/identities", marketAdmin, nil))
		if !strings.Contains(string(l.Body), `"status":"REVOKED"`) {
			t.Fatalf("the list should show clerk1 REVOKED: %s", l)
		}
		must(t, 409, call(t, "POST", "/api/v1/identities/clerk1/revocation", marketAdmin, map[string]any{"reason": "again"}))
	})
	t.Run("every key against the identity routes: only admins", func(t *testing.T) {
		for _, id := range identities {
			org, role, _ := strings.Cut(id, "/")
			want, wantPost := 403, 403
			if role == "admin" {
				want, wantPost = 200, 400 // the bad name is refused after the role check
			}
			k := keyOf(t, id)
			if r := call(t, "GET", "/api/v1/identities", k, nil); r.Status != want {
				t.Errorf("%s GET /identities: want %d, got %s", id, want, r)
			}
			if r := call(t, "POST", "/api/v1/identities", k, map[string]any{"name": "Bad Name", "role": "finance"}); r.Status != wantPost {
				t.Errorf("%s POST /identities: want %d, got %s", id, wantPost, r)
			}
			wantRevoke := 403 // clerk1 is market's, and revoked already
			if org == "market" && role == "admin" {
				wantRevoke = 409
			}
			if r := call(t, "POST", "/api/v1/identities/clerk1/revocation", k, map[string]any{"reason": "matrix"}); r.Status != wantRevoke {
				t.Errorf("%s POST /identities/clerk1/revocation: want %d, got %s", id, wantRevoke, r)
			}
		}
	})
	t.Run("clerk2 survives a gateway restart; clerk1 stays refused", func(t *testing.T) {
		r := must(t, 201, call(t, "POST", "/api/v1/identities", marketAdmin, map[string]any{"name": "clerk2", "role": "depositor"}))
		k2 := str(r.JSON, "api_key")
		if out, err := h.script("gateway", "stop"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if out, err := h.script("gateway", "start"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		must(t, 201, call(t, "POST", "/api/v1/evidence/batch", k2, map[string]any{"items": []any{depositBody(newHash())}}))
		if r := call(t, "GET", "/api/v1/businesses?page_size=1", clerkKey, nil); r.Status != 401 {
			t.Fatalf("the revoked key must stay refused after a restart: %s", r)
		}
	})
}
