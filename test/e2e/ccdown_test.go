//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"
)

// testChaincodeDown stops the market bureau's chaincode server while its peer stays up. The
// peer cannot run the chaincode, and Fabric's gateway service, which asks its own org first,
// gives up because the market bureau has one peer; the gateway endorses through the next
// agency's peer instead, so a registration (two of three agencies) still commits. An amendment
// of a market record needs the market bureau's own endorsement (state-based) and is refused
// until the server is back, with nothing written.
func testChaincodeDown(t *testing.T) {
	const server = "cc.market"
	registrar := key(t, "market", "registrar")
	auditor := key(t, "audit", "auditor")
	u := newUSCC(t)
	must(t, 201, call(t, "POST", "/api/v1/businesses", registrar, businessBody(u, "Chaincode Down "+u)))
	created = append(created, "/api/v1/businesses/"+u)
	before := must(t, 200, call(t, "GET", "/api/v1/businesses/"+u, auditor, nil))

	restart := stopNode(t, server)
	amend := map[string]any{"changes": map[string]any{"address": "7 Server Road, Siming, Xiamen"}, "reason": "moved"}

	t.Run("chaincode server down: a registration commits through another agency's peer", func(t *testing.T) {
		for i := 0; i < 3; i++ {
			u2 := newUSCC(t)
			t0 := time.Now()
			r := call(t, "POST", "/api/v1/businesses", registrar, businessBody(u2, "Other Peer "+u2))
			must(t, 201, r)
			created = append(created, "/api/v1/businesses/"+u2)
			if took := time.Since(t0); took > 5*time.Second {
				t.Errorf("registration %d took %s", i+1, took.Round(time.Millisecond))
			} else {
				t.Logf("registration %d with %s down: 201 in %s", i+1, server, took.Round(time.Millisecond))
			}
		}
		must(t, 200, call(t, "GET", "/api/v1/businesses/"+u, auditor, nil))
	})

	t.Run("chaincode server down: an amendment the owner must endorse is refused, nothing written", func(t *testing.T) {
		r := call(t, "PATCH", "/api/v1/businesses/"+u, registrar, amend)
		if r.Status != 502 || r.ErrCode() != "ENDORSEMENT_FAILED" {
			t.Fatalf("want 502 ENDORSEMENT_FAILED, got %s", r)
		}
		if !strings.Contains(string(r.Body), "chaincode") {
			t.Errorf("the details should say the chaincode could not be run: %s", r)
		}
		after := must(t, 200, call(t, "GET", "/api/v1/businesses/"+u, auditor, nil))
		if str(after.JSON, "address") != str(before.JSON, "address") {
			t.Fatalf("the refused amendment changed the record: %s", after)
		}
	})

	t.Run("chaincode server back: the amendment commits", func(t *testing.T) {
		restart(t)
		t0 := time.Now()
		for {
			r := call(t, "PATCH", "/api/v1/businesses/"+u, registrar, amend)
			if r.Status == 200 {
				t.Logf("amendment committed %s after up", time.Since(t0).Round(time.Millisecond))
				return
			}
			if time.Since(t0) > 20*time.Second {
				t.Fatalf("still refused %s after up: %s", time.Since(t0).Round(time.Second), r)
			}
			time.Sleep(500 * time.Millisecond)
		}
	})
}
