//go:build e2e

package e2e

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/internal/clientsign"
	"github.com/govchain/govchain/internal/gatewayconfig"
)

// clientSigned are the identities netctl sets up for client-side signing: the gateway holds
// their certificates only; keys.env names each one's API key and (dev convenience) key file.
var clientSigned = []struct{ org, user, role string }{
	{"market", "registrar-cs", "registrar"},
	{"tax", "invoice-issuer-cs", "invoice-issuer"},
	{"notary", "depositor-cs", "depositor"},
}

// signingTimeout is the e2e gateway's timeouts.signing (GOVCHAIN_GATEWAY_SIGNING_TIMEOUT).
const signingTimeout = 10 * time.Second

func csKey(t *testing.T, org, user string) (apiKey, keyFile string) {
	t.Helper()
	apiKey = h.keys[gatewayconfig.KeyVar(org, user)]
	keyFile = h.keys[gatewayconfig.SignKeyVar(org, user)]
	if apiKey == "" || keyFile == "" {
		t.Fatalf("keys.env lacks the API key or key file of %s/%s", org, user)
	}
	return apiKey, keyFile
}

// opensslSign is the README's one-liner: the base64 digest the gateway answered, signed as
// is with the key file by plain openssl, as base64.
func opensslSign(t *testing.T, keyFile, digest string) string {
	t.Helper()
	cmd := exec.Command("bash", "-c", `printf %s "$DIGEST" | base64 -d | openssl pkeyutl -sign -inkey "$KEY" | base64 -w0`)
	cmd.Env = append(os.Environ(), "DIGEST="+digest, "KEY="+keyFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// opensslSignMessage is the README's other one-liner: the message (the bytes the digest is
// of) hashed and signed by openssl dgst.
func opensslSignMessage(t *testing.T, keyFile, message string) string {
	t.Helper()
	cmd := exec.Command("bash", "-c", `printf %s "$MESSAGE" | base64 -d | openssl dgst -sha256 -sign "$KEY" | base64 -w0`)
	cmd.Env = append(os.Environ(), "MESSAGE="+message, "KEY="+keyFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

func testClientSigning(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "govchain-sign")
	build := exec.Command("go", "build", "-o", bin, "./cmd/govchain-sign")
	build.Dir = h.root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build govchain-sign: %v\n%s", err, out)
	}
	mktApi, mktKey := csKey(t, "market", "registrar-cs")
	api := "http://" + h.gwAddr
	sign := func(t *testing.T, apiKey, keyFile string, args ...string) (int, map[string]any, string) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"-api", api, "-key-file", keyFile, "-api-key", apiKey}, args...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("govchain-sign: %v", err)
		}
		var m map[string]any
		_ = json.Unmarshal(stdout.Bytes(), &m)
		return code, m, stdout.String() + stderr.String()
	}
	// creatorOf is the certificate subject that signed a committed transaction.
	creatorOf := func(t *testing.T, tx string) string {
		r := must(t, 200, call(t, "GET", "/api/v1/transactions/"+tx, key(t, "audit", "auditor"), nil))
		return str(r.JSON, "creator.subject")
	}

	t.Run("govchain-sign registers a business; the transaction is the client identity's", func(t *testing.T) {
		u := newUSCC(t)
		body := filepath.Join(t.TempDir(), "body.json")
		raw, _ := json.Marshal(businessBody(u, "Client Signed "+u))
		if err := os.WriteFile(body, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		code, m, out := sign(t, mktApi, mktKey, "-v", "POST", "/api/v1/businesses", "@"+body)
		if !strings.Contains(out, "signing business:Register on ") {
			t.Errorf("-v shows the call read from the proposal before signing it:\n%s", out)
		}
		if code != 0 || str(m, "uscc") != u || len(str(m, "transaction_id")) != 64 || num(m, "block_number") <= 0 {
			t.Fatalf("govchain-sign: exit %d\n%s", code, out)
		}
		created = append(created, "/api/v1/businesses/"+u)
		must(t, 200, call(t, "GET", "/api/v1/businesses/"+u, key(t, "tax", "invoice-issuer"), nil))
		if s := creatorOf(t, str(m, "transaction_id")); !strings.Contains(s, "registrar-cs") {
			t.Fatalf("the creator must be the client-signed identity, got %q", s)
		}
	})

	t.Run("the same with plain openssl signatures", func(t *testing.T) {
		u := newUSCC(t)
		r := must(t, 201, call(t, "POST", "/api/v1/signing/proposals", mktApi,
			map[string]any{"method": "POST", "path": "/api/v1/businesses", "body": businessBody(u, "OpenSSL Signed "+u)}))
		tx := str(r.JSON, "transaction_id")
		r = must(t, 200, call(t, "POST", "/api/v1/signing/proposals/"+tx+"/endorsement", mktApi,
			map[string]any{"signature": opensslSign(t, mktKey, str(r.JSON, "digest"))}))
		if str(r.JSON, "result.uscc") != u {
			t.Fatalf("the endorsement answers the result to be committed: %s", r)
		}
		// The transaction signed the other way: openssl hashes the message itself.
		r = must(t, 201, call(t, "POST", "/api/v1/signing/transactions/"+tx, mktApi,
			map[string]any{"signature": opensslSignMessage(t, mktKey, str(r.JSON, "message"))}))
		if str(r.JSON, "uscc") != u || str(r.JSON, "transaction_id") != tx {
			t.Fatalf("want the registered business: %s", r)
		}
		created = append(created, "/api/v1/businesses/"+u)
		if s := creatorOf(t, tx); !strings.Contains(s, "registrar-cs") {
			t.Fatalf("the creator must be the client-signed identity, got %q", s)
		}
	})

	t.Run("async: 202, then the client's own key polls the status", func(t *testing.T) {
		u := newUSCC(t)
		raw, _ := json.Marshal(businessBody(u, "Async Signed "+u))
		code, m, out := sign(t, mktApi, mktKey, "-async", "-idempotency-key", "cs-"+u, "POST", "/api/v1/businesses", string(raw))
		if code != 0 || str(m, "status") != "PENDING" {
			t.Fatalf("govchain-sign -async: exit %d\n%s", code, out)
		}
		tx := str(m, "transaction_id")
		deadline := time.Now().Add(60 * time.Second)
		for {
			r := must(t, 200, call(t, "GET", "/api/v1/transactions/"+tx, mktApi, nil))
			if s := str(r.JSON, "status"); s == "VALID" {
				break
			} else if s != "PENDING" || time.Now().After(deadline) {
				t.Fatalf("want VALID: %s", r)
			}
			time.Sleep(300 * time.Millisecond)
		}
		created = append(created, "/api/v1/businesses/"+u)
	})

	t.Run("refusals", func(t *testing.T) {
		u := newUSCC(t)
		r := must(t, 201, call(t, "POST", "/api/v1/signing/proposals", mktApi,
			map[string]any{"method": "POST", "path": "/api/v1/businesses", "body": businessBody(u, "Refused "+u)}))
		tx, digest := str(r.JSON, "transaction_id"), str(r.JSON, "digest")
		other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		d, _ := base64.StdEncoding.DecodeString(digest)
		wrong, _ := clientsign.Sign(other, d)
		r = call(t, "POST", "/api/v1/signing/proposals/"+tx+"/endorsement", mktApi, map[string]any{"signature": base64.StdEncoding.EncodeToString(wrong)})
		if r.Status != 400 || r.ErrCode() != "BAD_SIGNATURE" {
			t.Fatalf("another key's signature: want 400 BAD_SIGNATURE, got %s", r)
		}
		taxApi, taxKey := csKey(t, "tax", "invoice-issuer-cs")
		r = call(t, "POST", "/api/v1/signing/proposals/"+tx+"/endorsement", taxApi, map[string]any{"signature": opensslSign(t, taxKey, digest)})
		if r.Status != 404 {
			t.Fatalf("another identity cannot continue the write: %s", r)
		}
		r = call(t, "POST", "/api/v1/signing/transactions/"+tx, mktApi, map[string]any{"signature": opensslSign(t, mktKey, digest)})
		if r.Status != 409 {
			t.Fatalf("the transaction step before the endorsement: want 409, got %s", r)
		}
		r = call(t, "POST", "/api/v1/signing/proposals/"+strings.Repeat("ab", 32)+"/endorsement", mktApi, map[string]any{"signature": opensslSign(t, mktKey, digest)})
		if r.Status != 404 || r.ErrCode() != "NOT_FOUND" {
			t.Fatalf("unknown tx_id: want 404, got %s", r)
		}
		absent("/api/v1/businesses/" + u)(t)

		r = call(t, "POST", "/api/v1/businesses", mktApi, businessBody(newUSCC(t), "Direct"))
		if r.Status != 403 {
			t.Fatalf("a client-signed identity cannot write through the gateway's key: %s", r)
		}
		r = call(t, "POST", "/api/v1/signing/proposals", key(t, "market", "registrar"),
			map[string]any{"method": "POST", "path": "/api/v1/businesses", "body": businessBody(newUSCC(t), "Server")})
		if r.Status != 403 {
			t.Fatalf("a server-signed identity has no signing steps: %s", r)
		}
		pu := businessBody(newUSCC(t), "Personal CS")
		idn, mob := newResidentID(t), newMobile()
		remember(idn, mob) // the privacy proof searches every block and data directory for them
		pu["personal"] = map[string]any{"id_number": idn, "mobile": mob, "home_address": "1 Signing Road"}
		r = call(t, "POST", "/api/v1/signing/proposals", mktApi, map[string]any{"method": "POST", "path": "/api/v1/businesses", "body": pu})
		if r.Status != 400 {
			t.Fatalf("personal data cannot be signed on the client: %s", r)
		}
	})

	t.Run("an unsigned step expires: 410 SIGNING_EXPIRED, nothing written", func(t *testing.T) {
		u := newUSCC(t)
		r := must(t, 201, call(t, "POST", "/api/v1/signing/proposals", mktApi,
			map[string]any{"method": "POST", "path": "/api/v1/businesses", "body": businessBody(u, "Expired "+u)}))
		tx, digest := str(r.JSON, "transaction_id"), str(r.JSON, "digest")
		if at, err := time.Parse(time.RFC3339Nano, str(r.JSON, "expires_at")); err != nil || time.Until(at) > signingTimeout+time.Second {
			t.Fatalf("expires_at must be within timeouts.signing: %s", r)
		}
		time.Sleep(signingTimeout + time.Second)
		r = call(t, "POST", "/api/v1/signing/proposals/"+tx+"/endorsement", mktApi, map[string]any{"signature": opensslSign(t, mktKey, digest)})
		if r.Status != 410 || r.ErrCode() != "SIGNING_EXPIRED" {
			t.Fatalf("want 410 SIGNING_EXPIRED, got %s", r)
		}
		absent("/api/v1/businesses/" + u)(t)
	})

	t.Run("authorisation matrix of the client-signed identities", func(t *testing.T) {
		seller := fixtures{t}.business()
		writes := []struct {
			name, role, path string
			body             func() any
		}{
			{"POST /businesses", "registrar", "/api/v1/businesses", func() any { u := newUSCC(t); return businessBody(u, "CS Matrix "+u) }},
			{"POST /invoices", "invoice-issuer", "/api/v1/invoices", func() any { return invoiceBody(newInvoiceNumber(), seller, 1) }},
			{"POST /evidence", "depositor", "/api/v1/evidence", func() any { return depositBody(newHash()) }},
		}
		for _, id := range clientSigned {
			apiKey, keyFile := csKey(t, id.org, id.user)
			for _, w := range writes {
				t.Run(w.name+" as "+id.org+"/"+id.user, func(t *testing.T) {
					raw, _ := json.Marshal(w.body())
					code, m, out := sign(t, apiKey, keyFile, "POST", w.path, string(raw))
					if w.role == id.role {
						if code != 0 || len(str(m, "transaction_id")) != 64 {
							t.Fatalf("must be allowed: exit %d\n%s", code, out)
						}
						return
					}
					if code != 1 || str(m, "error.code") != "FORBIDDEN" {
						t.Fatalf("must be refused 403 FORBIDDEN at the proposal: exit %d\n%s", code, out)
					}
				})
			}
		}
	})
}
