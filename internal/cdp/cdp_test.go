package cdp

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFindHonoursGOVCHAIN_CHROMIUM(t *testing.T) {
	t.Setenv("GOVCHAIN_CHROMIUM", filepath.Join(t.TempDir(), "no-such-browser"))
	if _, err := Find(); err == nil {
		t.Fatal("a missing GOVCHAIN_CHROMIUM must be an error")
	}
}

// TestBrowserReportsErrors: the error checks the browser tests rely on do see a page's
// uncaught exception and console.error, and a screenshot is a PNG. Needs Chromium.
func TestBrowserReportsErrors(t *testing.T) {
	bin, err := Find()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI installs Chromium (.ci/run): %v", err)
		}
		t.Skipf("no browser: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := Start(ctx, bin, 800, 600)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	page := `<!DOCTYPE html><title>t</title><p id="p">hello</p><script>console.error("bad thing"); setTimeout(function () { throw new Error("boom") }, 0)</script>`
	if err := b.Navigate(ctx, "data:text/html,"+url.PathEscape(page)); err != nil {
		t.Fatal(err)
	}
	var text string
	if err := b.Evaluate(ctx, `document.getElementById("p").textContent`, &text); err != nil || text != "hello" {
		t.Fatalf("evaluate: %q %v", text, err)
	}
	if err := b.WaitFor(ctx, `false`, 200*time.Millisecond); err == nil {
		t.Fatal("WaitFor(false) must time out")
	}
	if err := b.Evaluate(ctx, `null.x`, nil); err == nil {
		t.Fatal("an exception in Evaluate must be an error")
	}
	all := strings.Join(b.Errors(), "\n")
	if !strings.Contains(all, "bad thing") || !strings.Contains(all, "boom") {
		t.Fatalf("errors seen: %q", all)
	}
	shot := filepath.Join(t.TempDir(), "p.png")
	if err := b.Screenshot(ctx, shot); err != nil {
		t.Fatal(err)
	}
	if png, _ := os.ReadFile(shot); len(png) < 8 || string(png[1:4]) != "PNG" {
		t.Fatal("the screenshot is not a PNG")
	}
	b.Close()
	if _, err := os.Stat(b.dir); !os.IsNotExist(err) {
		t.Fatalf("the profile directory is left behind: %v", err)
	}
}
