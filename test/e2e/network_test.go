//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testFabricCLI proves Fabric's own peer CLI works against the network with
// identities from the generated material, and that it agrees with the gateway.
func testFabricCLI(t *testing.T) {
	uscc := newUSCC(t)
	req := map[string]any{
		"uscc": uscc, "name": "CLI Test Works Co., Ltd.", "entity_type": "limited company",
		"legal_representative": "Wang Fang", "registered_capital_fen": 100000000,
		"address": "8 Lujiang Road, Siming", "business_scope": "software", "established_on": "2020-01-15",
		"registration_authority": "Xiamen AMR",
	}
	arg, _ := json.Marshal(req)
	args, _ := json.Marshal(map[string][]string{"Args": {"business:Register", string(arg)}})

	t.Run("invoke as the market registrar", func(t *testing.T) {
		cmd := append([]string{"chaincode", "invoke", "-C", "govchannel", "-n", "govchain", "-c", string(args), "--waitForEvent"},
			h.net.OrdererFlags()...)
		cmd = append(cmd, h.net.PeerFlags("market", "tax")...)
		out, err := h.peerCLI("market", "registrar", cmd...)
		if err != nil {
			t.Fatalf("peer chaincode invoke failed: %v\n%s", err, out)
		}
		created = append(created, "/api/v1/businesses/"+uscc)
	})

	t.Run("query as the market admin agrees with the gateway", func(t *testing.T) {
		q, _ := json.Marshal(map[string][]string{"Args": {"business:Get", uscc}})
		out, err := h.peerCLI("market", "admin", "chaincode", "query", "-C", "govchannel", "-n", "govchain", "-c", string(q))
		if err != nil {
			t.Fatalf("peer chaincode query: %v\n%s", err, out)
		}
		var cli map[string]any
		if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &cli); err != nil {
			t.Fatalf("query output is not JSON: %v\n%s", err, out)
		}
		if cli["name"] != req["name"] || cli["status"] != "ACTIVE" || cli["owner_org"] != "MarketMSP" {
			t.Fatalf("unexpected record from the CLI: %s", out)
		}
		gw := must(t, 200, call(t, "GET", "/api/v1/businesses/"+uscc, key(t, "audit", "auditor"), nil))
		rec := record(gw)
		for _, f := range []string{"uscc", "name", "status", "registered_capital_fen", "created_tx_id", "last_tx_id", "created_by", "owner_org"} {
			if !reflect.DeepEqual(rec[f], cli[f]) {
				t.Errorf("field %s: gateway %v, peer CLI %v", f, rec[f], cli[f])
			}
		}
	})

	t.Run("chaincode metadata describes the three contracts", func(t *testing.T) {
		out, err := h.peerCLI("audit", "auditor", "chaincode", "query", "-C", "govchannel", "-n", "govchain",
			"-c", `{"Args":["org.hyperledger.fabric:GetMetadata"]}`)
		if err != nil {
			t.Fatalf("GetMetadata: %v\n%s", err, out)
		}
		var meta struct {
			Contracts map[string]struct {
				Transactions []struct {
					Name string   `json:"name"`
					Tags []string `json:"tag"`
				} `json:"transactions"`
			} `json:"contracts"`
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &meta); err != nil {
			t.Fatalf("metadata is not JSON: %v", err)
		}
		for _, c := range []string{"business", "invoice", "evidence"} {
			if len(meta.Contracts[c].Transactions) == 0 {
				t.Errorf("metadata lacks contract %s", c)
			}
		}
	})

	t.Run("invoke as the market admin is refused by the chaincode", func(t *testing.T) {
		req2 := map[string]any{}
		for k, v := range req {
			req2[k] = v
		}
		req2["uscc"] = newUSCC(t)
		arg2, _ := json.Marshal(req2)
		a2, _ := json.Marshal(map[string][]string{"Args": {"business:Register", string(arg2)}})
		cmd := append([]string{"chaincode", "invoke", "-C", "govchannel", "-n", "govchain", "-c", string(a2), "--waitForEvent"},
			h.net.OrdererFlags()...)
		cmd = append(cmd, h.net.PeerFlags("market", "tax")...)
		out, err := h.peerCLI("market", "admin", cmd...)
		if err == nil || !strings.Contains(out, "FORBIDDEN") {
			t.Fatalf("want FORBIDDEN from the chaincode, got err=%v\n%s", err, out)
		}
	})
}

// testOrdererCrash kills the Raft leader and shows the network stays writable
// through the gateway, then restarts it and checks it catches up.
func testOrdererCrash(t *testing.T) {
	leader, err := h.net.RaftLeader()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Raft leader is %s: stopping it", leader)
	if out, err := h.script("stop", leader); err != nil {
		t.Fatalf("stop %s: %v\n%s", leader, err, out)
	}
	t0 := time.Now()
	for i := 0; i < 3; i++ {
		uscc := newUSCC(t)
		r := call(t, "POST", "/api/v1/businesses", key(t, "market", "registrar"), businessBody(uscc, fmt.Sprintf("After Crash %d Co., Ltd.", i)))
		must(t, 201, r)
		created = append(created, "/api/v1/businesses/"+uscc)
		t.Logf("write %d committed %s after the leader stopped (block %v)", i+1, time.Since(t0).Round(time.Millisecond), get(r.JSON, "block_number"))
	}
	newLeader, err := h.net.RaftLeader()
	if err != nil || newLeader == leader {
		t.Fatalf("want a new Raft leader, got %q (%v)", newLeader, err)
	}
	t.Logf("new Raft leader: %s", newLeader)

	if out, err := h.script("up"); err != nil {
		t.Fatalf("up (restarting %s): %v\n%s", leader, err, out)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		hs := h.net.Heights()
		if hs[leader] > 0 && hs[leader] == hs["peer0.market"] {
			t.Logf("%s back at height %d", leader, hs[leader])
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not catch up: heights %v", leader, hs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// testRestart restarts the gateway, then the whole network, and checks every
// record written so far reads back unchanged.
func testRestart(t *testing.T) {
	auditor := key(t, "audit", "auditor")
	before := map[string]map[string]any{}
	for _, p := range created {
		before[p] = record(must(t, 200, call(t, "GET", p, auditor, nil)))
	}
	if len(before) == 0 {
		t.Fatal("no records were created by earlier steps")
	}
	check := func(t *testing.T) {
		for p, want := range before {
			got := record(must(t, 200, call(t, "GET", p, auditor, nil)))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s changed across restart:\nbefore %v\nafter  %v", p, want, got)
			}
		}
	}
	t.Run("gateway restart", func(t *testing.T) {
		if out, err := h.script("gateway", "stop"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if out, err := h.script("gateway", "start"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		check(t)
	})
	t.Run("network down and up", func(t *testing.T) {
		if out, err := h.script("down"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		pids, _ := filepath.Glob(filepath.Join(h.data, "network", "pids", "*.pid"))
		if len(pids) != 0 {
			t.Fatalf("down left PID files: %v", pids)
		}
		t0 := time.Now()
		if out, err := h.script("up"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		t.Logf("network up on existing ledgers in %s", time.Since(t0).Round(100*time.Millisecond))
		if out, err := h.script("gateway", "start"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		check(t)
		// And it is still writable.
		uscc := newUSCC(t)
		must(t, 201, call(t, "POST", "/api/v1/businesses", key(t, "market", "registrar"), businessBody(uscc, "After Restart Co., Ltd.")))
	})
}

// testStatus checks `network.sh status` lists every node healthy.
func testStatus(t *testing.T) {
	out, err := h.script("status")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, node := range []string{"ca.orderer", "ca.market", "orderer0", "orderer1", "orderer2", "peer0.market", "peer0.tax", "peer0.notary", "peer0.audit", "cc.market"} {
		found := false
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) >= 4 && f[0] == node {
				found = true
				if f[3] != "OK" && f[3] != "listening" {
					t.Errorf("%s not healthy: %s", node, line)
				}
			}
		}
		if !found {
			t.Errorf("status does not list %s:\n%s", node, out)
		}
	}
	if _, err := os.Stat(filepath.Join(h.data, "keys.env")); err != nil {
		t.Errorf("keys.env missing: %v", err)
	}
}

// testStateBasedEndorsement shows the record-level policy at work with Fabric's
// own CLI: an update of a tax-owned invoice endorsed by two agencies that are not
// the tax bureau satisfies the chaincode-level policy but is invalidated.
func testStateBasedEndorsement(t *testing.T) {
	f := fixtures{t}
	inv := f.invoice(f.business())
	before := unchanged(t, "/api/v1/invoices/"+inv)
	args, _ := json.Marshal(map[string][]string{"Args": {"invoice:ClaimReimbursement", inv, `{"reference":"CLI-1"}`}})
	invoke := func(orgs ...string) (string, error) {
		cmd := append([]string{"chaincode", "invoke", "-C", "govchannel", "-n", "govchain", "-c", string(args), "--waitForEvent"},
			h.net.OrdererFlags()...)
		cmd = append(cmd, h.net.PeerFlags(orgs...)...)
		return h.peerCLI("market", "finance", cmd...)
	}
	out, err := invoke("market", "notary")
	if err == nil || !strings.Contains(out, "ENDORSEMENT_POLICY_FAILURE") {
		t.Fatalf("without the owner's (tax) peer the update must be invalidated: err=%v\n%s", err, out)
	}
	before(t)
	if out, err := invoke("market", "tax"); err != nil {
		t.Fatalf("with the owner's peer the update must commit: %v\n%s", err, out)
	}
	// The CLI waited for the endorsing peers' commit; the audit peer, which answers the
	// auditor, commits the same block moments later.
	var r resp
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		r = must(t, 200, call(t, "GET", "/api/v1/invoices/"+inv, key(t, "audit", "auditor"), nil))
		if str(r.JSON, "reimbursement.org") == "MarketMSP" || time.Now().After(end) {
			break
		}
	}
	if str(r.JSON, "reimbursement.org") != "MarketMSP" {
		t.Fatalf("claim not recorded: %s", r)
	}
}
