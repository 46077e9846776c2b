//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// chinaDate is today's date in China Standard Time, plus days.
func chinaDate(days int) string {
	return time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, days).Format("2006-01-02")
}

// deposit deposits a document's digest as org's depositor and returns the evidence id.
func deposit(t *testing.T, org string) string {
	t.Helper()
	r := must(t, 201, call(t, "POST", "/api/v1/evidence", key(t, org, "depositor"), depositBody(newHash())))
	return str(r.JSON, "id")
}

// pledgedBody is a limited-company registration that supplies the articles and the legal
// representative's identity and pledges the other three materials, due in dueDays.
func pledgedBody(t *testing.T, uscc, name string, dueDays int) map[string]any {
	b := businessBody(uscc, name)
	b["materials"] = []any{
		map[string]any{"material": "articles_of_association", "evidence_id": deposit(t, "market")},
		map[string]any{"material": "legal_representative_identity", "evidence_id": deposit(t, "market")},
	}
	b["pledge"] = map[string]any{
		"missing":    []any{"registered_address_proof", "shareholders_resolution", "appointment_documents"},
		"statement":  "I pledge that the information is true and that the missing documents will be supplied by the due date.",
		"pledged_by": "Lin Mei",
		"due_on":     chinaDate(dueDays),
	}
	return b
}

func testPledgeAndLicence(t *testing.T) {
	registrar := key(t, "market", "registrar")
	issuer := key(t, "tax", "invoice-issuer")
	auditor := key(t, "audit", "auditor")
	uscc := newUSCC(t)

	t.Run("a registration missing papers is accepted on a pledge", func(t *testing.T) {
		b := mustWrite(t, call(t, "POST", "/api/v1/businesses", registrar, pledgedBody(t, uscc, "Pledge Trading "+uscc, 30)), "BusinessRegistered")
		if b["status"] != "ACTIVE" || str(b, "pledge.status") != "OPEN" || str(b, "pledge.due_on") != chinaDate(30) {
			t.Fatalf("want an ACTIVE business with an OPEN pledge: %v", b)
		}
		if n := len(get(b, "materials").([]any)); n != 2 {
			t.Fatalf("want 2 materials on record, got %d: %v", n, b)
		}
		created = append(created, "/api/v1/businesses/"+uscc)
	})
	t.Run("open pledges are listed for every agency", func(t *testing.T) {
		r := must(t, 200, call(t, "GET", "/api/v1/pledges?status=OPEN&due_before="+chinaDate(31)+"&page_size=100", issuer, nil))
		if !strings.Contains(string(r.Body), uscc) {
			t.Fatalf("the OPEN pledge of %s is not listed: %s", uscc, r)
		}
		must(t, 400, call(t, "GET", "/api/v1/pledges?status=LATE", issuer, nil))
	})
	t.Run("refusals change nothing", func(t *testing.T) {
		revoked := deposit(t, "market")
		mustWrite(t, call(t, "POST", "/api/v1/evidence/"+revoked+"/revocation", key(t, "market", "depositor"), map[string]any{"reason": "wrong scan"}), "EvidenceRevoked")
		before := must(t, 200, call(t, "GET", "/api/v1/businesses/"+uscc, auditor, nil))
		cases := []struct {
			name, material, evidence string
			status                   int
			code, fragment           string
		}{
			{"revoked evidence", "registered_address_proof", revoked, 422, "UNPROCESSABLE", "revoked"},
			{"unknown evidence", "registered_address_proof", strings.Repeat("ab", 16), 422, "UNPROCESSABLE", "not deposited"},
			{"already supplied", "articles_of_association", deposit(t, "notary"), 409, "CONFLICT", "already supplied"},
			{"not a material", "tax_clearance", deposit(t, "notary"), 422, "UNPROCESSABLE", "not a material"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := must(t, c.status, call(t, "POST", "/api/v1/businesses/"+uscc+"/materials", registrar, map[string]any{"material": c.material, "evidence_id": c.evidence}))
				if r.ErrCode() != c.code || !strings.Contains(str(r.JSON, "error.message"), c.fragment) {
					t.Fatalf("want %s mentioning %q: %s", c.code, c.fragment, r)
				}
			})
		}
		after := must(t, 200, call(t, "GET", "/api/v1/businesses/"+uscc, auditor, nil))
		if string(before.Body) != string(after.Body) {
			t.Fatalf("a refused supply changed the business:\n%s\n%s", before.Body, after.Body)
		}
		for _, c := range []struct {
			name, fragment string
			mut            func(map[string]any)
		}{
			{"due more than 60 days on", "more than 60 days", func(b map[string]any) { b["pledge"].(map[string]any)["due_on"] = chinaDate(61) }},
			{"identity pledged", "may never be pledged", func(b map[string]any) {
				b["materials"] = b["materials"].([]any)[:1]
				p := b["pledge"].(map[string]any)
				p["missing"] = append(p["missing"].([]any), "legal_representative_identity")
			}},
		} {
			t.Run(c.name, func(t *testing.T) {
				u := newUSCC(t)
				body := pledgedBody(t, u, "Refused "+u, 30)
				c.mut(body)
				r := must(t, 422, call(t, "POST", "/api/v1/businesses", registrar, body))
				if !strings.Contains(str(r.JSON, "error.message"), c.fragment) {
					t.Fatalf("want a message mentioning %q: %s", c.fragment, r)
				}
				must(t, 404, call(t, "GET", "/api/v1/businesses/"+u, auditor, nil))
			})
		}
	})
	t.Run("deposit the missing documents, supply them, the pledge is FULFILLED", func(t *testing.T) {
		lease := []byte("Lease of 99 Hubin South Road for " + uscc + ", signed " + time.Now().Format(time.RFC3339))
		ev := must(t, 201, call(t, "POST", "/api/v1/evidence", key(t, "notary", "depositor"), multipartFile(t, "lease.pdf", lease, map[string]string{
			"category": "contract", "description": "lease of the registered address",
		})))
		b := mustWrite(t, call(t, "POST", "/api/v1/businesses/"+uscc+"/materials", registrar,
			map[string]any{"material": "registered_address_proof", "evidence_id": str(ev.JSON, "id")}), "BusinessMaterialSupplied")
		if str(b, "pledge.status") != "OPEN" || len(get(b, "pledge.missing").([]any)) != 2 {
			t.Fatalf("two materials remain missing: %v", b)
		}
		mustWrite(t, call(t, "POST", "/api/v1/businesses/"+uscc+"/materials", registrar,
			map[string]any{"material": "shareholders_resolution", "evidence_id": deposit(t, "market")}), "BusinessMaterialSupplied")
		b = mustWrite(t, call(t, "POST", "/api/v1/businesses/"+uscc+"/materials", registrar,
			map[string]any{"material": "appointment_documents", "evidence_id": deposit(t, "market")}), "PledgeFulfilled")
		if str(b, "pledge.status") != "FULFILLED" || len(get(b, "pledge.missing").([]any)) != 0 || len(get(b, "materials").([]any)) != 5 {
			t.Fatalf("want a FULFILLED pledge with 5 materials: %v", b)
		}
		h := must(t, 200, call(t, "GET", "/api/v1/businesses/"+uscc+"/history", auditor, nil))
		if n := len(get(h.JSON, "entries").([]any)); n != 4 {
			t.Fatalf("history must show the registration and three supplies, got %d entries", n)
		}
	})
	t.Run("the overdue check runs on the transaction's date; credit is public", func(t *testing.T) {
		// Not a story write: an overdue check that breaks nothing emits no event.
		r := must(t, 200, call(t, "POST", "/api/v1/pledges/overdue-check", registrar, map[string]any{})).JSON
		if len(str(r, "transaction_id")) != 64 {
			t.Fatalf("the overdue check is a committed transaction: %v", r)
		}
		if asOf := str(r, "as_of"); asOf != chinaDate(0) && asOf != chinaDate(-1) {
			t.Fatalf("as_of must be the transaction's date in China Standard Time, got %q", asOf)
		}
		if strings.Contains(str(r, "broken"), uscc) {
			t.Fatalf("a fulfilled pledge must not break: %v", r)
		}
		c := must(t, 200, call(t, "GET", "/api/v1/businesses/"+uscc+"/credit", issuer, nil))
		if recs, _ := c.JSON["records"].([]any); len(recs) != 0 {
			t.Fatalf("a business that kept its pledge has no credit record: %s", c)
		}
		must(t, 403, call(t, "POST", "/api/v1/pledges/overdue-check", issuer, map[string]any{}))
	})

	t.Run("clerks registering the same business at once: one 201, the others 409", func(t *testing.T) {
		u := newUSCC(t)
		body := businessBody(u, "Race "+u)
		statuses := make([]resp, 4)
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				statuses[i] = call(t, "POST", "/api/v1/businesses", registrar, body)
			}(i)
		}
		wg.Wait()
		won := 0
		for _, r := range statuses {
			switch {
			case r.Status == 201:
				won++
			case r.Status == 409 && r.ErrCode() == "CONFLICT" && strings.Contains(str(r.JSON, "error.message"), "already registered"):
			default:
				t.Errorf("want 201 or 409 CONFLICT (already registered), got %s", r)
			}
		}
		if won != 1 {
			t.Fatalf("exactly one registration must succeed, %d did", won)
		}
	})

	var v1, v2 map[string]any
	var scanned string // the text of the PNG's QR code
	t.Run("registration issued licence version 1, an amendment version 2", func(t *testing.T) {
		v1 = must(t, 200, call(t, "GET", "/api/v1/businesses/"+uscc+"/licence", issuer, nil)).JSON
		if num(v1, "licence.version") != 1 || v1["current"] != true || str(v1, "licence.uscc") != uscc || len(str(v1, "licence.verification_code")) != 64 {
			t.Fatalf("unexpected licence: %v", v1)
		}
		mustWrite(t, call(t, "PATCH", "/api/v1/businesses/"+uscc, registrar, map[string]any{
			"changes": map[string]any{"registered_capital_fen": 500000000}, "reason": "capital increase"}), "BusinessAmended")
		v2 = must(t, 200, call(t, "GET", "/api/v1/businesses/"+uscc+"/licence", issuer, nil)).JSON
		if num(v2, "licence.version") != 2 || num(v2, "licence.registered_capital_fen") != 500000000 {
			t.Fatalf("the amendment must issue version 2: %v", v2)
		}
		old := must(t, 200, call(t, "GET", "/api/v1/businesses/"+uscc+"/licence?version=1", issuer, nil)).JSON
		if old["current"] != false || num(old, "superseded_by") != 2 || str(old, "licence.verification_code") != str(v1, "licence.verification_code") {
			t.Fatalf("version 1 stays on record, superseded by 2: %v", old)
		}
		must(t, 404, call(t, "GET", "/api/v1/businesses/"+uscc+"/licence?version=3", issuer, nil))
	})
	t.Run("the PNG's QR code decodes to the verification page's URL, which verifies without an API key", func(t *testing.T) {
		zbar, err := exec.LookPath("zbarimg")
		if err != nil {
			t.Fatalf("zbarimg is needed to read the licence's QR code: install zbar-tools (%v)", err)
		}
		r := must(t, 200, call(t, "GET", "/api/v1/businesses/"+uscc+"/licence?format=png", issuer, nil))
		if ct := r.Header.Get("Content-Type"); ct != "image/png" || len(r.Body) < 10000 {
			t.Fatalf("want a PNG, got %s (%d bytes)", ct, len(r.Body))
		}
		logs := envOr("GOVCHAIN_TEST_LOGS", filepath.Join(h.root, "data", "test-logs"))
		if err := os.MkdirAll(logs, 0o755); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(logs, "licence.png") // kept with the test logs
		if err := os.WriteFile(file, r.Body, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(zbar, "--raw", "-q", file).Output()
		if err != nil {
			t.Fatalf("zbarimg found no QR code in %s: %v", file, err)
		}
		// netctl sets licence.public_url to the gateway's own address: the QR code opens the
		// verification page, its fragment the chaincode's qr_payload, and GET …/licence
		// answers the same URL as qr_url.
		scanned = strings.TrimSpace(string(out))
		want := "http://" + h.gwAddr + "/verify#" + str(v2, "qr_payload")
		if str(v2, "qr_url") != want {
			t.Fatalf("GET …/licence answers qr_url %q, want %q", str(v2, "qr_url"), want)
		}
		if scanned != want {
			t.Fatalf("the QR code carries %q, want %q", scanned, want)
		}
		res := must(t, 200, call(t, "POST", "/api/v1/licences/verify", "", map[string]any{"payload": scanned}))
		if res.JSON["valid"] != true || res.JSON["current"] != true || res.JSON["status"] != "ACTIVE" || res.JSON["result"] != "VALID" ||
			res.JSON["uscc"] != uscc || num(res.JSON, "version") != 2 {
			t.Fatalf("the scanned URL must verify as valid and current: %s", res)
		}
	})
	t.Run("the QR code's URL opens the verification page, which shows VALID", func(t *testing.T) {
		if scanned == "" {
			scanned = "http://" + h.gwAddr + "/verify#" + str(v2, "qr_payload")
		}
		testVerifyPage(t, scanned, uscc, v1["licence"])
	})
	t.Run("verification reports superseded and tampered licences", func(t *testing.T) {
		res := must(t, 200, call(t, "POST", "/api/v1/licences/verify", "", map[string]any{"licence": v2["licence"]}))
		if res.JSON["result"] != "VALID" {
			t.Fatalf("the current licence JSON must verify: %s", res)
		}
		res = must(t, 200, call(t, "POST", "/api/v1/licences/verify", "", map[string]any{"licence": v1["licence"]}))
		if res.JSON["valid"] != true || res.JSON["current"] != false || num(res.JSON, "superseded_by") != 2 || res.JSON["result"] != "SUPERSEDED" {
			t.Fatalf("version 1 is authentic but superseded by 2: %s", res)
		}
		forged := map[string]any{}
		for k, v := range v2["licence"].(map[string]any) {
			forged[k] = v
		}
		forged["registered_capital_fen"] = 5000000000
		res = must(t, 200, call(t, "POST", "/api/v1/licences/verify", "", map[string]any{"licence": forged}))
		if res.JSON["valid"] != false || res.JSON["result"] != "TAMPERED" || str(res.JSON, "tampered_fields") != `["registered_capital_fen"]` {
			t.Fatalf("a tampered licence must be refused, naming the field: %s", res)
		}
		r := must(t, 400, call(t, "POST", "/api/v1/licences/verify", "", map[string]any{"payload": "https://example.com/fake"}))
		if r.ErrCode() != "INVALID" {
			t.Fatalf("want INVALID: %s", r)
		}
	})
	t.Run("suspension changes the licence's standing", func(t *testing.T) {
		mustWrite(t, call(t, "POST", "/api/v1/businesses/"+uscc+"/status", registrar, map[string]any{"status": "SUSPENDED", "reason": "inspection"}), "BusinessStatusChanged")
		res := must(t, 200, call(t, "POST", "/api/v1/licences/verify", "", map[string]any{"payload": str(v2, "qr_payload")}))
		if res.JSON["valid"] != true || res.JSON["status"] != "SUSPENDED" {
			t.Fatalf("a suspended business's licence is authentic but SUSPENDED: %s", res)
		}
		mustWrite(t, call(t, "POST", "/api/v1/businesses/"+uscc+"/status", registrar, map[string]any{"status": "ACTIVE", "reason": "inspection passed"}), "BusinessStatusChanged")
	})
	t.Run("verification is rate-limited per client address", func(t *testing.T) {
		body := map[string]any{"payload": str(v2, "qr_payload")}
		for i := 1; i <= 500; i++ {
			r := call(t, "POST", "/api/v1/licences/verify", "", body)
			if r.Status == 200 {
				continue
			}
			if r.Status != 429 || r.ErrCode() != "RATE_LIMITED" {
				t.Fatalf("request %d: want 200 or 429 RATE_LIMITED, got %s", i, r)
			}
			secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
			if err != nil || secs < 1 {
				t.Fatalf("a 429 must carry Retry-After in whole seconds, got %q", r.Header.Get("Retry-After"))
			}
			t.Logf("request %d was refused with 429, Retry-After %d s", i, secs)
			return
		}
		t.Fatal("500 verifications in a row were never limited")
	})
}
