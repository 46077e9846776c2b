//go:build e2e

package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govchain/govchain/internal/proofbundle"
)

// testProofBundles exports proof bundles over HTTP for records the suite wrote, checks
// them offline with govchain-audit verify-proof against the channel's genesis block hash
// (the trust anchor, taken from the genesis block file the network was created with), and
// checks that tampered copies fail; then the CLI's own export from the audit peer.
func testProofBundles(t *testing.T) {
	if len(story.txs) == 0 {
		t.Skip("the story wrote nothing")
	}
	bin := filepath.Join(t.TempDir(), "govchain-audit")
	build := exec.Command("go", "build", "-o", bin, "./cmd/govchain-audit")
	build.Dir = h.root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build govchain-audit: %v\n%s", err, out)
	}
	anchor := genesisAnchor(t)
	dir := t.TempDir()
	auditor := key(t, "audit", "auditor")
	regTx := story.txs[0] // the story's business registration
	file := filepath.Join(dir, "proof-"+regTx+".json")

	// verifyProof runs verify-proof offline: an empty environment, no configuration.
	verifyProof := func(t *testing.T, path string, args ...string) (int, string) {
		t.Helper()
		cmd := exec.Command(bin, append(append([]string{"verify-proof"}, args...), path)...)
		cmd.Env = []string{}
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return 0, string(out)
		case errors.As(err, &ee):
			return ee.ExitCode(), string(out)
		}
		t.Fatalf("verify-proof: %v\n%s", err, out)
		return -1, ""
	}

	t.Run("an auditor exports the proof of the story's registration", func(t *testing.T) {
		r := must(t, 200, call(t, "GET", "/api/v1/proofs/transactions/"+regTx, auditor, nil))
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="proof-`+regTx+`.json"` {
			t.Errorf("Content-Disposition %q", cd)
		}
		if str(r.JSON, "summary.tx_id") != regTx || str(r.JSON, "summary.validation_code") != "VALID" ||
			!strings.Contains(string(r.Body), `"biz~`+story.uscc+`"`) {
			t.Fatalf("unexpected bundle summary: %s", r)
		}
		if err := os.WriteFile(file, r.Body, 0o644); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("verify-proof checks it offline against the genesis block hash", func(t *testing.T) {
		code, out := verifyProof(t, file, "-trust-anchor", anchor)
		t.Logf("govchain-audit verify-proof:\n%s", out)
		if code != 0 || !strings.Contains(out, "OK: the bundle verifies") || !strings.Contains(out, "biz~"+story.uscc) {
			t.Fatalf("exit %d", code)
		}
	})

	t.Run("tampered copies fail with a reason", func(t *testing.T) {
		good, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		// The record's value changed consistently (value and value_text), as a forger would.
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		w := m["writes"].([]any)[0].(map[string]any)
		text := strings.Replace(w["value_text"].(string), "Harbour Office Supplies", "Harbour Office Suppliez", 1)
		w["value_text"], w["value"] = text, base64.StdEncoding.EncodeToString([]byte(text))
		forged, _ := json.MarshalIndent(m, "", "  ")
		forged = append(forged, '\n')
		flipped := bytes.Clone(good)
		flipped[len(flipped)/2] ^= 1
		cases := []struct {
			name string
			data []byte
			args []string
		}{
			{"the record's value", forged, nil},
			{"one byte in the middle", flipped, nil},
			{"the last byte", append(bytes.Clone(good[:len(good)-1]), '}'), nil},
			{"a wrong trust anchor", good, []string{"-trust-anchor", strings.Repeat("0", 64)}},
		}
		for _, tc := range cases {
			path := filepath.Join(dir, "tampered.json")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			code, out := verifyProof(t, path, tc.args...)
			if code != 1 || !strings.HasPrefix(out, "FAIL ") {
				t.Errorf("%s: exit %d, want 1 with FAIL: %s", tc.name, code, out)
			} else {
				t.Logf("%s: %s", tc.name, strings.TrimSpace(out))
			}
		}
	})

	t.Run("every identity of every member org may export a proof", func(t *testing.T) {
		for _, id := range identities {
			if r := call(t, "GET", "/api/v1/proofs/transactions/"+regTx, keyOf(t, id), nil); r.Status != 200 {
				t.Errorf("%s: %s", id, r)
			}
		}
		must(t, 401, call(t, "GET", "/api/v1/proofs/transactions/"+regTx, "", nil))
		if r := must(t, 404, call(t, "GET", "/api/v1/proofs/transactions/"+strings.Repeat("ab", 32), auditor, nil)); r.ErrCode() != "NOT_FOUND" {
			t.Errorf("unknown tx: %s", r)
		}
		if r := must(t, 400, call(t, "GET", "/api/v1/proofs/transactions/XYZ", auditor, nil)); r.ErrCode() != "INVALID" {
			t.Errorf("malformed tx id: %s", r)
		}
	})

	t.Run("every story transaction's bundle verifies", func(t *testing.T) {
		for i, tx := range story.txs {
			r := must(t, 200, call(t, "GET", "/api/v1/proofs/transactions/"+tx, auditor, nil))
			res, err := proofbundle.Verify(r.Body, proofbundle.VerifyOptions{TrustAnchor: anchor})
			if err != nil {
				t.Errorf("tx %d (%s): %v", i, story.events[i], err)
				continue
			}
			if !res.Valid {
				t.Errorf("tx %d (%s): not valid", i, story.events[i])
			}
		}
	})

	t.Run("a registration with personal data: the bundle holds only hashes", func(t *testing.T) {
		if personalRecord.tx == "" {
			t.Skip("no personal-data registration in this run")
		}
		r := must(t, 200, call(t, "GET", "/api/v1/proofs/transactions/"+personalRecord.tx, auditor, nil))
		for _, s := range personalSecrets {
			if bytes.Contains(r.Body, s) {
				t.Fatalf("the bundle contains a personal value")
			}
		}
		if _, err := proofbundle.Verify(r.Body, proofbundle.VerifyOptions{TrustAnchor: anchor}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("govchain-audit proof exports the same bundle from the audit peer", func(t *testing.T) {
		out2 := filepath.Join(dir, "cli.json")
		cmd := exec.Command(bin, "proof", "-config", filepath.Join(h.data, "gateway.yaml"), "-identity", "audit/auditor", "-tx", regTx, "-o", out2)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("govchain-audit proof: %v\n%s", err, out)
		}
		t.Logf("govchain-audit proof: %s", out)
		a, _ := os.ReadFile(file)
		b, err := os.ReadFile(out2)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("the CLI's bundle (%d bytes) differs from the gateway's (%d bytes)", len(b), len(a))
		}
		if code, out := verifyProof(t, out2); code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
	})
}
