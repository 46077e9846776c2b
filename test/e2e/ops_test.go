//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"
)

// testAsyncWrite submits with ?async=true and polls the transaction until it is final.
func testAsyncWrite(t *testing.T) {
	uscc := newUSCC(t)
	r := must(t, 202, call(t, "POST", "/api/v1/businesses?async=true", key(t, "market", "registrar"), businessBody(uscc, "Async Trading Co., Ltd.")))
	tx := str(r.JSON, "transaction_id")
	if len(tx) != 64 || r.JSON["status"] != "PENDING" {
		t.Fatalf("async answer: %s", r)
	}
	auditor := key(t, "audit", "auditor")
	deadline := time.Now().Add(30 * time.Second)
	for {
		st := call(t, "GET", "/api/v1/transactions/"+tx, auditor, nil)
		if st.Status == 200 && st.JSON["status"] == "VALID" {
			if num(st.JSON, "block_number") <= 0 || str(st.JSON, "creator.msp_id") != "MarketMSP" {
				t.Fatalf("final status lacks provenance: %s", st)
			}
			break
		}
		if st.Status == 200 && st.JSON["status"] != "PENDING" {
			t.Fatalf("async write ended %s", st)
		}
		if time.Now().After(deadline) {
			t.Fatalf("async write still not final after 30s: %s", st)
		}
		time.Sleep(100 * time.Millisecond)
	}
	b := must(t, 200, call(t, "GET", "/api/v1/businesses/"+uscc, auditor, nil))
	if str(b.JSON, "created_tx_id") != tx {
		t.Fatalf("record not written by the async transaction: %s", b)
	}
	created = append(created, "/api/v1/businesses/"+uscc)
}

// testOperations checks the operational endpoints a deployment relies on.
func testOperations(t *testing.T) {
	must(t, 200, call(t, "GET", "/healthz", "", nil))
	ready := must(t, 200, call(t, "GET", "/readyz", "", nil))
	if !strings.Contains(string(ready.Body), "peer0.audit") || strings.Contains(string(ready.Body), `"ready":false`) {
		t.Fatalf("readyz must report every peer ready: %s", ready)
	}
	m := must(t, 200, call(t, "GET", "/metrics", "", nil))
	for _, want := range []string{"route=\"/api/v1/businesses\"", "status=\"201\""} {
		if !strings.Contains(string(m.Body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	doc := must(t, 200, call(t, "GET", "/openapi.json", "", nil))
	paths, _ := doc.JSON["paths"].(map[string]any)
	for _, p := range []string{"/api/v1/businesses", "/api/v1/invoices/{number}/reversal", "/api/v1/evidence/verify", "/api/v1/transactions/{tx_id}", "/api/v1/events"} {
		if _, ok := paths[p]; !ok {
			t.Errorf("openapi.json lacks %s", p)
		}
	}
	docs := must(t, 200, call(t, "GET", "/docs", "", nil))
	if !strings.Contains(string(docs.Body), "/api/v1/businesses") {
		t.Errorf("/docs does not list the routes")
	}
}
