package httpapi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/domain"
	"github.com/govchain/govchain/internal/domain/sm3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCORS(t *testing.T) {
	preflight := func(origin string) request {
		return request{method: "OPTIONS", path: "/api/v1/businesses", header: map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "X-API-Key"}}
	}
	t.Run("off by default", func(t *testing.T) {
		h := newHarness(t, nil)
		w := h.do(preflight("https://app.example"))
		require.Empty(t, w.Header().Get("Access-Control-Allow-Origin"))
		w = h.do(request{method: "GET", path: "/api/v1/businesses/" + uscc, key: keyAuditor, header: map[string]string{"Origin": "https://app.example"}})
		require.Equal(t, http.StatusOK, w.Code)
		require.Empty(t, w.Header().Get("Access-Control-Allow-Origin"))
	})
	t.Run("an allowed origin", func(t *testing.T) {
		h := newHarness(t, nil, func(c *Config) { c.CORSOrigins = []string{"https://app.example/"} })
		w := h.do(preflight("https://app.example"))
		require.Equal(t, http.StatusNoContent, w.Code)
		require.Equal(t, "https://app.example", w.Header().Get("Access-Control-Allow-Origin"))
		require.Contains(t, w.Header().Get("Access-Control-Allow-Headers"), "X-API-Key")
		w = h.do(request{method: "GET", path: "/api/v1/businesses/" + uscc, key: keyAuditor, header: map[string]string{"Origin": "https://app.example"}})
		require.Equal(t, "https://app.example", w.Header().Get("Access-Control-Allow-Origin"))
	})
	t.Run("another origin", func(t *testing.T) {
		h := newHarness(t, nil, func(c *Config) { c.CORSOrigins = []string{"https://app.example"} })
		w := h.do(preflight("https://evil.example"))
		require.Equal(t, http.StatusForbidden, w.Code)
		require.Empty(t, w.Header().Get("Access-Control-Allow-Origin"))
	})
}

func TestRequestID(t *testing.T) {
	h := newHarness(t, nil)
	w := h.do(request{method: "GET", path: "/healthz", header: map[string]string{"X-Request-ID": "abc-123"}})
	require.Equal(t, "abc-123", w.Header().Get("X-Request-ID"))
	w = h.do(request{method: "GET", path: "/healthz", header: map[string]string{"X-Request-ID": "bad id\n"}})
	require.Len(t, w.Header().Get("X-Request-ID"), 24)
}

func TestOperations(t *testing.T) {
	t.Run("healthz needs no key", func(t *testing.T) {
		h := newHarness(t, nil)
		w := h.do(request{method: "GET", path: "/healthz"})
		require.Equal(t, http.StatusOK, w.Code)
	})
	t.Run("readyz when every peer answers", func(t *testing.T) {
		h := newHarness(t, nil)
		w := h.do(request{method: "GET", path: "/readyz"})
		require.Equal(t, http.StatusOK, w.Code)
		require.Equal(t, "ready", jsonOf(t, w)["status"])
	})
	t.Run("readyz when a peer does not", func(t *testing.T) {
		h := newHarness(t, &fakeLedger{ready: func() []ledger.PeerStatus {
			return []ledger.PeerStatus{{Name: "peer0.market", Ready: true}, {Name: "peer0.tax", Error: "no peer could be reached"}}
		}})
		w := h.do(request{method: "GET", path: "/readyz"})
		require.Equal(t, http.StatusServiceUnavailable, w.Code)
		require.Equal(t, "not_ready", jsonOf(t, w)["status"])
	})
	t.Run("metrics count requests by route and status", func(t *testing.T) {
		h := newHarness(t, nil)
		h.do(request{method: "GET", path: "/api/v1/businesses/" + uscc, key: keyAuditor})
		h.do(request{method: "GET", path: "/api/v1/businesses/bad", key: keyAuditor})
		w := h.do(request{method: "GET", path: "/metrics"})
		require.Equal(t, http.StatusOK, w.Code)
		body := w.Body.String()
		require.Contains(t, body, `govchain_gateway_http_requests_total{method="GET",route="/api/v1/businesses/:uscc",status="200"} 1`)
		require.Contains(t, body, `govchain_gateway_http_requests_total{method="GET",route="/api/v1/businesses/:uscc",status="400"} 1`)
		require.Contains(t, body, "govchain_gateway_http_request_duration_seconds")
	})
}

// multipartBody builds a form with a file part and fields.
func multipartBody(t *testing.T, file []byte, fileName, fileType string, fields map[string]string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	if file != nil {
		hdr := textproto.MIMEHeader{}
		hdr.Set("Content-Disposition", `form-data; name="file"; filename="`+fileName+`"`)
		if fileType != "" {
			hdr.Set("Content-Type", fileType)
		}
		part, err := mw.CreatePart(hdr)
		require.NoError(t, err)
		_, err = part.Write(file)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return buf.String(), mw.FormDataContentType()
}

func TestUploads(t *testing.T) {
	file := []byte("%PDF-1.4 a contract\n")
	sum := sha256.Sum256(file)
	sm := sm3.Sum(file)
	fields := map[string]string{"category": "contract", "description": "采购合同"}

	t.Run("a deposit upload is hashed with SHA-256 and only the hash is sent", func(t *testing.T) {
		h := newHarness(t, nil)
		body, ct := multipartBody(t, file, "合同.pdf", "application/pdf", fields)
		w := h.do(request{method: "POST", path: "/api/v1/evidence", key: keyDepositor, body: body, contentType: ct})
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
		var sent domain.DepositRequest
		require.NoError(t, json.Unmarshal([]byte(h.ledger.Calls()[0].Args[0]), &sent))
		require.Equal(t, domain.DepositRequest{Hash: hex.EncodeToString(sum[:]), HashAlgorithm: "sha256", FileName: "合同.pdf",
			MediaType: "application/pdf", SizeBytes: int64(len(file)), Category: "contract", Description: "采购合同"}, sent)
		require.NotContains(t, h.ledger.Calls()[0].Args[0], "a contract")
	})

	t.Run("sm3 on request; file name and media type from the form win", func(t *testing.T) {
		h := newHarness(t, nil)
		f := map[string]string{"hash_algorithm": "sm3", "file_name": "c.pdf", "media_type": "application/x-custom", "category": "c", "description": "d"}
		body, ct := multipartBody(t, file, "orig.bin", "", f)
		w := h.do(request{method: "POST", path: "/api/v1/evidence", key: keyDepositor, body: body, contentType: ct})
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
		var sent domain.DepositRequest
		require.NoError(t, json.Unmarshal([]byte(h.ledger.Calls()[0].Args[0]), &sent))
		require.Equal(t, hex.EncodeToString(sm[:]), sent.Hash)
		require.Equal(t, "sm3", sent.HashAlgorithm)
		require.Equal(t, "c.pdf", sent.FileName)
		require.Equal(t, "application/x-custom", sent.MediaType)
	})

	t.Run("the media type is sniffed when the client gives none", func(t *testing.T) {
		h := newHarness(t, nil)
		body, ct := multipartBody(t, file, "x.pdf", "application/octet-stream", fields)
		w := h.do(request{method: "POST", path: "/api/v1/evidence", key: keyDepositor, body: body, contentType: ct})
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
		require.Contains(t, h.ledger.Calls()[0].Args[0], `"media_type":"application/pdf"`)
	})

	t.Run("verify by upload", func(t *testing.T) {
		h := newHarness(t, nil)
		body, ct := multipartBody(t, file, "x.pdf", "", nil)
		w := h.do(request{method: "POST", path: "/api/v1/evidence/verify", key: keyAuditor, body: body, contentType: ct})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		require.Equal(t, []string{"sha256", hex.EncodeToString(sum[:])}, h.ledger.Calls()[0].Args)
	})

	refusals := []struct {
		name   string
		body   func() (string, string)
		status int
	}{
		{"no file", func() (string, string) { return multipartBody(t, nil, "", "", fields) }, 400},
		{"an unknown field", func() (string, string) {
			return multipartBody(t, file, "x", "", map[string]string{"category": "c", "description": "d", "colour": "red"})
		}, 400},
		{"an unknown algorithm", func() (string, string) {
			return multipartBody(t, file, "x", "", map[string]string{"category": "c", "description": "d", "hash_algorithm": "md5"})
		}, 400},
		{"an upload over the limit", func() (string, string) { return multipartBody(t, bytes.Repeat([]byte("x"), 70<<10), "x", "", fields) }, 400},
		{"a broken form", func() (string, string) { return "--nope\r\n", "multipart/form-data; boundary=zzz" }, 400},
	}
	for _, c := range refusals {
		t.Run("refuses "+c.name, func(t *testing.T) {
			h := newHarness(t, nil)
			body, ct := c.body()
			w := h.do(request{method: "POST", path: "/api/v1/evidence", key: keyDepositor, body: body, contentType: ct})
			require.Equal(t, c.status, w.Code, w.Body.String())
			require.Empty(t, h.ledger.Calls())
		})
	}

	t.Run("a JSON deposit keeps the JSON limit", func(t *testing.T) {
		h := newHarness(t, nil)
		w := h.do(request{method: "POST", path: "/api/v1/evidence", key: keyDepositor, body: strings.Replace(depositBody, "采购合同", strings.Repeat("长", 2000), 1)})
		require.Equal(t, http.StatusBadRequest, w.Code)
		require.Contains(t, errorOf(t, w).Message, "exceeds the limit of 4096 bytes")
	})
}

// Regression: the raw method was a metrics label and the raw method and path were logged in
// full, so requests with long, unique methods (Go's server takes any token) grew /metrics and
// the heap without bound (40 requests with 256 KiB methods: /metrics 188 MB).
func TestClientInputCannotGrowMetricsOrLogs(t *testing.T) {
	const long = 64 << 10
	label := regexp.MustCompile(`govchain_gateway_http_requests_total\{method="([^"]*)",route="([^"]*)",status="[0-9]+"\}`)
	metricsOf := func(h *harness) (size int, methods, routes map[string]bool) {
		w := h.do(request{method: "GET", path: "/metrics"})
		require.Equal(t, http.StatusOK, w.Code)
		methods, routes = map[string]bool{}, map[string]bool{}
		for _, m := range label.FindAllStringSubmatch(w.Body.String(), -1) {
			methods[m[1]], routes[m[2]] = true, true
		}
		return w.Body.Len(), methods, routes
	}
	templates := map[string]bool{unmatchedRoute: true}
	for _, r := range newHarness(t, nil).srv.Routes() {
		templates[r.Path] = true
	}

	attacks := []struct {
		name string
		req  func(i int) request
		// routing refuses it: the gateway's own message quotes the method and path
		routing bool
	}{
		{"unique long methods on an open route (405)", func(i int) request {
			return request{method: fmt.Sprintf("M%d%s", i, strings.Repeat("X", long)), path: "/healthz"}
		}, true},
		{"unique long paths (404)", func(i int) request {
			return request{method: "GET", path: fmt.Sprintf("/nope/%d/%s", i, strings.Repeat("p", long))}
		}, true},
		{"unique long parameters of a real route (400)", func(i int) request {
			return request{method: "GET", path: fmt.Sprintf("/api/v1/businesses/%d%s", i, strings.Repeat("u", long)), key: keyAuditor}
		}, false},
		{"unique long methods and paths with an API key", func(i int) request {
			return request{method: fmt.Sprintf("Q%d%s", i, strings.Repeat("Y", long)), path: fmt.Sprintf("/api/v1/x%d%s", i, strings.Repeat("z", long)), key: keyAuditor,
				header: map[string]string{"X-Request-ID": strings.Repeat("r", long), "Idempotency-Key": strings.Repeat("k", long), "User-Agent": strings.Repeat("a", long)}}
		}, true},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			h := newHarness(t, nil)
			for i := 0; i < 3; i++ { // the same series as the attack, once each
				h.do(a.req(1000 + i))
			}
			before, _, _ := metricsOf(h)
			h.logs.Reset()
			for i := 0; i < 40; i++ {
				w := h.do(a.req(i))
				require.GreaterOrEqual(t, w.Code, 400)
				if a.routing {
					require.Less(t, w.Body.Len(), 2*maxClientField+256, "the error message clips what it quotes")
				}
			}
			after, methods, routes := metricsOf(h)
			require.Less(t, after-before, 4<<10, "40 unique requests add no series")
			for m := range methods {
				require.Contains(t, []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}, m)
			}
			for r := range routes {
				require.True(t, templates[r], "route label %q is not a route template", r[:min(len(r), 64)])
			}
			lines := strings.Split(strings.TrimSpace(h.logs.String()), "\n")
			require.GreaterOrEqual(t, len(lines), 40)
			for _, l := range lines {
				require.Less(t, len(l), 2<<10, "a log line stays bounded: %.200s", l)
			}
			require.Contains(t, h.logs.String(), "bytes truncated]")
		})
	}
}

func TestClip(t *testing.T) {
	cases := []struct {
		name, in string
		n        int
		want     string
	}{
		{"short stays", "GET", 8, "GET"},
		{"exactly n stays", "abcdefgh", 8, "abcdefgh"},
		{"cut with the count", "abcdefghij", 8, "abcdefgh…[2 bytes truncated]"},
		{"never inside a rune", "ab长长", 4, "ab…[6 bytes truncated]"},
		{"empty", "", 8, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := clipTo(c.in, c.n)
			require.Equal(t, c.want, got)
			require.True(t, utf8.ValidString(got))
		})
	}
}

// Regression: every unauthenticated /readyz call probed every peer (one chaincode query
// each), so anyone who could reach the gateway could load the peers through it.
func TestReadyzProbesOncePerInterval(t *testing.T) {
	probing := func(ready bool, gate chan struct{}, rounds *atomic.Int32) *fakeLedger {
		return &fakeLedger{ready: func() []ledger.PeerStatus {
			rounds.Add(1)
			if gate != nil {
				<-gate
			}
			return []ledger.PeerStatus{{Name: "peer0.market", MSPID: "MarketMSP", Ready: ready}}
		}}
	}
	cases := []struct {
		name   string
		ready  bool
		status int
	}{
		{"ready", true, http.StatusOK},
		{"not ready: reused as well", false, http.StatusServiceUnavailable},
	}
	for _, c := range cases {
		t.Run("concurrent callers share one round: "+c.name, func(t *testing.T) {
			var rounds atomic.Int32
			gate := make(chan struct{})
			h := newHarness(t, probing(c.ready, gate, &rounds))
			const callers = 50
			var wg sync.WaitGroup
			answers := make(chan map[string]any, callers)
			for i := 0; i < callers; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					w := h.do(request{method: "GET", path: "/readyz"})
					assert.Equal(t, c.status, w.Code)
					var m map[string]any
					assert.NoError(t, json.Unmarshal(w.Body.Bytes(), &m))
					answers <- m
				}()
			}
			require.Eventually(t, func() bool { return rounds.Load() >= 1 }, 5*time.Second, time.Millisecond)
			time.Sleep(20 * time.Millisecond) // let the others pile up behind the round
			close(gate)
			wg.Wait()
			close(answers)
			require.Equal(t, int32(1), rounds.Load(), "one probe round for all callers")
			var at any
			for a := range answers {
				if at == nil {
					at = a["checked_at"]
				}
				require.Equal(t, at, a["checked_at"], "the same round's answer")
			}
			h.do(request{method: "GET", path: "/readyz"})
			require.Equal(t, int32(1), rounds.Load(), "reused within the interval")
		})
	}
	t.Run("a new round after the interval", func(t *testing.T) {
		var rounds atomic.Int32
		h := newHarness(t, probing(true, nil, &rounds), func(c *Config) { c.ReadyInterval = 50 * time.Millisecond })
		require.Equal(t, http.StatusOK, h.do(request{method: "GET", path: "/readyz"}).Code)
		require.Equal(t, http.StatusOK, h.do(request{method: "GET", path: "/readyz"}).Code)
		require.Equal(t, int32(1), rounds.Load())
		time.Sleep(60 * time.Millisecond)
		require.Equal(t, http.StatusOK, h.do(request{method: "GET", path: "/readyz"}).Code)
		require.Equal(t, int32(2), rounds.Load())
	})
}
