package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// TestVerifyPageServesItsFiles: the public verification page and its files, open (no API
// key, nothing stored), with their content types and the security headers; nothing else
// under /verify.
func TestVerifyPageServesItsFiles(t *testing.T) {
	// No API keys at all: the page is for outsiders.
	h := newHarness(t, nil, func(c *Config) { c.Keys = nil })
	files := []struct{ path, ctype, contains string }{
		{"/verify", "text/html; charset=utf-8", `<script src="verify/verify.js" defer></script>`},
		{"/verify/verify.js", "text/javascript; charset=utf-8", "'use strict'"},
		{"/verify/verify.css", "text/css; charset=utf-8", ":root"},
		{"/verify/favicon.svg", "image/svg+xml", "<svg"},
	}
	for _, f := range files {
		t.Run(f.path, func(t *testing.T) {
			w := h.do(request{method: "GET", path: f.path})
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			require.Equal(t, f.ctype, w.Header().Get("Content-Type"))
			require.Contains(t, w.Body.String(), f.contains)
			csp := w.Header().Get("Content-Security-Policy")
			require.Equal(t, "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "+
				"base-uri 'none'; form-action 'none'; frame-ancestors 'none'", csp)
			require.NotContains(t, csp, "unsafe")
			require.NotContains(t, csp, "http")
			require.Equal(t, "nosniff", w.Header().Get("X-Content-Type-Options"))
			require.Equal(t, "no-referrer", w.Header().Get("Referrer-Policy"), "the payload in the fragment must not leak")
			require.Equal(t, "DENY", w.Header().Get("X-Frame-Options"))
			require.Empty(t, w.Header().Values("Set-Cookie"), "no cookies")
			etag := w.Header().Get("ETag")
			require.NotEmpty(t, etag)

			w = h.do(request{method: "GET", path: f.path, header: map[string]string{"If-None-Match": etag}})
			require.Equal(t, http.StatusNotModified, w.Code)
			require.Empty(t, w.Body.String())
		})
	}
	require.Empty(t, h.ledger.Calls(), "serving the page asks the ledger nothing")

	t.Run("an API key is neither needed nor looked at", func(t *testing.T) {
		h := newHarness(t, nil)
		w := h.do(request{method: "GET", path: "/verify", key: "gck_not-a-key"})
		require.Equal(t, http.StatusOK, w.Code)
	})

	t.Run("nothing else under /verify", func(t *testing.T) {
		for _, p := range []string{"/verify/nope.js", "/verify/.hidden", "/verify/..%2Fverifypage.go", "/verify/verifypage.go",
			"/verify/", "/verify/index.html", "/verify/console.js", "/api/v1/verify"} {
			w := h.do(request{method: "GET", path: p})
			require.Equal(t, http.StatusNotFound, w.Code, p)
			require.Equal(t, "NOT_FOUND", errorOf(t, w).Code, p)
		}
		w := h.do(request{method: "POST", path: "/verify", body: `{"payload":"x"}`})
		require.Equal(t, http.StatusMethodNotAllowed, w.Code)
	})
}

// TestVerifyPageReferencesItsFiles parses the page: every file it references is one of its
// embedded files (resolved against /verify, as a browser does) and is served; no inline
// script or style, no event handler attributes, nothing from another origin.
func TestVerifyPageReferencesItsFiles(t *testing.T) {
	h := newHarness(t, nil)
	page := verifyAssets["index.html"].body
	base, _ := url.Parse("http://gateway.example/verify#GOVCHAIN-BL:1:x")
	z := html.NewTokenizer(bytes.NewReader(page))
	var refs []string
	scripts, inScript := 0, false
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
			for _, a := range tok.Attr {
				require.False(t, strings.HasPrefix(a.Key, "on"), "<%s %s>: no event handler attributes", tok.Data, a.Key)
				require.NotEqual(t, "style", a.Key, "<%s>: no style attribute", tok.Data)
				require.NotEqual(t, "action", a.Key, "<%s>: the form is never posted (form-action 'none')", tok.Data)
				if a.Key == "href" || a.Key == "src" {
					ref, err := url.Parse(a.Val)
					require.NoError(t, err)
					require.False(t, ref.IsAbs() || ref.Host != "" || strings.HasPrefix(a.Val, "/"), "<%s %s=%q>: a path relative to /verify", tok.Data, a.Key, a.Val)
					refs = append(refs, base.ResolveReference(ref).Path)
				}
			}
			if tok.Data == "script" {
				scripts++
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
	require.ElementsMatch(t, []string{"/verify/favicon.svg", "/verify/verify.css", "/verify/verify.js", "/verify/favicon.svg"}, refs)
	for _, p := range refs {
		name := strings.TrimPrefix(p, "/verify/")
		require.Contains(t, verifyAssets, name, p)
		w := h.do(request{method: "GET", path: p})
		require.Equal(t, http.StatusOK, w.Code, p)
	}
	for name := range verifyAssets {
		if name != "index.html" {
			require.Contains(t, refs, "/verify/"+name, "an embedded file the page does not use: %s", name)
		}
	}
	require.Contains(t, string(page), `lang="zh-CN"`, "Chinese first")

	js := string(verifyAssets["verify.js"].body)
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "javascript:",
		"setTimeout('", `setTimeout("`, "localStorage", "sessionStorage", "indexedDB", "document.cookie", "import("} {
		require.NotContains(t, js, bad)
	}
	require.Empty(t, regexp.MustCompile(`https?://`).FindAllString(js, -1), "the script names no URL")
	for _, want := range []string{"location.hash", "decodeURIComponent", "Retry-After", "'VALID'", "SUPERSEDED", "TAMPERED", "UNKNOWN",
		"SUSPENDED", "REVOKED", "DEREGISTERED", "有效", "已被取代", "无效", "未找到", "{ licence: ", "{ payload: "} {
		require.Contains(t, js, want)
	}
	css := string(verifyAssets["verify.css"].body)
	require.NotContains(t, css, "@import")
	require.NotContains(t, css, "url(")
	for name, a := range verifyAssets {
		require.NotContains(t, string(a.body), "https://", name)
	}
}

// TestVerifyPageAPIPath: the one API path of the page's script is the public verification
// route (relative to /verify, so that it works under a path prefix of licence.public_url).
func TestVerifyPageAPIPath(t *testing.T) {
	js := string(verifyAssets["verify.js"].body)
	found := regexp.MustCompile(`'(api/v1[^']*)'`).FindAllStringSubmatch(js, -1)
	require.Len(t, found, 1)
	require.Equal(t, 1, strings.Count(js, "api/v1"))
	require.Equal(t, "api/v1/licences/verify", found[0][1])
	var public bool
	for _, r := range New(Config{}).routes() {
		if r.method == "POST" && APIPrefix+r.path == "/"+found[0][1] {
			public = r.kind == kindPublic
		}
	}
	require.True(t, public, "the page calls a public route (no API key)")
}

// qrRenderer records the view it was asked to draw.
type qrRenderer struct {
	mu   sync.Mutex
	seen []domain.LicenceView
}

func (r *qrRenderer) Render(v domain.LicenceView) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, v)
	return []byte("\x89PNG\r\n\x1a\n"), nil
}

// TestLicencePublicURL: with licence.public_url the PNG's QR code carries
// <public_url>/verify#<qr_payload> and the JSON adds it as qr_url; without, nothing changes.
func TestLicencePublicURL(t *testing.T) {
	view := func(call ledger.Call) ([]byte, error) { return []byte(licenceViewJSON), nil }
	payload := "GOVCHAIN-BL:1:91430111MA4L41YT1U:3:" + verificationCode

	for _, base := range []string{"https://licence.gov.example", "https://licence.gov.example/"} {
		t.Run("public URL "+base, func(t *testing.T) {
			r := &qrRenderer{}
			h := newHarness(t, &fakeLedger{evaluate: view}, func(c *Config) { c.LicenceRenderer = r; c.LicencePublicURL = base })
			w := h.do(request{method: "GET", path: "/api/v1/businesses/" + uscc + "/licence?format=png", key: keyIssuer})
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			require.Len(t, r.seen, 1)
			require.Equal(t, "https://licence.gov.example/verify#"+payload, r.seen[0].QRPayload)

			w = h.do(request{method: "GET", path: "/api/v1/businesses/" + uscc + "/licence", key: keyIssuer})
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			require.Equal(t, "application/json; charset=utf-8", w.Header().Get("Content-Type"))
			var got map[string]any
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
			require.Equal(t, "https://licence.gov.example/verify#"+payload, got["qr_url"])
			require.Equal(t, payload, got["qr_payload"], "the chaincode's qr_payload is unchanged")
			delete(got, "qr_url")
			want := map[string]any{}
			require.NoError(t, json.Unmarshal([]byte(licenceViewJSON), &want))
			require.Equal(t, want, got, "otherwise the chaincode's answer as is")
			require.Len(t, h.ledger.Calls(), 2)
			require.Equal(t, []string{uscc, "0"}, h.ledger.Calls()[1].Args)

			// The scanned URL verifies like the bare payload.
			w = h.do(request{method: "POST", path: "/api/v1/licences/verify", body: `{"payload":"https://licence.gov.example/verify#` + payload + `"}`})
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			require.Len(t, h.ledger.Calls(), 3)
			require.Equal(t, "business:VerifyLicence", h.ledger.Calls()[2].Name())
		})
	}

	t.Run("unset: the bare payload, no qr_url", func(t *testing.T) {
		r := &qrRenderer{}
		h := newHarness(t, &fakeLedger{evaluate: view}, func(c *Config) { c.LicenceRenderer = r })
		w := h.do(request{method: "GET", path: "/api/v1/businesses/" + uscc + "/licence?format=png", key: keyIssuer})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		require.Equal(t, payload, r.seen[0].QRPayload)
		w = h.do(request{method: "GET", path: "/api/v1/businesses/" + uscc + "/licence", key: keyIssuer})
		require.Equal(t, http.StatusOK, w.Code)
		require.Equal(t, licenceViewJSON, w.Body.String())
	})

	t.Run("a ledger refusal of the JSON format is answered as usual", func(t *testing.T) {
		h := newHarness(t, &fakeLedger{evaluate: func(ledger.Call) ([]byte, error) {
			return nil, &ledger.Error{Kind: ledger.KindContract, Code: "NOT_FOUND", Message: "business " + uscc + " has no licence version 9"}
		}}, func(c *Config) { c.LicencePublicURL = "https://licence.gov.example" })
		w := h.do(request{method: "GET", path: "/api/v1/businesses/" + uscc + "/licence?version=9", key: keyIssuer})
		require.Equal(t, http.StatusNotFound, w.Code)
		require.Equal(t, "NOT_FOUND", errorOf(t, w).Code)
	})
}

func TestWithField(t *testing.T) {
	require.JSONEq(t, `{"a":1,"qr_url":"u"}`, string(withField([]byte(` {"a":1} `), "qr_url", "u")))
	require.Equal(t, `{"qr_url":"u"}`, string(withField([]byte(`{}`), "qr_url", "u")))
	require.Equal(t, `[1]`, string(withField([]byte(`[1]`), "qr_url", "u")))
	require.Equal(t, `{"a":`, string(withField([]byte(`{"a":`), "qr_url", "u")))
}
