//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"
)

// testOwnerPeerDown stops the market bureau's peer, the only one that holds its personal
// data: a logged read or check of that data answers 503 quickly and never a value from
// anywhere else, ordinary work goes on, and once the peer is back and caught up the gateway
// uses it again within seconds.
func testOwnerPeerDown(t *testing.T) {
	const owner = "peer0.market"
	taxFinance := key(t, "tax", "finance")
	notary := key(t, "notary", "notary")
	auditor := key(t, "audit", "auditor")
	id, mobile := newResidentID(t), newMobile()
	u, r := personalBusiness(t, id, mobile, "3 Owner Road, Siming, Xiamen")
	must(t, 201, r)
	created = append(created, "/api/v1/businesses/"+u)
	must(t, 201, call(t, "POST", "/api/v1/grants", key(t, "market", "registrar"),
		grantBody(u, "TaxMSP", "TAX_IDENTITY_CHECK", time.Now().AddDate(0, 1, 0), "id_number")))
	readPath := "/api/v1/businesses/" + u + "/personal?purpose=TAX_IDENTITY_CHECK&fields=id_number"
	verifyPath := "/api/v1/businesses/" + u + "/personal/verify"
	must(t, 200, call(t, "GET", readPath, taxFinance, nil))

	restart := stopNode(t, owner)

	t.Run("owner peer down: a logged read is 503, never a value from elsewhere", func(t *testing.T) {
		t0 := time.Now()
		r := call(t, "GET", readPath, taxFinance, nil)
		took := time.Since(t0)
		if r.Status != 503 || r.ErrCode() != "UNAVAILABLE" || strings.Contains(string(r.Body), id) {
			t.Fatalf("want 503 UNAVAILABLE without the value, got %s", r)
		}
		if took > 10*time.Second {
			t.Errorf("the refusal took %s: a clerk must not wait that long", took)
		}
		t.Logf("read with the owner peer down: %d %s in %s", r.Status, r.ErrCode(), took.Round(time.Millisecond))
		r = call(t, "POST", verifyPath, notary, map[string]any{"field": "id_number", "value": id})
		if r.Status != 503 || strings.Contains(string(r.Body), `"match"`) {
			t.Fatalf("a check needs the owner's peer too: want 503, got %s", r)
		}
	})

	t.Run("owner peer down: public records are still read and written", func(t *testing.T) {
		must(t, 200, call(t, "GET", "/api/v1/businesses/"+u, auditor, nil))
		n := newInvoiceNumber()
		must(t, 201, call(t, "POST", "/api/v1/invoices", key(t, "tax", "invoice-issuer"), invoiceBody(n, u, 2)))
		created = append(created, "/api/v1/invoices/"+n)
		// The market bureau's own peer is down: its clerks go on through another agency's peer.
		u2 := newUSCC(t)
		must(t, 201, call(t, "POST", "/api/v1/businesses", key(t, "market", "registrar"), businessBody(u2, "Fallback "+u2)))
		created = append(created, "/api/v1/businesses/"+u2)
	})

	t.Run("owner peer down: a registration with personal data is refused whole", func(t *testing.T) {
		id3, mobile3 := newResidentID(t), newMobile()
		u3, r := personalBusiness(t, id3, mobile3, "5 Owner Road, Siming, Xiamen")
		if r.Status != 503 || strings.Contains(string(r.Body), id3) {
			t.Fatalf("personal data can only go to the owner's peer: want 503, got %s", r)
		}
		if r := call(t, "GET", "/api/v1/businesses/"+u3, auditor, nil); r.Status != 404 {
			t.Fatalf("nothing of the refused registration may be written: %s", r)
		}
	})

	t.Run("owner peer back: caught up, then used again within seconds", func(t *testing.T) {
		restart(t)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		took, err := h.net.WaitCaughtUp(ctx, owner, 60*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s caught up %s after up", owner, took.Round(time.Millisecond))
		t0 := time.Now()
		for {
			r := call(t, "GET", readPath, taxFinance, nil)
			if r.Status == 200 {
				if !strings.Contains(string(r.Body), id) {
					t.Fatalf("the read answers 200 without the value: %s", r)
				}
				t.Logf("personal data readable again %s after the peer caught up", time.Since(t0).Round(time.Millisecond))
				break
			}
			if time.Since(t0) > 15*time.Second {
				t.Fatalf("the gateway still does not use the restarted peer after %s: %s", time.Since(t0).Round(time.Second), r)
			}
			time.Sleep(250 * time.Millisecond)
		}
	})
}

// stopNode stops a node for a fault step and returns restart, which runs `up` (restarting
// it); if the step ends without calling restart, the cleanup does, so later steps find the
// whole network up.
func stopNode(t *testing.T, node string) (restart func(*testing.T)) {
	t.Helper()
	if out, err := h.script("stop", node); err != nil {
		t.Fatalf("stop %s: %v\n%s", node, err, out)
	}
	restarted := false
	restart = func(t *testing.T) {
		restarted = true
		if out, err := h.script("up"); err != nil {
			t.Fatalf("up (restarting %s): %v\n%s", node, err, out)
		}
	}
	t.Cleanup(func() {
		if !restarted {
			restart(t)
		}
	})
	return restart
}
