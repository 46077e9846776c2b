package httpapi

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/cdp"
	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

// refusingLimiter refuses every request while refuse is set, asking for 42 s.
type refusingLimiter struct{ refuse atomic.Bool }

func (l *refusingLimiter) Allow(string) (bool, time.Duration) {
	if l.refuse.Load() {
		return false, 42 * time.Second
	}
	return true, 0
}

// verifyPageFakeEvaluate answers business:VerifyLicence by the presented version: 2 is
// VALID, 1 SUPERSEDED, 3 TAMPERED, 4 VALID of a REVOKED business, anything else UNKNOWN.
func verifyPageFakeEvaluate(call ledger.Call) ([]byte, error) {
	var req domain.VerifyLicenceRequest
	if err := json.Unmarshal([]byte(call.Args[0]), &req); err != nil {
		return nil, err
	}
	var u string
	var v int
	if req.Licence != nil {
		u, v = req.Licence.USCC, req.Licence.Version
	} else {
		u, v, _, _ = domain.ParseLicencePayload(req.Payload)
	}
	rec := domain.Licence{USCC: u, Version: v, Name: "长沙示例科技有限公司", VerificationCode: verificationCode}
	var out domain.LicenceVerification
	switch v {
	case 1:
		if req.Licence != nil {
			rec = *req.Licence // the pasted JSON is the recorded version 1
		}
		out = domain.VerifyLicence(req, &rec, 2, "ACTIVE")
	case 2:
		out = domain.VerifyLicence(req, &rec, 2, "ACTIVE")
	case 3:
		rec.VerificationCode = strings.Repeat("0", 64)
		out = domain.VerifyLicence(req, &rec, 3, "ACTIVE")
	case 4:
		out = domain.VerifyLicence(req, &rec, 4, "REVOKED")
	default:
		out = domain.VerifyLicence(req, nil, 0, "")
	}
	return json.Marshal(out)
}

// TestVerifyPageInBrowser drives the public verification page in a real headless Chromium
// against this server over a fake ledger: the payload in the URL's fragment (bare or
// percent-encoded) is verified at once; every verdict shows its words; a REVOKED business is
// a warning even with an authentic licence; a pasted licence JSON is sent as {licence}; a 429
// shows the Retry-After, a 400 the error; no JavaScript error, no cookie, nothing stored. It
// skips when no Chromium is installed, except in CI.
func TestVerifyPageInBrowser(t *testing.T) {
	bin, err := cdp.Find()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI installs Chromium (.ci/run): %v", err)
		}
		t.Skipf("no browser: %v", err)
	}
	lim := &refusingLimiter{}
	h := newHarness(t, &fakeLedger{evaluate: verifyPageFakeEvaluate}, func(c *Config) { c.VerifyLimiter = lim; c.Keys = nil })
	srv := httptest.NewServer(h.srv.Handler())
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := cdp.Start(ctx, bin, 412, 915)
	require.NoError(t, err)
	defer b.Close()
	wait := func(cond string) {
		t.Helper()
		require.NoError(t, b.WaitFor(ctx, cond, 15*time.Second), "JavaScript errors: %v", b.Errors())
	}
	eval := func(expr string, out any) {
		t.Helper()
		require.NoError(t, b.Evaluate(ctx, expr, out))
	}
	text := func(id string) string {
		t.Helper()
		var s string
		eval(`document.getElementById(`+jsString(id)+`).textContent`, &s)
		return s
	}
	visible := func(id string) bool {
		t.Helper()
		var v bool
		eval(`!document.getElementById(`+jsString(id)+`).hidden`, &v)
		return v
	}
	payload := func(v string) string { return "GOVCHAIN-BL:1:" + uscc + ":" + v + ":" + verificationCode }
	loads := 0
	open := func(fragment string) {
		t.Helper()
		loads++ // a new query: a new document, not a same-document fragment change
		require.NoError(t, b.Navigate(ctx, srv.URL+"/verify?load="+strconv.Itoa(loads)+"#"+fragment))
		wait(`document.body.getAttribute("data-result")`)
	}
	submit := func(s string) {
		t.Helper()
		eval(`document.getElementById("verify-input").value = `+jsString(s)+
			`; document.body.removeAttribute("data-result"); document.getElementById("verify-form").requestSubmit(); true`, nil)
		wait(`document.body.getAttribute("data-result")`)
	}
	result := func() string {
		var s string
		eval(`document.body.getAttribute("data-result")`, &s)
		return s
	}

	t.Run("the payload in the fragment: VALID, the USCC, the version, the status", func(t *testing.T) {
		open(payload("2"))
		require.Equal(t, "VALID", result())
		require.Equal(t, "有效", text("verdict-zh"))
		require.Equal(t, "VALID", text("verdict-en"))
		require.Equal(t, "✓", text("verdict-mark"))
		require.Equal(t, uscc, text("f-uscc"))
		require.Equal(t, "2", text("f-version"))
		require.Contains(t, text("f-status"), "ACTIVE")
		require.Contains(t, text("f-message"), "Authentic and current")
		require.False(t, visible("status-warning"))
		require.Equal(t, payload("2"), func() string { var s string; eval(`document.getElementById("verify-input").value`, &s); return s }())
		var cls string
		eval(`document.getElementById("verdict").className`, &cls)
		require.Equal(t, "verdict ok", cls)
	})
	shots := os.Getenv("GOVCHAIN_TEST_LOGS")
	if shots == "" {
		shots = t.TempDir()
	}
	require.NoError(t, b.Screenshot(ctx, filepath.Join(shots, "verify-page-unit.png")))

	t.Run("a percent-encoded fragment is decoded", func(t *testing.T) {
		open(url.PathEscape(payload("2")) + "%20")
		require.Equal(t, "VALID", result())
	})

	t.Run("superseded, tampered, unknown", func(t *testing.T) {
		open(payload("1"))
		require.Equal(t, "SUPERSEDED", result())
		require.Equal(t, "已被取代", text("verdict-zh"))
		require.Contains(t, text("verdict-detail"), "superseded by version 2")
		open(payload("3"))
		require.Equal(t, "TAMPERED", result())
		require.Equal(t, "无效", text("verdict-zh"))
		require.Equal(t, "✗", text("verdict-mark"))
		require.Equal(t, "verification_code", text("f-tampered"))
		open(payload("9"))
		require.Equal(t, "UNKNOWN", result())
		require.Equal(t, "未找到", text("verdict-zh"))
	})

	t.Run("an authentic licence of a REVOKED business is a warning", func(t *testing.T) {
		open(payload("4"))
		require.Equal(t, "VALID", result())
		require.True(t, visible("status-warning"))
		require.Contains(t, text("status-warning"), "REVOKED")
		require.Contains(t, text("f-status"), "已吊销")
	})

	t.Run("a pasted licence JSON is sent as {licence}, a pasted URL as {payload}", func(t *testing.T) {
		open(payload("2"))
		submit(`{"licence_number":"` + uscc + `-001","uscc":"` + uscc + `","version":1,"verification_code":"` + verificationCode + `"}`)
		require.Equal(t, "SUPERSEDED", result())
		submit("https://licence.gov.example/verify#" + payload("3"))
		require.Equal(t, "TAMPERED", result())
	})

	t.Run("a refusal shows the error; a fragment that is no payload is not sent", func(t *testing.T) {
		before := len(h.ledger.Calls())
		open("top")
		require.Equal(t, "ERROR", result())
		require.Contains(t, text("error"), "does not carry a licence")
		require.Len(t, h.ledger.Calls(), before)
		submit("https://example.com/phish")
		require.Equal(t, "ERROR", result())
		require.Contains(t, text("error"), "not a govchain licence QR payload")
		require.False(t, visible("verdict"))
	})

	t.Run("429 shows when to try again", func(t *testing.T) {
		lim.refuse.Store(true)
		defer lim.refuse.Store(false)
		open(payload("2"))
		require.Equal(t, "ERROR", result())
		require.Contains(t, text("error"), "try again in 42 s")
		require.Contains(t, text("error"), "42 秒后")
	})

	var stored struct {
		Cookie  string
		Local   int
		Session int
	}
	eval(`({cookie: document.cookie, local: localStorage.length, session: sessionStorage.length})`, &stored)
	require.Empty(t, stored.Cookie)
	require.Zero(t, stored.Local)
	require.Zero(t, stored.Session)
	require.Empty(t, b.Errors(), "JavaScript errors")
}
