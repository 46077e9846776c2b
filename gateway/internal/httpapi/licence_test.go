package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/gateway/internal/ratelimit"
	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

const (
	verificationCode  = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"
	verifyPayloadBody = `{"payload":"GOVCHAIN-BL:1:91430111MA4L41YT1U:2:` + verificationCode + `"}`
	verifyLicenceBody = `{"licence":{"licence_number":"91430111MA4L41YT1U-001","uscc":"91430111MA4L41YT1U","name":"长沙示例科技有限公司","entity_type":"有限责任公司",
"legal_representative":"张三","registered_capital_fen":100000000,"address":"长沙市雨花区示例路1号","business_scope":"软件开发","established_on":"2016-05-20",
"issuing_authority":"长沙市雨花区市场监督管理局","issued_at":"2026-03-01T09:00:00Z","version":1,"verification_code":"` + verificationCode + `"}}`
	licenceViewJSON = `{"licence":{"uscc":"91430111MA4L41YT1U","version":3,"name":"长沙示例科技有限公司"},"status":"ACTIVE","status_reason":"","current":true,"superseded_by":null,"qr_payload":"GOVCHAIN-BL:1:91430111MA4L41YT1U:3:` + verificationCode + `"}`
)

// fakeRenderer draws a licence as a fixed PNG signature and its USCC and version.
type fakeRenderer struct{ err error }

func (r fakeRenderer) Render(v domain.LicenceView) ([]byte, error) {
	if r.err != nil {
		return nil, r.err
	}
	return []byte("\x89PNG\r\n\x1a\n" + v.Licence.USCC + "/" + strconv.Itoa(v.Licence.Version)), nil
}

func TestLicenceRoutes(t *testing.T) {
	cases := []routeCase{
		{"issue a first licence", request{method: "POST", path: "/api/v1/businesses/" + uscc + "/licence", key: keyRegistrar}, 201, "", "business:IssueLicence", []string{uscc}},
		{"issue a first licence with {}", request{method: "POST", path: "/api/v1/businesses/" + uscc + "/licence", key: keyRegistrar, body: `{}`}, 201, "", "business:IssueLicence", []string{uscc}},
		{"issue with arguments", request{method: "POST", path: "/api/v1/businesses/" + uscc + "/licence", key: keyRegistrar, body: `{"version":2}`}, 400, "INVALID", "", nil},
		{"issue for a malformed USCC", request{method: "POST", path: "/api/v1/businesses/x/licence", key: keyRegistrar}, 400, "INVALID", "", nil},
		{"only the market registrar issues licences", request{method: "POST", path: "/api/v1/businesses/" + uscc + "/licence", key: keyAdmin}, 403, "FORBIDDEN", "", nil},

		{"the current licence", request{method: "GET", path: "/api/v1/businesses/" + uscc + "/licence", key: keyIssuer}, 200, "", "business:Licence", []string{uscc, "0"}},
		{"a version as JSON", request{method: "GET", path: "/api/v1/businesses/" + uscc + "/licence?version=2&format=json", key: keyAuditor}, 200, "", "business:Licence", []string{uscc, "2"}},
		{"version 0 is the current one", request{method: "GET", path: "/api/v1/businesses/" + uscc + "/licence?version=0", key: keyAuditor}, 200, "", "business:Licence", []string{uscc, "0"}},
		{"a negative version", request{method: "GET", path: "/api/v1/businesses/" + uscc + "/licence?version=-1", key: keyAuditor}, 400, "INVALID", "", nil},
		{"a version that is not a number", request{method: "GET", path: "/api/v1/businesses/" + uscc + "/licence?version=two", key: keyAuditor}, 400, "INVALID", "", nil},
		{"a version with a leading zero", request{method: "GET", path: "/api/v1/businesses/" + uscc + "/licence?version=02", key: keyAuditor}, 400, "INVALID", "", nil},
		{"a version beyond the maximum", request{method: "GET", path: "/api/v1/businesses/" + uscc + "/licence?version=1000000", key: keyAuditor}, 400, "INVALID", "", nil},
		{"an unknown format", request{method: "GET", path: "/api/v1/businesses/" + uscc + "/licence?format=pdf", key: keyAuditor}, 400, "INVALID", "", nil},
		{"an image without a renderer", request{method: "GET", path: "/api/v1/businesses/" + uscc + "/licence?format=png", key: keyAuditor}, 503, codeLicenceImageUnavailable, "", nil},
	}
	runRouteCases(t, cases)

	t.Run("the 503 without a renderer names the fix", func(t *testing.T) {
		h := newHarness(t, nil)
		w := h.do(request{method: "GET", path: "/api/v1/businesses/" + uscc + "/licence?format=png", key: keyAuditor})
		msg := errorOf(t, w).Message
		require.Contains(t, msg, "fonts-wqy-microhei")
		require.Contains(t, msg, "licence.font_file")
	})
}

func TestLicenceImage(t *testing.T) {
	view := func(call ledger.Call) ([]byte, error) { return []byte(licenceViewJSON), nil }

	t.Run("drawn from the ledger's licence view", func(t *testing.T) {
		h := newHarness(t, &fakeLedger{evaluate: view}, func(c *Config) { c.LicenceRenderer = fakeRenderer{} })
		w := h.do(request{method: "GET", path: "/api/v1/businesses/" + uscc + "/licence?format=png", key: keyIssuer})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		require.Equal(t, "image/png", w.Header().Get("Content-Type"))
		require.Equal(t, `inline; filename="licence-`+uscc+`-v3.png"`, w.Header().Get("Content-Disposition"), "the version the ledger answered")
		require.Equal(t, "no-store", w.Header().Get("Cache-Control"))
		require.Equal(t, "\x89PNG\r\n\x1a\n"+uscc+"/3", w.Body.String())
		calls := h.ledger.Calls()
		require.Len(t, calls, 1)
		require.Equal(t, []string{uscc, "0"}, calls[0].Args)
	})

	t.Run("a ledger refusal is answered as usual", func(t *testing.T) {
		h := newHarness(t, &fakeLedger{evaluate: func(ledger.Call) ([]byte, error) {
			return nil, &ledger.Error{Kind: ledger.KindContract, Code: "NOT_FOUND", Message: "business " + uscc + " has no licence version 9"}
		}}, func(c *Config) { c.LicenceRenderer = fakeRenderer{} })
		w := h.do(request{method: "GET", path: "/api/v1/businesses/" + uscc + "/licence?format=png&version=9", key: keyIssuer})
		require.Equal(t, http.StatusNotFound, w.Code)
		require.Equal(t, "NOT_FOUND", errorOf(t, w).Code)
	})

	t.Run("a renderer failure is a 500 that hides the cause", func(t *testing.T) {
		h := newHarness(t, &fakeLedger{evaluate: view}, func(c *Config) { c.LicenceRenderer = fakeRenderer{err: errors.New("glyph 营 missing")} })
		w := h.do(request{method: "GET", path: "/api/v1/businesses/" + uscc + "/licence?format=png", key: keyIssuer})
		require.Equal(t, http.StatusInternalServerError, w.Code)
		e := errorOf(t, w)
		require.Equal(t, "INTERNAL", e.Code)
		require.NotContains(t, e.Message, "glyph")
		require.Contains(t, h.logs.String(), "glyph", "the cause is logged")
	})
}

// fakeClock is a clock the rate-limit tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestVerifyLicence(t *testing.T) {
	verdict := `{"valid":false,"current":false,"status":"","superseded_by":null,"result":"UNKNOWN","uscc":"91430111MA4L41YT1U","version":2,"tampered_fields":[],"message":"No licence of business 91430111MA4L41YT1U is recorded on the ledger."}`
	answer := func(ledger.Call) ([]byte, error) { return []byte(verdict), nil }
	verifier := &ledger.Caller{Org: "market", Role: "registrar", Name: "public"}

	t.Run("without an API key, evaluated with the verify identity; every verdict is 200", func(t *testing.T) {
		for _, body := range []string{verifyPayloadBody, verifyLicenceBody} {
			h := newHarness(t, &fakeLedger{evaluate: answer}, func(c *Config) { c.VerifyCaller = verifier })
			w := h.do(request{method: "POST", path: "/api/v1/licences/verify", body: body})
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			require.JSONEq(t, verdict, w.Body.String())
			require.Equal(t, "no-store", w.Header().Get("Cache-Control"))
			calls := h.ledger.Calls()
			require.Len(t, calls, 1)
			require.Equal(t, "business:VerifyLicence", calls[0].Name())
			require.Equal(t, *verifier, calls[0].Caller)
			var sent domain.VerifyLicenceRequest
			require.NoError(t, domain.DecodeValid("sent", []byte(calls[0].Args[0]), &sent))
		}
	})

	t.Run("an API key changes nothing: still the verify identity", func(t *testing.T) {
		h := newHarness(t, &fakeLedger{evaluate: answer}, func(c *Config) { c.VerifyCaller = verifier })
		w := h.do(request{method: "POST", path: "/api/v1/licences/verify", key: keyIssuer, body: verifyPayloadBody})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		require.Equal(t, *verifier, h.ledger.Calls()[0].Caller)
	})

	refusals := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"an empty body", "", 400, "INVALID"},
		{"malformed JSON", `{"payload":`, 400, "INVALID"},
		{"both licence and payload", `{"payload":"x","licence":{"uscc":"` + uscc + `","version":1}}`, 400, "INVALID"},
		{"neither", `{}`, 400, "INVALID"},
		{"an unknown field", `{"payload":"GOVCHAIN-BL:1:91430111MA4L41YT1U:2:` + verificationCode + `","bank":"x"}`, 400, "INVALID"},
		{"a payload that is no licence's", `{"payload":"https://example.com/phish"}`, 400, "INVALID"},
		{"a payload with an upper-case code", `{"payload":"GOVCHAIN-BL:1:91430111MA4L41YT1U:2:` + strings.ToUpper(verificationCode) + `"}`, 400, "INVALID"},
		{"a licence of version 0", strings.Replace(verifyLicenceBody, `"version":1`, `"version":0`, 1), 400, "INVALID"},
		{"a body over 64 KiB", `{"payload":"` + strings.Repeat("x", 70<<10) + `"}`, 400, "INVALID"},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			h := newHarness(t, nil)
			w := h.do(request{method: "POST", path: "/api/v1/licences/verify", body: r.body})
			require.Equal(t, r.status, w.Code, w.Body.String())
			require.Equal(t, r.code, errorOf(t, w).Code)
			require.Empty(t, h.ledger.Calls())
		})
	}

	t.Run("a body between the JSON limit and 64 KiB is read", func(t *testing.T) {
		h := newHarness(t, nil) // MaxJSONBytes 4096
		body := strings.Replace(verifyLicenceBody, `"business_scope":"软件开发"`, `"business_scope":"`+strings.Repeat("软件开发", 1000)+`"`, 1)
		require.Greater(t, len(body), 4096)
		w := h.do(request{method: "POST", path: "/api/v1/licences/verify", body: body})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	})

	t.Run("a chaincode refusal is mapped as usual", func(t *testing.T) {
		h := newHarness(t, &fakeLedger{evaluate: func(ledger.Call) ([]byte, error) {
			return nil, &ledger.Error{Kind: ledger.KindContract, Code: "INVALID", Message: "payload is not a govchain licence QR payload"}
		}})
		w := h.do(request{method: "POST", path: "/api/v1/licences/verify", body: verifyPayloadBody})
		require.Equal(t, http.StatusBadRequest, w.Code)
		require.Equal(t, "INVALID", errorOf(t, w).Code)
	})

	t.Run("without a verify identity: 503", func(t *testing.T) {
		h := newHarness(t, nil, func(c *Config) { c.VerifyCaller = nil })
		w := h.do(request{method: "POST", path: "/api/v1/licences/verify", body: verifyPayloadBody})
		require.Equal(t, http.StatusServiceUnavailable, w.Code)
		require.Equal(t, "UNAVAILABLE", errorOf(t, w).Code)
		require.Contains(t, errorOf(t, w).Message, "licence.verify_identity")
		require.Empty(t, h.ledger.Calls())
	})

	t.Run("read-only: other methods are 405", func(t *testing.T) {
		h := newHarness(t, nil)
		w := h.do(request{method: "GET", path: "/api/v1/licences/verify"})
		require.Equal(t, http.StatusMethodNotAllowed, w.Code)
	})
}

func TestVerifyLicenceRateLimit(t *testing.T) {
	newLimited := func(t *testing.T, proxies ...string) (*harness, *fakeClock) {
		clk := &fakeClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
		h := newHarness(t, nil, func(c *Config) {
			c.VerifyLimiter = ratelimit.New(ratelimit.Config{PerMinute: 30, Burst: 3, Now: clk.Now})
			c.TrustedProxies = proxies
		})
		return h, clk
	}
	from := func(addr string, header map[string]string) request {
		hd := map[string]string{}
		for k, v := range header {
			hd[k] = v
		}
		r := request{method: "POST", path: "/api/v1/licences/verify", body: verifyPayloadBody, header: hd}
		r.remoteAddr = addr
		return r
	}

	t.Run("over the limit: 429 RATE_LIMITED with Retry-After, nothing reaches Fabric", func(t *testing.T) {
		h, _ := newLimited(t)
		for i := range 3 {
			w := h.do(from("203.0.113.7:40000", nil))
			require.Equal(t, http.StatusOK, w.Code, "request %d", i+1)
		}
		w := h.do(from("203.0.113.7:40001", nil))
		require.Equal(t, http.StatusTooManyRequests, w.Code, w.Body.String())
		e := errorOf(t, w)
		require.Equal(t, codeRateLimited, e.Code)
		require.Contains(t, e.Message, "retry in 2 s")
		require.Equal(t, "2", w.Header().Get("Retry-After"))
		require.Len(t, h.ledger.Calls(), 3)
	})

	t.Run("the bucket refills as time passes", func(t *testing.T) {
		h, clk := newLimited(t)
		for range 3 {
			require.Equal(t, http.StatusOK, h.do(from("203.0.113.7:1", nil)).Code)
		}
		require.Equal(t, http.StatusTooManyRequests, h.do(from("203.0.113.7:1", nil)).Code)
		clk.Advance(time.Second)
		w := h.do(from("203.0.113.7:1", nil))
		require.Equal(t, http.StatusTooManyRequests, w.Code)
		require.Equal(t, "1", w.Header().Get("Retry-After"), "whole seconds, at least 1")
		clk.Advance(time.Second)
		require.Equal(t, http.StatusOK, h.do(from("203.0.113.7:1", nil)).Code)
	})

	t.Run("addresses are limited independently", func(t *testing.T) {
		h, _ := newLimited(t)
		for range 3 {
			require.Equal(t, http.StatusOK, h.do(from("203.0.113.7:1", nil)).Code)
		}
		require.Equal(t, http.StatusTooManyRequests, h.do(from("203.0.113.7:1", nil)).Code)
		require.Equal(t, http.StatusOK, h.do(from("198.51.100.9:1", nil)).Code)
		require.Equal(t, http.StatusOK, h.do(from("[2001:db8::1]:1", nil)).Code)
	})

	t.Run("X-Forwarded-For is ignored unless the peer is a trusted proxy", func(t *testing.T) {
		h, _ := newLimited(t)
		for i := range 3 {
			fwd := map[string]string{"X-Forwarded-For": "192.0.2." + strconv.Itoa(i+1), "X-Real-IP": "192.0.2.200"}
			require.Equal(t, http.StatusOK, h.do(from("203.0.113.7:1", fwd)).Code)
		}
		w := h.do(from("203.0.113.7:1", map[string]string{"X-Forwarded-For": "192.0.2.99"}))
		require.Equal(t, http.StatusTooManyRequests, w.Code, "a client cannot dodge the limit with a header")
	})

	t.Run("behind a trusted proxy the forwarded client is counted", func(t *testing.T) {
		h, _ := newLimited(t, "10.0.0.0/8")
		for range 3 {
			require.Equal(t, http.StatusOK, h.do(from("10.1.2.3:1", map[string]string{"X-Forwarded-For": "192.0.2.1"})).Code)
		}
		require.Equal(t, http.StatusTooManyRequests, h.do(from("10.1.2.3:1", map[string]string{"X-Forwarded-For": "192.0.2.1"})).Code)
		require.Equal(t, http.StatusOK, h.do(from("10.1.2.3:1", map[string]string{"X-Forwarded-For": "192.0.2.2"})).Code,
			"another client behind the same proxy")
		// A client that sends its own X-Forwarded-For through the proxy: the proxy appends the
		// real address, which is the one counted.
		require.Equal(t, http.StatusTooManyRequests, h.do(from("10.1.2.3:1", map[string]string{"X-Forwarded-For": "198.51.100.1, 192.0.2.1"})).Code)
	})

	t.Run("IPv6 clients are counted per /64", func(t *testing.T) {
		h, _ := newLimited(t)
		for i := range 3 {
			require.Equal(t, http.StatusOK, h.do(from("[2001:db8:1:2::"+strconv.Itoa(i+1)+"]:1", nil)).Code)
		}
		require.Equal(t, http.StatusTooManyRequests, h.do(from("[2001:db8:1:2:ffff::9]:1", nil)).Code, "another address of the same /64")
		require.Equal(t, http.StatusOK, h.do(from("[2001:db8:1:3::1]:1", nil)).Code, "another /64")
	})

	t.Run("authenticated routes are not limited", func(t *testing.T) {
		h, _ := newLimited(t)
		for range 10 {
			r := request{method: "GET", path: "/api/v1/businesses/" + uscc, key: keyAuditor, remoteAddr: "203.0.113.7:1"}
			require.Equal(t, http.StatusOK, h.do(r).Code)
		}
	})
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.7":          "203.0.113.7",
		"::ffff:203.0.113.7":   "203.0.113.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2::1%eth0": "2001:db8:1:2::/64",
		"":                     "",
		"not an address":       "not an address",
	} {
		require.Equal(t, want, clientKey(in), in)
	}
}

// Client-side signing: the new writes run inside a proposal like every write; the public
// verification is no write and cannot be signed (nor does it reach the ledger or the limit).
func TestLicenceAndPledgeWritesAreSignable(t *testing.T) {
	writes := []struct{ method, path, body, call string }{
		{"POST", "/api/v1/businesses/" + uscc + "/materials", supplyBody, "business:SupplyMaterial"},
		{"POST", "/api/v1/businesses/" + uscc + "/licence", "", "business:IssueLicence"},
		{"POST", "/api/v1/pledges/overdue-check", "{}", "business:CheckOverduePledges"},
		{"POST", "/api/v1/businesses", pledgedRegisterBody, "business:Register"},
	}
	for _, wr := range writes {
		t.Run(wr.call, func(t *testing.T) {
			h := newSigningHarness(t)
			body := `{"method":"` + wr.method + `","path":"` + wr.path + `"`
			if wr.body != "" {
				body += `,"body":` + wr.body
			}
			w := h.do(request{method: "POST", path: "/api/v1/signing/proposals", key: keyClerkCS, body: body + "}"})
			require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
			m := h.endorse(keyClerkCS, jsonOf(t, w)["transaction_id"].(string), h.sign(jsonOf(t, w)["digest"].(string)))
			txID := m["transaction_id"].(string)
			w = h.do(request{method: "POST", path: "/api/v1/signing/transactions/" + txID, key: keyClerkCS, body: `{"signature":"` + h.sign(m["digest"].(string)) + `"}`})
			require.Less(t, w.Code, 300, w.Body.String())
			calls := h.sl.Calls()
			require.Len(t, calls, 1)
			require.Equal(t, wr.call, calls[0].Name())
			require.Equal(t, clerkCS, calls[0].Caller)
		})
	}

	t.Run("the public verification is not signable", func(t *testing.T) {
		h := newSigningHarness(t)
		limiter := &countingLimiter{}
		h.cfg.VerifyLimiter = limiter
		h.srv = New(h.cfg)
		w := h.do(request{method: "POST", path: "/api/v1/signing/proposals", key: keyClerkCS,
			body: `{"method":"POST","path":"/api/v1/licences/verify","body":` + verifyPayloadBody + `}`})
		require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
		require.Equal(t, "INVALID", errorOf(t, w).Code)
		require.Contains(t, errorOf(t, w).Message, "not a write that can be signed")
		require.Empty(t, h.sl.Calls())
		require.Zero(t, limiter.n, "a refused proposal does not spend the limit")
	})

	t.Run("a client-signed identity cannot write the ordinary way", func(t *testing.T) {
		h := newSigningHarness(t)
		w := h.do(request{method: "POST", path: "/api/v1/businesses/" + uscc + "/materials", key: keyClerkCS, body: supplyBody})
		require.Equal(t, http.StatusForbidden, w.Code, w.Body.String())
	})
}

type countingLimiter struct{ n int }

func (l *countingLimiter) Allow(string) (bool, time.Duration) { l.n++; return true, 0 }
