//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// ledgerSnapshot is what bad input must never change: the business list, one
// seller, one invoice and the chain height.
func ledgerSnapshot(t *testing.T, uscc, invoice string) map[string]any {
	auditor := key(t, "audit", "auditor")
	snap := map[string]any{
		"businesses": must(t, 200, call(t, "GET", "/api/v1/businesses?page_size=100", auditor, nil)).JSON,
		"seller":     must(t, 200, call(t, "GET", "/api/v1/businesses/"+uscc, auditor, nil)).JSON,
		"invoice":    must(t, 200, call(t, "GET", "/api/v1/invoices/"+invoice, auditor, nil)).JSON,
	}
	hs := h.net.Heights()
	snap["height"] = hs["peer0.audit"]
	return snap
}

func testBadInput(t *testing.T) {
	f := fixtures{t}
	registrar := key(t, "market", "registrar")
	issuer := key(t, "tax", "invoice-issuer")
	seller := f.business()
	inv := f.invoice(seller)

	badCheck := newUSCC(t)
	last := badCheck[17]
	wrong := byte('0')
	if last == '0' {
		wrong = '1'
	}
	badCheck = badCheck[:17] + string(wrong)

	mismatch := invoiceBody(newInvoiceNumber(), seller, 3)
	mismatch["total_fen"] = 1 // stated total differs from the computed one
	negative := invoiceBody(newInvoiceNumber(), seller, 3)
	negative["items"] = []map[string]any{{"description": "refund", "quantity": 1, "unit_price_fen": -500, "tax_rate_bp": 1300}}
	negative["total_amount_fen"], negative["total_tax_fen"], negative["total_fen"] = -500, -65, -565
	badRate := invoiceBody(newInvoiceNumber(), seller, 1)
	badRate["items"] = []map[string]any{{"description": "chair", "quantity": 1, "unit_price_fen": 35000, "tax_rate_bp": 1250}}
	unknownField := businessBody(newUSCC(t), "Unknown Field Co., Ltd.")
	unknownField["shareholders"] = []string{"someone"}
	huge := businessBody(newUSCC(t), "Huge Co., Ltd.")
	huge["business_scope"] = strings.Repeat("x", 2<<20)

	idemBody := businessBody(newUSCC(t), "Idempotent Co., Ltd.")
	idemOther := businessBody(newUSCC(t), "Idempotent Other Co., Ltd.")

	before := ledgerSnapshot(t, seller, inv)

	cases := []struct {
		name   string
		method string
		path   string
		key    string
		body   any
		hdr    []string
		status int
		code   string
		msg    string // substring of the message a clerk reads
	}{
		{"malformed JSON", "POST", "/api/v1/businesses", registrar, []byte(`{"uscc": "9135`), nil, 400, "INVALID", ""},
		{"JSON array instead of object", "POST", "/api/v1/businesses", registrar, []byte(`[1,2]`), nil, 400, "INVALID", ""},
		{"unknown field", "POST", "/api/v1/businesses", registrar, unknownField, nil, 400, "INVALID", "shareholders"},
		{"wrong USCC check character", "POST", "/api/v1/businesses", registrar, businessBody(badCheck, "Bad Check Co., Ltd."), nil, 422, "UNPROCESSABLE", "check"},
		{"USCC of the wrong length", "POST", "/api/v1/businesses", registrar, businessBody("91350200MA2Y0001", "Short Co., Ltd."), nil, 400, "INVALID", "uscc"},
		{"negative capital", "POST", "/api/v1/businesses", registrar, func() map[string]any {
			b := businessBody(newUSCC(t), "Negative Co., Ltd.")
			b["registered_capital_fen"] = -1
			return b
		}(), nil, 422, "UNPROCESSABLE", "capital"},
		{"inconsistent invoice totals", "POST", "/api/v1/invoices", issuer, mismatch, nil, 422, "UNPROCESSABLE", "total"},
		{"negative unit price", "POST", "/api/v1/invoices", issuer, negative, nil, 422, "UNPROCESSABLE", ""},
		{"tax rate not allowed", "POST", "/api/v1/invoices", issuer, badRate, nil, 422, "UNPROCESSABLE", "rate"},
		{"invoice number not 20 digits", "GET", "/api/v1/invoices/12345", issuer, nil, nil, 400, "INVALID", ""},
		{"bad USCC in path", "GET", "/api/v1/businesses/not-a-code", issuer, nil, nil, 400, "INVALID", ""},
		{"bad evidence id in path", "GET", "/api/v1/evidence/zz", issuer, nil, nil, 400, "INVALID", ""},
		{"oversized body", "POST", "/api/v1/businesses", registrar, huge, nil, 400, "INVALID", ""},
		{"missing API key", "POST", "/api/v1/businesses", "", businessBody(newUSCC(t), "No Key Co., Ltd."), nil, 401, "UNAUTHENTICATED", ""},
		{"unknown API key", "GET", "/api/v1/businesses", "gck_not-a-key", nil, nil, 401, "UNAUTHENTICATED", ""},
		{"duplicate registration", "POST", "/api/v1/businesses", registrar, businessBody(seller, "Again Co., Ltd."), nil, 409, "CONFLICT", seller},
		{"unknown record", "GET", "/api/v1/businesses/" + newUSCC(t), issuer, nil, nil, 404, "NOT_FOUND", ""},
		{"illegal status transition", "POST", "/api/v1/businesses/" + seller + "/status", registrar, map[string]any{"status": "ACTIVE", "reason": "x"}, nil, 409, "CONFLICT", "ACTIVE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := call(t, c.method, c.path, c.key, c.body, c.hdr...)
			if r.Status != c.status || r.ErrCode() != c.code {
				t.Fatalf("want %d %s, got %s", c.status, c.code, r)
			}
			msg := str(r.JSON, "error.message")
			if msg == "" || (c.msg != "" && !strings.Contains(strings.ToLower(msg), strings.ToLower(c.msg))) {
				t.Fatalf("the message must explain the problem (want it to mention %q): %q", c.msg, msg)
			}
		})
	}

	t.Run("idempotency key: replay, then another body is refused", func(t *testing.T) {
		k := "matrix-" + newHash()[:12]
		first := call(t, "POST", "/api/v1/businesses", registrar, idemBody, "Idempotency-Key", k)
		if first.Status != 201 {
			t.Fatalf("first: %s", first)
		}
		again := call(t, "POST", "/api/v1/businesses", registrar, idemBody, "Idempotency-Key", k)
		if again.Status != 201 || !bytes.Equal(again.Body, first.Body) {
			t.Fatalf("the same key and body must replay the first answer:\nfirst %s\nagain %s", first, again)
		}
		other := call(t, "POST", "/api/v1/businesses", registrar, idemOther, "Idempotency-Key", k)
		if other.Status != 422 {
			t.Fatalf("the same key with another body must be 422: %s", other)
		}
		absent("/api/v1/businesses/" + idemOther["uscc"].(string))(t)
		created = append(created, "/api/v1/businesses/"+idemBody["uscc"].(string))
	})

	t.Run("the ledger is unchanged by every refusal", func(t *testing.T) {
		after := ledgerSnapshot(t, seller, inv)
		// The idempotent registration above is the one write of this step.
		bl := before["businesses"].(map[string]any)["records"].([]any)
		al := after["businesses"].(map[string]any)["records"].([]any)
		if len(al) != len(bl)+1 {
			t.Errorf("business count: before %d, after %d (want +1: the idempotent registration only)", len(bl), len(al))
		}
		for _, k := range []string{"seller", "invoice"} {
			b, _ := json.Marshal(before[k])
			a, _ := json.Marshal(after[k])
			if !bytes.Equal(a, b) {
				t.Errorf("%s changed:\nbefore %s\nafter  %s", k, b, a)
			}
		}
		if d := after["height"].(int64) - before["height"].(int64); d != 1 {
			t.Errorf("chain grew by %d blocks during the bad-input step, want 1 (the idempotent registration)", d)
		}
	})
}
