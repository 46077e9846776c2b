//go:build e2e

package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// identities are every org/role with an API key.
var identities = []string{
	"market/admin", "market/registrar", "market/finance", "market/depositor",
	"tax/admin", "tax/invoice-issuer", "tax/finance", "tax/depositor",
	"notary/admin", "notary/notary", "notary/finance", "notary/depositor",
	"audit/admin", "audit/auditor",
}

func keyOf(t testing.TB, id string) string {
	org, role, _ := strings.Cut(id, "/")
	return key(t, org, role)
}

func newHash() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func depositBody(hash string) map[string]any {
	return map[string]any{"hash": hash, "hash_algorithm": "sha256", "file_name": "scan.pdf",
		"media_type": "application/pdf", "size_bytes": 2048, "category": "license", "description": "scanned licence"}
}

// fixtures are made with the allowed identities, through the API.
type fixtures struct{ t *testing.T }

func (f fixtures) business() string {
	u := newUSCC(f.t)
	must(f.t, 201, call(f.t, "POST", "/api/v1/businesses", key(f.t, "market", "registrar"), businessBody(u, "Matrix Fixture "+u)))
	return u
}

func (f fixtures) invoice(seller string) string {
	n := newInvoiceNumber()
	must(f.t, 201, call(f.t, "POST", "/api/v1/invoices", key(f.t, "tax", "invoice-issuer"), invoiceBody(n, seller, 2)))
	return n
}

func (f fixtures) claimed(seller string) string {
	n := f.invoice(seller)
	r := call(f.t, "POST", "/api/v1/invoices/"+n+"/reimbursement", key(f.t, "market", "finance"), map[string]any{"reference": "FIX"})
	if r.Status/100 != 2 {
		f.t.Fatalf("claim fixture: %s", r)
	}
	return n
}

// personal registers a business with personal data (and DEREGISTERED when final is set).
func (f fixtures) personal(final bool) string {
	u, r := personalBusiness(f.t, newResidentID(f.t), newMobile(), "9 Matrix Road")
	must(f.t, 201, r)
	if final {
		must(f.t, 200, call(f.t, "POST", "/api/v1/businesses/"+u+"/status", key(f.t, "market", "registrar"), map[string]any{"status": "DEREGISTERED", "reason": "matrix"}))
	}
	return u
}

// pledged registers a business under 告知承诺制 (pledgedBody: the registered address proof
// among the pledged materials, due within 30 days).
func (f fixtures) pledged() string {
	u := newUSCC(f.t)
	must(f.t, 201, call(f.t, "POST", "/api/v1/businesses", key(f.t, "market", "registrar"), pledgedBody(f.t, u, "Matrix Pledge "+u, 30)))
	return u
}

func (f fixtures) grant(record string) string {
	r := must(f.t, 201, call(f.t, "POST", "/api/v1/grants", key(f.t, "market", "registrar"),
		grantBody(record, "NotaryMSP", "COURT_PROCEEDINGS", time.Now().AddDate(0, 1, 0), "mobile")))
	return str(r.JSON, "id")
}

func (f fixtures) evidence() string { return deposit(f.t, "market") }

// unchanged returns a check that GET path still answers exactly what it answers now.
func unchanged(t *testing.T, path string) func(*testing.T) {
	before := call(t, "GET", path, key(t, "audit", "auditor"), nil)
	return func(t *testing.T) {
		after := call(t, "GET", path, key(t, "audit", "auditor"), nil)
		if after.Status != before.Status || !reflect.DeepEqual(after.JSON, before.JSON) {
			t.Errorf("%s changed after a refused write:\nbefore %s\nafter  %s", path, before, after)
		}
	}
}

// absent returns a check that GET path is (still) 404.
func absent(path string) func(*testing.T) {
	return func(t *testing.T) {
		if r := call(t, "GET", path, key(t, "audit", "auditor"), nil); r.Status != 404 {
			t.Errorf("%s exists after a refused write: %s", path, r)
		}
	}
}

type writeRoute struct {
	name    string
	allowed []string
	refusal string // the refusal code (default FORBIDDEN)
	// allowedCode, when set, is the refusal an allowed identity gets from the state (it passed
	// the permission check): e.g. CONFLICT for a first licence of a business that has one.
	allowedCode string
	// prep returns the request to send and a check that a refusal left the ledger alone.
	prep func(t *testing.T, allowed bool) (method, path string, body any, check func(*testing.T))
}

func testAuthzMatrix(t *testing.T) {
	f := fixtures{t}
	seller := f.business()
	sharedBiz := f.business()
	sharedInv := f.invoice(seller)
	sharedClaimed := f.claimed(seller)
	sharedEv := f.evidence()
	sharedPersonal := f.personal(false)
	sharedFinal := f.personal(true)
	sharedGrant := f.grant(sharedPersonal)
	sharedPledged := f.pledged()
	everyone := identities

	routes := []writeRoute{
		{"POST /businesses", []string{"market/registrar"}, "", "", func(t *testing.T, _ bool) (string, string, any, func(*testing.T)) {
			u := newUSCC(t)
			return "POST", "/api/v1/businesses", businessBody(u, "Matrix "+u), absent("/api/v1/businesses/" + u)
		}},
		{"PATCH /businesses/{uscc}", []string{"market/registrar"}, "", "", func(t *testing.T, _ bool) (string, string, any, func(*testing.T)) {
			body := map[string]any{"changes": map[string]any{"address": "Matrix Road " + newHash()[:6]}, "reason": "moved"}
			return "PATCH", "/api/v1/businesses/" + sharedBiz, body, unchanged(t, "/api/v1/businesses/"+sharedBiz)
		}},
		{"POST /businesses/{uscc}/status", []string{"market/registrar"}, "", "", func(t *testing.T, allowed bool) (string, string, any, func(*testing.T)) {
			u := sharedBiz
			if allowed {
				u = f.business()
			}
			return "POST", "/api/v1/businesses/" + u + "/status", map[string]any{"status": "SUSPENDED", "reason": "inspection"}, unchanged(t, "/api/v1/businesses/"+u)
		}},
		{"POST /invoices", []string{"tax/invoice-issuer"}, "", "", func(t *testing.T, _ bool) (string, string, any, func(*testing.T)) {
			n := newInvoiceNumber()
			return "POST", "/api/v1/invoices", invoiceBody(n, seller, 1), absent("/api/v1/invoices/" + n)
		}},
		{"POST /invoices/{n}/reimbursement", []string{"market/finance", "tax/finance", "notary/finance"}, "", "", func(t *testing.T, allowed bool) (string, string, any, func(*testing.T)) {
			n := sharedInv
			if allowed {
				n = f.invoice(seller)
			}
			return "POST", "/api/v1/invoices/" + n + "/reimbursement", map[string]any{"reference": "M-1"}, unchanged(t, "/api/v1/invoices/"+n)
		}},
		{"DELETE /invoices/{n}/reimbursement", []string{"market/finance"}, "", "", func(t *testing.T, allowed bool) (string, string, any, func(*testing.T)) {
			n := sharedClaimed
			if allowed {
				n = f.claimed(seller)
			}
			return "DELETE", "/api/v1/invoices/" + n + "/reimbursement", map[string]any{"reason": "withdrawn"}, unchanged(t, "/api/v1/invoices/"+n)
		}},
		{"POST /invoices/{n}/reversal", []string{"tax/invoice-issuer"}, "", "", func(t *testing.T, allowed bool) (string, string, any, func(*testing.T)) {
			n := sharedInv
			if allowed {
				n = f.invoice(seller)
			}
			red := newInvoiceNumber()
			keep := unchanged(t, "/api/v1/invoices/"+n)
			return "POST", "/api/v1/invoices/" + n + "/reversal", reversalBody(red, 1), func(t *testing.T) { keep(t); absent("/api/v1/invoices/" + red)(t) }
		}},
		{"POST /evidence", []string{"market/depositor", "tax/depositor", "notary/depositor"}, "", "", func(t *testing.T, _ bool) (string, string, any, func(*testing.T)) {
			hash := newHash()
			return "POST", "/api/v1/evidence", depositBody(hash), verifyAbsent(hash)
		}},
		{"POST /evidence/batch", []string{"market/depositor", "tax/depositor", "notary/depositor"}, "", "", func(t *testing.T, _ bool) (string, string, any, func(*testing.T)) {
			h1, h2 := newHash(), newHash()
			return "POST", "/api/v1/evidence/batch", map[string]any{"items": []any{depositBody(h1), depositBody(h2)}},
				func(t *testing.T) { verifyAbsent(h1)(t); verifyAbsent(h2)(t) }
		}},
		{"POST /evidence/{id}/certification", []string{"notary/notary"}, "", "", func(t *testing.T, allowed bool) (string, string, any, func(*testing.T)) {
			id := sharedEv
			if allowed {
				id = f.evidence()
			}
			return "POST", "/api/v1/evidence/" + id + "/certification", map[string]any{"certificate_number": "M-" + newHash()[:8]}, unchanged(t, "/api/v1/evidence/"+id)
		}},
		{"POST /evidence/{id}/revocation", []string{"market/depositor"}, "", "", func(t *testing.T, allowed bool) (string, string, any, func(*testing.T)) {
			id := sharedEv
			if allowed {
				id = f.evidence()
			}
			return "POST", "/api/v1/evidence/" + id + "/revocation", map[string]any{"reason": "wrong file"}, unchanged(t, "/api/v1/evidence/"+id)
		}},
		{"POST /grants", []string{"market/registrar"}, "", "", func(t *testing.T, _ bool) (string, string, any, func(*testing.T)) {
			return "POST", "/api/v1/grants", grantBody(sharedPersonal, "TaxMSP", "TAX_IDENTITY_CHECK", time.Now().AddDate(0, 2, 0), "id_number"),
				unchanged(t, "/api/v1/grants?record="+sharedPersonal+"&grantee=TaxMSP")
		}},
		{"DELETE /grants/{id}", []string{"market/registrar"}, "", "", func(t *testing.T, allowed bool) (string, string, any, func(*testing.T)) {
			g := sharedGrant
			if allowed {
				g = f.grant(sharedPersonal)
			}
			return "DELETE", "/api/v1/grants/" + g, map[string]any{"reason": "matrix"}, unchanged(t, "/api/v1/grants/"+g)
		}},
		{"PATCH /businesses/{uscc}/personal", []string{"market/registrar"}, "", "", func(t *testing.T, _ bool) (string, string, any, func(*testing.T)) {
			m := newMobile()
			remember(m)
			return "PATCH", "/api/v1/businesses/" + sharedPersonal + "/personal", map[string]any{"changes": map[string]any{"mobile": m}, "reason": "matrix"},
				unchanged(t, "/api/v1/businesses/"+sharedPersonal)
		}},
		{"DELETE /businesses/{uscc}/personal", []string{"market/registrar"}, "", "", func(t *testing.T, allowed bool) (string, string, any, func(*testing.T)) {
			u := sharedFinal
			if allowed {
				u = f.personal(true)
			}
			return "DELETE", "/api/v1/businesses/" + u + "/personal", map[string]any{"reason": "matrix"}, unchanged(t, "/api/v1/businesses/"+u)
		}},
		{"POST /businesses/{uscc}/personal/verify", everyone, "", "", func(t *testing.T, _ bool) (string, string, any, func(*testing.T)) {
			m := newMobile()
			remember(m)
			return "POST", "/api/v1/businesses/" + sharedPersonal + "/personal/verify", map[string]any{"field": "mobile", "value": m}, nil
		}},
		{"GET /businesses/{uscc}/personal (no grant)", []string{"market/registrar"}, "NO_GRANT", "", func(t *testing.T, _ bool) (string, string, any, func(*testing.T)) {
			return "GET", "/api/v1/businesses/" + sharedPersonal + "/personal?purpose=REGISTRATION_MANAGEMENT&fields=id_number", nil,
				func(*testing.T) {}
		}},
		{"POST /businesses/{uscc}/materials", []string{"market/registrar"}, "", "", func(t *testing.T, allowed bool) (string, string, any, func(*testing.T)) {
			u, ev := sharedPledged, sharedEv
			if allowed {
				u, ev = f.pledged(), f.evidence()
			}
			return "POST", "/api/v1/businesses/" + u + "/materials", map[string]any{"material": "registered_address_proof", "evidence_id": ev},
				unchanged(t, "/api/v1/businesses/"+u)
		}},
		{"POST /pledges/overdue-check", []string{"market/registrar"}, "", "", func(t *testing.T, _ bool) (string, string, any, func(*testing.T)) {
			return "POST", "/api/v1/pledges/overdue-check", map[string]any{}, unchanged(t, "/api/v1/pledges?status=BROKEN")
		}},
		// Every registration issues its licence: the registrar's first-licence call is refused
		// on the state (CONFLICT), everyone else's on the permission (FORBIDDEN).
		{"POST /businesses/{uscc}/licence", []string{"market/registrar"}, "", "CONFLICT", func(t *testing.T, _ bool) (string, string, any, func(*testing.T)) {
			return "POST", "/api/v1/businesses/" + sharedBiz + "/licence", map[string]any{}, unchanged(t, "/api/v1/businesses/"+sharedBiz)
		}},
	}

	// result[identity][route] = what happened.
	result := map[string]map[string]string{}
	for _, id := range identities {
		result[id] = map[string]string{}
	}
	for _, rt := range routes {
		for _, id := range identities {
			allowed := slices.Contains(rt.allowed, id)
			name := fmt.Sprintf("%s as %s", rt.name, id)
			ok := t.Run(name, func(t *testing.T) {
				method, path, body, check := rt.prep(t, allowed)
				r := call(t, method, path, keyOf(t, id), body)
				if allowed && rt.allowedCode != "" {
					if r.ErrCode() != rt.allowedCode {
						t.Fatalf("%s must pass the permission check and be refused with %s: %s", id, rt.allowedCode, r)
					}
					return
				}
				if allowed {
					if r.Status/100 != 2 {
						t.Fatalf("%s must be allowed: %s", id, r)
					}
					return
				}
				want := rt.refusal
				if want == "" {
					want = "FORBIDDEN"
				}
				if r.Status != 403 || r.ErrCode() != want {
					t.Fatalf("%s must be refused with 403 %s: %s", id, want, r)
				}
				if want == "NO_GRANT" {
					rec := call(t, "GET", "/api/v1/access-log/"+str(r.JSON, "error.access_id"), key(t, "audit", "auditor"), nil)
					if str(rec.JSON, "outcome") != "DENIED" {
						t.Fatalf("the refused attempt must be on the ledger: %s", rec)
					}
				}
				check(t)
			})
			cell := map[bool]string{true: "allow", false: "403"}[allowed]
			if !ok {
				cell = "FAIL(" + cell + ")"
			}
			result[id][rt.name] = cell
		}
	}

	// The matrix as a table in the test output.
	var sb strings.Builder
	fmt.Fprintf(&sb, "\n%-20s", "identity")
	for i := range routes {
		fmt.Fprintf(&sb, " %-6s", fmt.Sprintf("R%d", i+1))
	}
	sb.WriteString("\n")
	for _, id := range identities {
		fmt.Fprintf(&sb, "%-20s", id)
		for _, rt := range routes {
			fmt.Fprintf(&sb, " %-6s", result[id][rt.name])
		}
		sb.WriteString("\n")
	}
	for i, rt := range routes {
		fmt.Fprintf(&sb, "R%d = %s\n", i+1, rt.name)
	}
	t.Log(sb.String())
}

func verifyAbsent(hash string) func(*testing.T) {
	return func(t *testing.T) {
		r := call(t, "POST", "/api/v1/evidence/verify", key(t, "audit", "auditor"), map[string]any{"hash": hash, "hash_algorithm": "sha256"})
		if r.Status != 200 || r.JSON["found"] != false {
			t.Errorf("hash %s is on the ledger after a refused deposit: %s", hash, r)
		}
	}
}
