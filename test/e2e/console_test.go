//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/internal/cdp"
)

// testConsole opens the auditor console (/console) in a real headless Chromium, driven over
// the DevTools protocol: it signs in with the audit office's key, sees the chain verification
// panel render (the verification itself, or a clear "not available" line on a gateway without
// it), searches the story's enterprise by its USCC and sees its timeline with the block and
// the endorsing orgs of every version, as the API reports them; the page must report no
// JavaScript error. A screenshot is kept as console.png in the test log directory. Without
// Chromium the step fails (CI installs it), unless GOVCHAIN_E2E_NO_BROWSER=1.
func testConsole(t *testing.T) {
	bin, err := cdp.Find()
	if err != nil {
		if os.Getenv("GOVCHAIN_E2E_NO_BROWSER") == "1" {
			t.Skipf("GOVCHAIN_E2E_NO_BROWSER=1: %v", err)
		}
		t.Fatalf("the console's browser test needs Chromium (.ci/run installs it; GOVCHAIN_E2E_NO_BROWSER=1 skips this step): %v", err)
	}
	if story.uscc == "" {
		t.Fatal("the story did not run: no enterprise to look up")
	}
	auditor := key(t, "audit", "auditor")
	logs := envOr("GOVCHAIN_TEST_LOGS", filepath.Join(h.root, "data", "test-logs"))
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}

	// What the API says about the enterprise's versions: the page must show the same.
	hist := must(t, 200, call(t, "GET", "/api/v1/businesses/"+story.uscc+"/history", auditor, nil))
	entries, _ := hist.JSON["entries"].([]any)
	if len(entries) < 2 {
		t.Fatalf("the story wrote at least two versions of %s: %s", story.uscc, hist)
	}
	var wantBlocks []string
	for _, e := range entries {
		tx := str(e.(map[string]any), "tx_id")
		r := must(t, 200, call(t, "GET", "/api/v1/transactions/"+tx, auditor, nil))
		wantBlocks = append(wantBlocks, fmt.Sprint(int64(num(r.JSON, "block_number"))))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	b, err := cdp.Start(ctx, bin, 1366, 900)
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	defer b.Close()
	wait := func(what, cond string) {
		t.Helper()
		if err := b.WaitFor(ctx, cond, 30*time.Second); err != nil {
			_ = b.Screenshot(ctx, filepath.Join(logs, "console-failed.png"))
			t.Fatalf("%s: %v\nJavaScript errors: %v", what, err, b.Errors())
		}
	}
	eval := func(expr string, out any) {
		t.Helper()
		if err := b.Evaluate(ctx, expr, out); err != nil {
			t.Fatal(err)
		}
	}
	jsString := func(s string) string {
		q, _ := json.Marshal(s)
		return string(q)
	}

	if err := b.Navigate(ctx, "http://"+h.gwAddr+"/console"); err != nil {
		t.Fatal(err)
	}
	wait("the sign-in form shows", `!document.getElementById("signin").hidden`)
	eval(`document.getElementById("apikey").value = `+jsString(auditor)+`; document.getElementById("signin-form").requestSubmit(); true`, nil)
	wait("the overview shows after sign-in", `!document.getElementById("app").hidden && !document.getElementById("view-overview").hidden`)

	t.Run("the verification panel renders", func(t *testing.T) {
		wait("the verification panel", `document.getElementById("verification-status") || document.querySelector("#verification-body .unavailable")`)
		var status string
		eval(`(document.getElementById("verification-status") || document.querySelector("#verification-body p")).textContent`, &status)
		t.Logf("chain verification panel: %s", status)
		if strings.Contains(status, "is not available") {
			return // the verification route is not on this gateway yet
		}
		if status != "VERIFIED" && status != "PENDING" {
			t.Fatalf("the e2e ledger must verify, the console shows %q", status)
		}
		wait("the activity chart or its not-available line", `document.getElementById("activity-chart") || document.querySelector("#chart .unavailable")`)
	})
	if err := b.Screenshot(ctx, filepath.Join(logs, "console-overview.png")); err != nil {
		t.Fatal(err)
	}

	t.Run("a USCC search opens the record's timeline with blocks and endorsing orgs", func(t *testing.T) {
		eval(`location.hash = "#records"; true`, nil)
		wait("the records view", `!document.getElementById("view-records").hidden`)
		eval(`document.getElementById("rq").value = `+jsString(story.uscc)+`; document.getElementById("record-form").requestSubmit(); true`, nil)
		wait("the timeline", fmt.Sprintf(`document.querySelectorAll("#timeline-list > li").length === %d`, len(entries)))
		wait("every version's block", `[...document.querySelectorAll("#timeline-list .tl-block")].every(e => /^\d+$/.test(e.textContent))`)
		var got struct {
			Blocks    []string
			Endorsers [][]string
			Title     string
		}
		eval(`({
			blocks: [...document.querySelectorAll("#timeline-list .tl-block")].map(e => e.textContent),
			endorsers: [...document.querySelectorAll("#timeline-list .tl-endorsers")].map(e => [...e.querySelectorAll(".pill")].map(p => p.textContent)),
			title: document.getElementById("timeline-title").textContent
		})`, &got)
		if strings.Join(got.Blocks, ",") != strings.Join(wantBlocks, ",") {
			t.Fatalf("the timeline shows blocks %v, the API %v", got.Blocks, wantBlocks)
		}
		for i, orgs := range got.Endorsers {
			if len(orgs) < 2 {
				t.Errorf("version %d: endorsed by %v; the policy needs two of the three agencies", len(got.Endorsers)-i, orgs)
			}
			for _, o := range orgs {
				if o != "MarketMSP" && o != "TaxMSP" && o != "NotaryMSP" {
					t.Errorf("version %d: endorsed by %q", len(got.Endorsers)-i, o)
				}
			}
		}
		if !strings.Contains(got.Title, story.uscc) {
			t.Errorf("timeline title %q does not name %s", got.Title, story.uscc)
		}
		t.Logf("timeline of %s: blocks %v, endorsers %v", story.uscc, got.Blocks, got.Endorsers)
	})
	if err := b.Screenshot(ctx, filepath.Join(logs, "console.png")); err != nil {
		t.Fatal(err)
	}

	t.Run("the access trail and invalid transactions panels render", func(t *testing.T) {
		eval(`location.hash = "#access"; true`, nil)
		wait("the access trail", `document.querySelector("#access-results table, #access-results p:not(:empty)") && !document.querySelector("#access-results").textContent.includes("Loading")`)
		var trail string
		eval(`document.getElementById("access-results").textContent`, &trail)
		if strings.Contains(trail, "HTTP ") {
			t.Fatalf("the access trail failed: %s", trail)
		}
		eval(`location.hash = "#invalid"; true`, nil)
		wait("the invalid transactions", `document.querySelector("#invalid-results table, #invalid-results p") && !document.querySelector("#invalid-results").textContent.includes("Loading")`)
	})

	if errs := b.Errors(); len(errs) > 0 {
		t.Fatalf("the console reported JavaScript errors:\n%s", strings.Join(errs, "\n"))
	}
	t.Logf("failed loads (404 from routes not on this gateway are expected): %v", b.NetworkErrors())
	t.Logf("screenshot: %s", filepath.Join(logs, "console.png"))
}
