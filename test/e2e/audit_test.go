//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
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
	})
	t.Run("a later run resumes from the checkpoint", func(t *testing.T) {
		must(t, 201, call(t, "POST", "/api/v1/businesses", key(t, "market", "registrar"), businessBody(newUSCC(t), "Audited Co., Ltd.")))
		run(t, "-from-checkpoint", checkpoint)
	})
}
