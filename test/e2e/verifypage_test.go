//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/internal/cdp"
)

// testVerifyPage opens the URL a licence's QR code carries (<gateway>/verify#<payload>) in a
// real headless Chromium, as a phone's camera would, and checks that the page shows the
// verdict VALID and the business's USCC; then it pastes an older version's licence JSON and
// sees SUPERSEDED. The page must report no JavaScript error (a CSP violation included). A
// screenshot is kept as verify-page.png in the test log directory. Without Chromium the step
// fails (CI installs it), unless GOVCHAIN_E2E_NO_BROWSER=1. Two verifications: within the
// public route's burst.
func testVerifyPage(t *testing.T, pageURL, uscc string, oldLicence any) {
	bin, err := cdp.Find()
	if err != nil {
		if os.Getenv("GOVCHAIN_E2E_NO_BROWSER") == "1" {
			t.Skipf("GOVCHAIN_E2E_NO_BROWSER=1: %v", err)
		}
		t.Fatalf("the verification page's browser test needs Chromium (.ci/run installs it; GOVCHAIN_E2E_NO_BROWSER=1 skips it): %v", err)
	}
	logs := envOr("GOVCHAIN_TEST_LOGS", filepath.Join(h.root, "data", "test-logs"))
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := cdp.Start(ctx, bin, 412, 915) // a phone's screen
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	defer b.Close()
	wait := func(what, cond string) {
		t.Helper()
		if err := b.WaitFor(ctx, cond, 30*time.Second); err != nil {
			_ = b.Screenshot(ctx, filepath.Join(logs, "verify-page-failed.png"))
			t.Fatalf("%s: %v\nJavaScript errors: %v\nfailed loads: %v", what, err, b.Errors(), b.NetworkErrors())
		}
	}
	var got struct {
		Result, ZH, EN, USCC, Version, Status, Message, Detail string
	}
	read := func() {
		t.Helper()
		if err := b.Evaluate(ctx, `({
			result: document.body.getAttribute("data-result") || "",
			zh: document.getElementById("verdict-zh").textContent,
			en: document.getElementById("verdict-en").textContent,
			uscc: document.getElementById("f-uscc").textContent,
			version: document.getElementById("f-version").textContent,
			status: document.getElementById("f-status").textContent,
			message: document.getElementById("f-message").textContent,
			detail: document.getElementById("verdict-detail").textContent
		})`, &got); err != nil {
			t.Fatal(err)
		}
	}

	if err := b.Navigate(ctx, pageURL); err != nil {
		t.Fatal(err)
	}
	wait("the verdict", `document.body.getAttribute("data-result")`)
	read()
	if err := b.Screenshot(ctx, filepath.Join(logs, "verify-page.png")); err != nil {
		t.Fatal(err)
	}
	t.Logf("the page shows %s %s for %s version %s (%s): %s", got.ZH, got.EN, got.USCC, got.Version, got.Status, got.Message)
	if got.Result != "VALID" || got.EN != "VALID" || got.ZH != "有效" {
		t.Fatalf("the page must show VALID for the current licence, shows %+v\nJavaScript errors: %v", got, b.Errors())
	}
	if got.USCC != uscc || got.Version != "2" || !strings.Contains(got.Status, "ACTIVE") || !strings.Contains(got.Message, uscc) {
		t.Fatalf("the page must show the business's USCC %s, version 2, ACTIVE and the server's message: %+v", uscc, got)
	}
	var warned bool
	if err := b.Evaluate(ctx, `!document.getElementById("status-warning").hidden`, &warned); err != nil || warned {
		t.Fatalf("an ACTIVE business gets no warning (err %v)", err)
	}

	t.Run("a pasted licence JSON of an older version shows SUPERSEDED", func(t *testing.T) {
		q, _ := json.Marshal(oldLicence)
		lit, _ := json.Marshal(string(q))
		if err := b.Evaluate(ctx, `document.getElementById("verify-input").value = `+string(lit)+
			`; document.body.removeAttribute("data-result"); document.getElementById("verify-form").requestSubmit(); true`, nil); err != nil {
			t.Fatal(err)
		}
		wait("the second verdict", `document.body.getAttribute("data-result")`)
		read()
		if got.Result != "SUPERSEDED" || got.ZH != "已被取代" || got.Version != "1" || !strings.Contains(got.Detail, "version 2") {
			t.Fatalf("version 1 is authentic but superseded by 2: %+v", got)
		}
	})

	if errs := b.Errors(); len(errs) > 0 {
		t.Fatalf("the verification page reported JavaScript errors:\n%s", strings.Join(errs, "\n"))
	}
	if errs := b.NetworkErrors(); len(errs) > 0 {
		t.Fatalf("the verification page failed to load something:\n%s", strings.Join(errs, "\n"))
	}
}
