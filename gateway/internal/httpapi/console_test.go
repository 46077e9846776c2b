package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// TestConsoleServesItsFiles: the console's embedded files, open (no key), with their content
// types and the security headers, and nothing else under /console.
func TestConsoleServesItsFiles(t *testing.T) {
	h := newHarness(t, nil)
	files := []struct{ path, ctype, contains string }{
		{"/console", "text/html; charset=utf-8", `<script src="/console/console.js" defer></script>`},
		{"/console/index.html", "text/html; charset=utf-8", "<title>"},
		{"/console/console.js", "text/javascript; charset=utf-8", "'use strict'"},
		{"/console/console.css", "text/css; charset=utf-8", ":root"},
		{"/console/favicon.svg", "image/svg+xml", "<svg"},
	}
	for _, f := range files {
		t.Run(f.path, func(t *testing.T) {
			w := h.do(request{method: "GET", path: f.path})
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			require.Equal(t, f.ctype, w.Header().Get("Content-Type"))
			require.Contains(t, w.Body.String(), f.contains)
			csp := w.Header().Get("Content-Security-Policy")
			require.Equal(t, consolePolicy, csp)
			for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'"} {
				require.Contains(t, csp, want)
			}
			require.NotContains(t, csp, "unsafe")
			require.NotContains(t, csp, "http")
			require.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
			require.Equal(t, "DENY", w.Header().Get("X-Frame-Options"))
			require.Equal(t, "no-referrer", w.Header().Get("Referrer-Policy"))
			etag := w.Header().Get("ETag")
			require.NotEmpty(t, etag)

			w = h.do(request{method: "GET", path: f.path, header: map[string]string{"If-None-Match": etag}})
			require.Equal(t, http.StatusNotModified, w.Code)
			require.Empty(t, w.Body.String())
		})
	}
	for _, p := range []string{"/console/nope.js", "/console/.hidden", "/console/..%2Fconsole.go", "/console/console.go", "/console/"} {
		w := h.do(request{method: "GET", path: p})
		require.Equal(t, http.StatusNotFound, w.Code, p)
		require.Equal(t, "NOT_FOUND", errorOf(t, w).Code, p)
	}
	w := h.do(request{method: "POST", path: "/console", body: "{}"})
	require.Equal(t, http.StatusMethodNotAllowed, w.Code)
}

// TestConsoleHasNoInlineScriptOrStyle keeps the page within its Content-Security-Policy and
// free of ways to turn data into markup: scripts and styles only from /console/, no event
// handler attributes, no javascript: URLs, nothing from another origin, and a script that
// never assigns markup.
func TestConsoleHasNoInlineScriptOrStyle(t *testing.T) {
	page := consoleAssets["index.html"].body
	z := html.NewTokenizer(bytes.NewReader(page))
	scripts := 0
	inScript := false
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			require.ErrorIs(t, z.Err(), io.EOF)
			break
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			require.NotEqual(t, "style", tok.Data, "no <style> element: CSP style-src 'self'")
			attrs := map[string]string{}
			for _, a := range tok.Attr {
				attrs[a.Key] = a.Val
				require.False(t, strings.HasPrefix(a.Key, "on"), "<%s %s>: no event handler attributes", tok.Data, a.Key)
				require.NotEqual(t, "style", a.Key, "<%s>: no style attribute", tok.Data)
				if a.Key == "href" || a.Key == "src" || a.Key == "action" {
					ok := strings.HasPrefix(a.Val, "/console/") || strings.HasPrefix(a.Val, "#") || a.Val == "/docs"
					require.True(t, ok, "<%s %s=%q>: same-origin paths only", tok.Data, a.Key, a.Val)
				}
			}
			if tok.Data == "input" || tok.Data == "select" {
				_, named := attrs["name"]
				require.False(t, named, "<%s id=%q>: no name, so that a form submitted without the script sends nothing (the key!)", tok.Data, attrs["id"])
			}
			if tok.Data == "script" {
				scripts++
				require.True(t, strings.HasPrefix(attrs["src"], "/console/"), "every script is a file")
				inScript = tt == html.StartTagToken
			}
		case html.TextToken:
			if inScript {
				require.Empty(t, strings.TrimSpace(tok.Data), "no inline script")
			}
		case html.EndTagToken:
			if tok.Data == "script" {
				inScript = false
			}
		}
	}
	require.Equal(t, 1, scripts)

	js := string(consoleAssets["console.js"].body)
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "javascript:", "setTimeout('", `setTimeout("`, "localStorage", "import("} {
		require.NotContains(t, js, bad)
	}
	require.Equal(t, []string{"http://www.w3.org/2000/svg"}, regexp.MustCompile(`https?://[^'"\s]*`).FindAllString(js, -1),
		"the script names no URL but the SVG namespace")
	css := string(consoleAssets["console.css"].body)
	require.NotContains(t, css, "@import")
	require.NotContains(t, css, "url(")
	for name, a := range consoleAssets {
		require.NotContains(t, string(a.body), "https://", name)
	}
}

// pendingConsoleRoutes are the routes the console calls that other work is adding to the
// gateway (issue 13, parts 1 to 3); the console shows "not available" while they answer 404.
var pendingConsoleRoutes = []string{
	"/api/v1/ledger/verification",
	"/api/v1/proofs/transactions/{tx_id}",
	"/api/v1/index/records",
	"/api/v1/index/transactions",
	"/api/v1/index/stats",
	"/api/v1/index/status",
}

// TestConsoleAPIPaths: every API path in the console's script is a route of the gateway, or
// one of the pending ones; and the script names API paths only in its table of them.
func TestConsoleAPIPaths(t *testing.T) {
	js := string(consoleAssets["console.js"].body)
	literal := regexp.MustCompile(`'(/api/v1[^']*)'`)
	found := literal.FindAllStringSubmatch(js, -1)
	require.GreaterOrEqual(t, len(found), 10)
	require.Equal(t, len(found), strings.Count(js, "/api/v1"), "an API path outside a plain string literal")

	param := regexp.MustCompile(`\{[a-z_]+\}`)
	shape := func(p string) string { return param.ReplaceAllString(p, "{}") }
	known := map[string]string{}
	for _, r := range New(Config{}).routes() {
		if r.kind == kindOpen || r.method != "GET" && r.method != "POST" {
			continue
		}
		p := APIPrefix + ginParam.ReplaceAllString(r.path, "{$1}")
		known[shape(p)] = "route"
	}
	for _, p := range pendingConsoleRoutes {
		if known[shape(p)] == "" {
			known[shape(p)] = "pending"
		}
	}
	for _, m := range found {
		p := m[1]
		require.NotContains(t, p, "?", "query strings are built by apiPath")
		require.NotEmpty(t, known[shape(p)], "%s: neither a route of the gateway nor a pending one", p)
		t.Logf("%s: %s", p, known[shape(p)])
	}
}
