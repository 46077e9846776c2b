//go:build e2e

package e2e

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/internal/clientsign"
	"github.com/govchain/govchain/internal/gatewayconfig"
)

// testCSRIdentity: the market admin enrols clerk-cs with a CSR the test makes with the
// README's openssl one-liner (the key never leaves the test): the gateway keeps only the
// certificate, the API key writes through /api/v1/signing only, and what the key signs is
// endorsed by the peers when sent to them directly with the Fabric Gateway SDK. Once the
// admin revokes clerk-cs through the gateway, the peers refuse its proposals and the
// gateway its API key.
func testCSRIdentity(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cfg, err := gatewayconfig.Read(filepath.Join(h.data, "gateway.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	marketAdmin := key(t, "market", "admin")
	dir := t.TempDir()
	keyFile, csrFile := filepath.Join(dir, "key.pem"), filepath.Join(dir, "clerk.csr")
	mk := exec.Command("bash", "-c", `openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt -out key.pem; openssl req -new -key key.pem -subj /CN=clerk-cs -out clerk.csr`)
	mk.Dir = dir
	if out, err := mk.CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	csr, err := os.ReadFile(csrFile)
	if err != nil {
		t.Fatal(err)
	}
	signKey, err := clientsign.ReadKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("refused: a CSR whose CN is not the name", func(t *testing.T) {
		r := call(t, "POST", "/api/v1/identities", marketAdmin, map[string]any{"name": "clerk-other", "role": "registrar", "csr": string(csr)})
		if r.Status != 400 || r.ErrCode() != "INVALID" {
			t.Fatalf("want 400 INVALID, got %s", r)
		}
	})

	var apiKey string
	certFile := filepath.Join(dir, "cert.pem")
	t.Run("market admin enrols clerk-cs with its CSR; the gateway keeps only the certificate", func(t *testing.T) {
		r := must(t, 201, call(t, "POST", "/api/v1/identities", marketAdmin, map[string]any{"name": "clerk-cs", "role": "registrar", "csr": string(csr)}))
		apiKey = str(r.JSON, "api_key")
		if str(r.JSON, "signing") != "client" || str(r.JSON, "status") != "ACTIVE" || strings.Contains(string(r.Body), "PRIVATE KEY") {
			t.Fatalf("want an ACTIVE client-signing identity: %s", r)
		}
		blk, _ := pem.Decode([]byte(str(r.JSON, "certificate")))
		if blk == nil {
			t.Fatalf("no certificate: %s", r)
		}
		cert, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if !signKey.PublicKey.Equal(cert.PublicKey) || cert.Subject.CommonName != "clerk-cs" {
			t.Fatalf("the certificate (CN %q) does not certify the test's key", cert.Subject.CommonName)
		}
		if err := os.WriteFile(certFile, []byte(str(r.JSON, "certificate")), 0o600); err != nil {
			t.Fatal(err)
		}
	})
	if apiKey == "" {
		t.Fatal("no API key for clerk-cs")
	}
	clerk := gatewayconfig.Identity{Org: "market", Role: "registrar", MSPID: "MarketMSP", Cert: certFile, Key: keyFile}

	t.Run("its API key: ordinary write routes 403, as for a configured client-signed identity", func(t *testing.T) {
		r := call(t, "POST", "/api/v1/businesses", apiKey, businessBody(newUSCC(t), "Not Signed Co., Ltd."))
		if r.Status != 403 || !strings.Contains(string(r.Body), "/api/v1/signing") {
			t.Fatalf("want 403 pointing at /api/v1/signing, got %s", r)
		}
		// The gateway holds no key to sign a query as clerk-cs either (the agency reads with
		// its other keys), exactly as for market/registrar-cs.
		r = call(t, "GET", "/api/v1/businesses?page_size=1", apiKey, nil)
		if r.Status != 403 || !strings.Contains(string(r.Body), "signs on the client") {
			t.Fatalf("want 403 (signs on the client), got %s", r)
		}
	})

	t.Run("registers a business through /api/v1/signing with the client library", func(t *testing.T) {
		uscc := newUSCC(t)
		body, _ := json.Marshal(businessBody(uscc, "Clerk CS Trading Co., Ltd."))
		c := &clientsign.Client{API: "http://" + h.gwAddr, APIKey: apiKey, Key: signKey}
		res, err := c.Do(ctx, "POST", "/api/v1/businesses", body, clientsign.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !res.OK() || res.Status != 201 {
			t.Fatalf("want 201 on the transaction step, got %s %d %s", res.Step, res.Status, res.Body)
		}
		created = append(created, "/api/v1/businesses/"+uscc)
		tx := must(t, 200, call(t, "GET", "/api/v1/transactions/"+res.TransactionID, key(t, "audit", "auditor"), nil))
		if s := str(tx.JSON, "creator.subject"); !strings.Contains(s, "clerk-cs") {
			t.Fatalf("the transaction's creator should be clerk-cs: %s", tx)
		}
	})

	t.Run("the key alone, straight to the peers with the Fabric Gateway SDK: endorsed and committed", func(t *testing.T) {
		if err := registerDirect(ctx, cfg, clerk, businessBody(newUSCC(t), "Clerk CS Direct Co., Ltd.")); err != nil {
			t.Fatalf("a proposal signed by clerk-cs sent directly to peer0.market: %v", err)
		}
	})

	t.Run("market admin revokes clerk-cs; the peers refuse what it signs, the gateway its key", func(t *testing.T) {
		r := must(t, 200, call(t, "POST", "/api/v1/identities/clerk-cs/revocation", marketAdmin, map[string]any{"reason": "moved to another bureau"}))
		if str(r.JSON, "status") != "REVOKED" || str(r.JSON, "channel_crl") != "updated" {
			t.Fatalf("want REVOKED with channel_crl updated: %s", r)
		}
		_, done, err := endorseDirect(ctx, cfg, clerk, businessBody(newUSCC(t), "Revoked CS Co., Ltd."))
		if err == nil {
			done()
			t.Fatal("the peers endorsed a proposal signed by the revoked clerk-cs")
		}
		t.Logf("refused: %s", err)
		if !strings.Contains(err.Error(), "access denied") {
			t.Fatalf("want the peers' access denied, got: %v", err)
		}
		if r := call(t, "POST", "/api/v1/signing/proposals", apiKey, map[string]any{"method": "POST", "path": "/api/v1/businesses", "body": businessBody(newUSCC(t), "Too Late CS Co., Ltd.")}); r.Status != 401 {
			t.Fatalf("the revoked key must be refused: %s", r)
		}
		if r := call(t, "GET", "/api/v1/businesses?page_size=1", apiKey, nil); r.Status != 401 {
			t.Fatalf("the revoked key must be refused: %s", r)
		}
	})
}
