//go:build e2e

package e2e

import (
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/internal/ledgerverify"
	"github.com/govchain/govchain/network/netctl"
	cb "github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// testAuditVerify runs govchain-audit as an auditor would: it fetches every block of the
// channel from the audit office's own peer and verifies the chain (hash links, data hashes,
// canonical envelopes, orderer, creator and endorser signatures against the channel's MSPs),
// then again from the checkpoint it saved, which verifies only the blocks after it.
func testAuditVerify(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "govchain-audit")
	build := exec.Command("go", "build", "-o", bin, "./cmd/govchain-audit")
	build.Dir = h.root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build govchain-audit: %v\n%s", err, out)
	}
	cfg := filepath.Join(h.data, "gateway.yaml")
	checkpoint := filepath.Join(t.TempDir(), "checkpoint.json")
	verified := regexp.MustCompile(`OK: (\d+) blocks`)
	run := func(t *testing.T, args ...string) string {
		t.Helper()
		t0 := time.Now()
		cmd := exec.Command(bin, append([]string{"verify", "-config", cfg, "-identity", "audit/auditor"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("govchain-audit verify %v: %v\n%s", args, err, out)
		}
		t.Logf("govchain-audit verify %v in %s:\n%s", args, time.Since(t0).Round(time.Millisecond), out)
		return string(out)
	}
	t.Run("the whole chain verifies from the audit office's own peer", func(t *testing.T) {
		out := run(t, "-save-checkpoint", checkpoint)
		m := verified.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no block count in the output")
		}
		if n, _ := strconv.Atoi(m[1]); n < 10 {
			t.Fatalf("only %d blocks verified after the story", n)
		}
		if _, err := os.Stat(checkpoint); err != nil {
			t.Fatalf("no checkpoint written: %v", err)
		}
		// The verified head is then compared with the same block on all four peers.
		if same := regexp.MustCompile(`(?m)^peer \S+\s+same chain: block \d+ hash [0-9a-f]{64}`).FindAllString(out, -1); len(same) != 4 {
			t.Fatalf("want 4 peers holding the same chain, got %d", len(same))
		}
	})
	t.Run("block 0 is checked against the published trust anchor", func(t *testing.T) {
		anchor := genesisAnchor(t)
		out := run(t, "-peers=false", "-progress", "0", "-trust-anchor", anchor)
		if !strings.Contains(out, "block 0 (the trust anchor) header hash "+anchor) {
			t.Fatalf("the anchor is not reported")
		}
		wrong := strings.Repeat("0", 64)
		cmd := exec.Command(bin, "verify", "-config", cfg, "-identity", "audit/auditor", "-peers=false", "-trust-anchor", wrong)
		b, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(string(b), "FAULT block 0: trust-anchor") {
			t.Fatalf("a chain with another genesis block must fail with exit 1: %v\n%s", err, b)
		}
	})
	t.Run("a later run resumes from the checkpoint", func(t *testing.T) {
		must(t, 201, call(t, "POST", "/api/v1/businesses", key(t, "market", "registrar"), businessBody(newUSCC(t), "Audited Co., Ltd.")))
		run(t, "-from-checkpoint", checkpoint)
	})
	t.Run("the gateway verifies the chain for auditors", func(t *testing.T) {
		const path = "/api/v1/ledger/verification"
		auditor := key(t, "audit", "auditor")
		// Only the audit office starts a run (it costs the gateway CPU); every agency is refused.
		for _, id := range identities {
			if !strings.HasPrefix(id, "audit/") {
				if r := call(t, "POST", path, keyOf(t, id), nil); r.Status != 403 || r.JSON["error"] == nil {
					t.Fatalf("POST %s as %s: want 403, got %s", path, id, r)
				}
			}
		}
		r := must(t, 200, call(t, "POST", path, auditor, nil))
		if r.JSON["status"] != "VERIFIED" || r.JSON["fault"] != nil {
			t.Fatalf("the e2e chain must verify: %s", r)
		}
		height, _ := r.JSON["verified_height"].(float64)
		ledgerHeight, _ := r.JSON["ledger_height"].(float64)
		txs, _ := r.JSON["transactions"].(float64)
		if height < 10 || height != ledgerHeight || txs < 10 {
			t.Fatalf("verified %v of %v blocks, %v transactions: %s", height, ledgerHeight, txs, r)
		}
		peers, _ := r.JSON["peers"].([]any)
		if len(peers) != 4 {
			t.Fatalf("want the head compared on 4 peers: %s", r)
		}
		for _, p := range peers {
			if pm, _ := p.(map[string]any); pm["match"] != true {
				t.Fatalf("peer disagrees or was not read: %v", p)
			}
		}
		// A new block is verified by the next run, which reads only what is new.
		must(t, 201, call(t, "POST", "/api/v1/businesses", key(t, "market", "registrar"), businessBody(newUSCC(t), "Verified Later Co., Ltd.")))
		r2 := must(t, 200, call(t, "POST", path, auditor, nil))
		if h2, _ := r2.JSON["verified_height"].(float64); h2 <= height || r2.JSON["status"] != "VERIFIED" {
			t.Fatalf("after a write: %s", r2)
		}
		if n, _ := r2.JSON["last_run_blocks"].(float64); n < 1 || n >= height {
			t.Fatalf("the second run must read only the new blocks, read %v: %s", n, r2)
		}
		// Any member org reads the last report.
		r3 := must(t, 200, call(t, "GET", path, key(t, "tax", "invoice-issuer"), nil))
		if r3.JSON["verified_height"] != r2.JSON["verified_height"] {
			t.Fatalf("GET shows another report than the last run: %s", r3)
		}
	})
}

// genesisAnchor is the header hash of block 0 (the trust anchor the audit office publishes),
// read from the genesis block file the network was created with.
func genesisAnchor(t *testing.T) string {
	t.Helper()
	genesis, err := os.ReadFile(netctl.Layout{Root: h.root, Data: h.data}.GenesisBlock())
	if err != nil {
		t.Fatalf("genesis block file: %v", err)
	}
	gb := &cb.Block{}
	if err := proto.Unmarshal(genesis, gb); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(ledgerverify.HeaderHash(gb.Header))
}
