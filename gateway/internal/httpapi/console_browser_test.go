package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/cdp"
	"github.com/stretchr/testify/require"
)

// TestConsoleInBrowser drives the console in a real headless Chromium against this server
// over a fake ledger, with fakes of the routes still being built (verification, proofs, the
// search index) in the shapes the console is written against: every panel renders, the
// record search opens a timeline with blocks and endorsing orgs, amounts are exact, and the
// page reports no JavaScript error. It skips when no Chromium is installed, except in CI.
func TestConsoleInBrowser(t *testing.T) {
	bin, err := cdp.Find()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI installs Chromium (.ci/run): %v", err)
		}
		t.Skipf("no browser: %v", err)
	}
	fl := &fakeLedger{evaluate: consoleFakeEvaluate, transaction: func(_ ledger.Caller, id string) (*ledger.Transaction, error) {
		block := uint64(10 + int(id[63]-'0'))
		code := int32(0)
		return &ledger.Transaction{TransactionID: id, Status: "VALID", ValidationCode: &code, BlockNumber: &block,
			Creator: &ledger.Signer{MSPID: "MarketMSP", Subject: "CN=registrar"}, EndorsingOrgs: []string{"MarketMSP", "TaxMSP"},
			Chaincode: "govchain", Function: "business:Amend"}, nil
	}}
	h := newHarness(t, fl)
	srv := httptest.NewServer(consoleFakes(t, h.srv.Handler()))
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := cdp.Start(ctx, bin, 1366, 900)
	require.NoError(t, err)
	defer b.Close()
	wait := func(cond string) {
		t.Helper()
		require.NoError(t, b.WaitFor(ctx, cond, 15*time.Second))
	}
	eval := func(expr string, out any) {
		t.Helper()
		require.NoError(t, b.Evaluate(ctx, expr, out))
	}
	text := func(sel string) string {
		t.Helper()
		var s string
		eval(`(document.querySelector(`+jsString(sel)+`) || {}).textContent || ""`, &s)
		return s
	}
	shots := os.Getenv("GOVCHAIN_TEST_LOGS")
	if shots == "" {
		shots = t.TempDir()
	}

	require.NoError(t, b.Navigate(ctx, srv.URL+"/console"))
	wait(`!document.getElementById("signin").hidden`)

	// A wrong key is refused and not kept.
	eval(`document.getElementById("apikey").value = "wrong"; document.getElementById("signin-form").requestSubmit(); true`, nil)
	wait(`document.getElementById("signin-error").textContent.includes("does not know")`)
	var kept any
	eval(`sessionStorage.getItem("govchain.console.apiKey")`, &kept)
	require.Nil(t, kept)

	eval(`document.getElementById("apikey").value = `+jsString(keyAuditor)+`; document.getElementById("signin-form").requestSubmit(); true`, nil)
	wait(`document.getElementById("verification-status") && document.getElementById("verification-status").textContent === "VERIFIED"`)
	wait(`document.querySelectorAll("#activity-chart rect.bar").length > 10`)
	wait(`document.querySelector("#index-body dl.facts")`)
	require.Contains(t, text("#verification-body"), "peer0.market")
	require.Contains(t, text("#legend"), "MarketMSP")

	// Amounts: exact string arithmetic.
	var yuan []string
	eval(`[0, 5, 99, 100, 395500, -158200, 123456789012345, "000120", 1000000000000000].map(govchainConsole.fenToYuan)`, &yuan)
	require.Equal(t, []string{"¥0.00", "¥0.05", "¥0.99", "¥1.00", "¥3,955.00", "-¥1,582.00", "¥1,234,567,890,123.45", "¥1.20", "¥10,000,000,000,000.00"}, yuan)
	var fen []string
	eval(`["0.1", "1,234.56", "3955", "-1582.5", "0.07", "¥ 12.30"].map(govchainConsole.yuanToFen)`, &fen)
	require.Equal(t, []string{"10", "123456", "395500", "-158250", "7", "1230"}, fen)
	require.NoError(t, b.Screenshot(ctx, filepath.Join(shots, "console-fake-overview.png")))

	// Verify now: a POST.
	eval(`document.getElementById("verify-now").click(); true`, nil)
	wait(`document.querySelector("#verification-body .facts") && document.querySelector("#verification-body").textContent.includes("1240")`)

	// Record search through the index: one hit by USCC opens its timeline.
	eval(`location.hash = "#records"; true`, nil)
	wait(`!document.getElementById("view-records").hidden`)
	eval(`document.getElementById("rq").value = `+jsString(uscc)+`; document.getElementById("record-form").requestSubmit(); true`, nil)
	wait(`document.querySelectorAll("#timeline-list > li").length === 3`)
	wait(`[...document.querySelectorAll("#timeline-list .tl-block")].every(e => /^\d+$/.test(e.textContent))`)
	require.Contains(t, text("#record-results"), "¥1,000,000.00")
	require.Contains(t, text("#timeline-list .tl-endorsers"), "MarketMSP")
	require.Contains(t, text("#timeline-list .tl-endorsers"), "TaxMSP")
	require.Contains(t, text("#timeline-list"), "Version 3")
	require.Contains(t, text("#timeline-list .changes"), "SUSPENDED")
	// Markup in the data is shown as text, never parsed.
	var injected int
	eval(`document.querySelectorAll("#timeline img, #record-results img, #timeline b").length`, &injected)
	require.Zero(t, injected)
	require.Contains(t, text("#timeline"), "<img src=x>")

	// The proof bundle of a version downloads through the key-carrying fetch.
	eval(`document.querySelector("#timeline-list .tl-actions button").click(); true`, nil)
	wait(`document.querySelector("#timeline-list .tl-actions .msg").textContent.startsWith("Saved")`)
	require.NoError(t, b.Screenshot(ctx, filepath.Join(shots, "console-fake-records.png")))

	// A USCC the index does not have (yet) is read from the ledger.
	other := "91350200MA2Y00010L"
	eval(`document.getElementById("rq").value = `+jsString(other)+`; document.getElementById("record-form").requestSubmit(); true`, nil)
	wait(`document.getElementById("timeline-title").textContent.includes(` + jsString(other) + `)`)
	require.Contains(t, text("#record-notice"), "read from the ledger")
	wait(`document.querySelectorAll("#timeline-list > li").length === 3`)

	eval(`location.hash = "#invalid"; true`, nil)
	wait(`document.querySelectorAll("#invalid-results tbody tr").length === 2`)
	require.Contains(t, text("#invalid-results"), "MVCC_READ_CONFLICT")
	require.Contains(t, text("#invalid-results"), "2 blocks behind")
	require.NoError(t, b.Screenshot(ctx, filepath.Join(shots, "console-fake-invalid.png")))

	eval(`location.hash = "#access"; true`, nil)
	wait(`document.querySelectorAll("#access-results tbody tr").length === 2`)
	require.Contains(t, text("#access-results"), "TAX_IDENTITY_CHECK")
	require.Contains(t, text("#access-results"), "DENIED")
	require.NoError(t, b.Screenshot(ctx, filepath.Join(shots, "console-fake-access.png")))

	// Sign out forgets the key and the data shown.
	eval(`document.getElementById("signout").click(); true`, nil)
	wait(`!document.getElementById("signin").hidden`)
	eval(`sessionStorage.getItem("govchain.console.apiKey")`, &kept)
	require.Nil(t, kept)
	require.Empty(t, text("#timeline"))

	require.Empty(t, b.Errors(), "JavaScript errors")
	for _, e := range b.NetworkErrors() {
		require.Contains(t, e, "401", "the only failed load is the refused key: %s", e)
	}
	t.Logf("screenshots in %s", shots)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// consoleFakeEvaluate answers the chaincode queries the console makes.
func consoleFakeEvaluate(call ledger.Call) ([]byte, error) {
	business := func(name, status string, capital int64) map[string]any {
		return map[string]any{"uscc": uscc, "name": name, "status": status, "registered_capital_fen": capital,
			"owner_org": "MarketMSP", "created_at": "2026-12-01T08:00:00Z", "updated_at": "2026-12-02T09:30:00Z"}
	}
	switch call.Contract + ":" + call.Function {
	case "business:Get":
		return json.Marshal(business("Harbour Office Supplies Co., Ltd.", "SUSPENDED", 100000000))
	case "business:History":
		return json.Marshal(map[string]any{"entries": []map[string]any{
			{"tx_id": strings.Repeat("c", 63) + "3", "timestamp": "2026-12-02T09:30:00.123456789Z", "submitter_org": "MarketMSP", "submitter": "registrar", "value": business("Harbour Office Supplies <img src=x>", "SUSPENDED", 100000000)},
			{"tx_id": strings.Repeat("b", 63) + "2", "timestamp": "2026-12-01T10:00:00Z", "submitter_org": "MarketMSP", "submitter": "registrar", "value": business("Harbour Office Supplies <img src=x>", "ACTIVE", 100000000)},
			{"tx_id": strings.Repeat("a", 63) + "1", "timestamp": "2026-12-01T08:00:00Z", "submitter_org": "MarketMSP", "submitter": "registrar", "value": business("Harbour Office Supplies Co., Ltd.", "ACTIVE", 50000000)},
		}, "bookmark": ""})
	case "access:List":
		return json.Marshal(map[string]any{"records": []map[string]any{
			{"id": strings.Repeat("d", 64), "kind": "READ", "record_type": "business", "record": uscc, "owner_org": "MarketMSP", "fields": []string{"id_number", "mobile"},
				"purpose": "TAX_IDENTITY_CHECK", "purpose_detail": "VAT registration", "outcome": "GRANTED", "basis": "GRANT", "grant_id": strings.Repeat("e", 32),
				"accessor_org": "TaxMSP", "accessor": "finance", "accessor_role": "finance", "at": "2026-12-02T11:00:00Z"},
			{"id": strings.Repeat("f", 64), "kind": "READ", "record_type": "business", "record": uscc, "owner_org": "MarketMSP", "fields": []string{"home_address"},
				"purpose": "AUDIT", "outcome": "DENIED", "basis": "", "deny_reason": "no grant", "accessor_org": "NotaryMSP", "accessor": "notary", "at": "2026-12-02T11:05:00Z"},
		}, "bookmark": "", "fetched": 2})
	}
	return []byte(`{"records":[],"bookmark":"","fetched":0}`), nil
}

// consoleFakes serves the routes other work is adding, in the shapes of issue 13, and
// passes everything else to the gateway.
func consoleFakes(t *testing.T, next http.Handler) http.Handler {
	index := map[string]any{"height": 120, "ledger_height": 122, "behind": 2}
	verification := func(checked string, blocks int) map[string]any {
		return map[string]any{"status": "VERIFIED", "verified_height": blocks, "ledger_height": blocks, "blocks": blocks, "transactions": 1234,
			"fault": nil, "checked_at": checked, "duration_ms": 842,
			"peers": []map[string]any{
				{"peer": "peer0.market", "org": "MarketMSP", "height": blocks, "compared_block": blocks - 1, "match": true, "error": ""},
				{"peer": "peer0.tax", "org": "TaxMSP", "height": blocks, "compared_block": blocks - 1, "match": true, "error": ""},
				{"peer": "peer0.notary", "org": "NotaryMSP", "height": blocks, "compared_block": blocks - 1, "match": true, "error": ""},
				{"peer": "peer0.audit", "org": "AuditMSP", "height": blocks, "compared_block": blocks - 1, "match": true, "error": ""},
			}}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		pending := strings.HasPrefix(p, "/api/v1/ledger/") || strings.HasPrefix(p, "/api/v1/proofs/") || strings.HasPrefix(p, "/api/v1/index/")
		if !pending {
			next.ServeHTTP(w, r)
			return
		}
		if r.Header.Get("X-API-Key") != keyAuditor {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var out any
		q := r.URL.Query()
		switch {
		case p == "/api/v1/ledger/verification" && r.Method == "GET":
			out = verification(time.Now().Add(-10*time.Minute).UTC().Format(time.RFC3339), 122)
		case p == "/api/v1/ledger/verification" && r.Method == "POST":
			v := verification(time.Now().UTC().Format(time.RFC3339), 123)
			v["transactions"] = 1240
			out = v
		case strings.HasPrefix(p, "/api/v1/proofs/transactions/"):
			out = map[string]any{"format": "govchain-proof/1", "tx_id": strings.TrimPrefix(p, "/api/v1/proofs/transactions/")}
		case p == "/api/v1/index/status":
			out = map[string]any{"backend": "sqlite", "height": 120, "ledger_height": 122, "behind": 2, "updated_at": time.Now().UTC().Format(time.RFC3339)}
		case p == "/api/v1/index/stats":
			from, err := time.Parse(time.RFC3339, q.Get("from"))
			require.NoError(t, err)
			step := time.Hour
			if q.Get("bucket") == "day" {
				step = 24 * time.Hour
			}
			var buckets []map[string]any
			for i := 0; i < 24; i++ {
				for j, a := range []string{"MarketMSP", "TaxMSP", "NotaryMSP"} {
					n := (i*7+j*5)%11 + j
					buckets = append(buckets, map[string]any{"start": from.Add(time.Duration(i) * step).Format(time.RFC3339), "agency": a,
						"blocks": n/2 + 1, "transactions": n * 3, "invalid": (i + j) % 5 / 4})
				}
			}
			out = map[string]any{"buckets": buckets, "index": index}
		case p == "/api/v1/index/records" && q.Get("uscc") != uscc:
			out = map[string]any{"records": []any{}, "bookmark": "", "index": index}
		case p == "/api/v1/index/records":
			out = map[string]any{"records": []map[string]any{{"kind": "business", "id": uscc, "uscc": uscc, "name": "Harbour Office Supplies <b>Co.</b>",
				"agency": "MarketMSP", "amount_fen": 100000000, "status": "SUSPENDED", "created_at": "2026-12-01T08:00:00Z",
				"updated_at": "2026-12-02T09:30:00Z", "block": 13, "tx_id": strings.Repeat("c", 63) + "3"}}, "bookmark": "", "index": index}
		case p == "/api/v1/index/transactions":
			require.Equal(t, "false", q.Get("valid"))
			out = map[string]any{"transactions": []map[string]any{
				{"tx_id": strings.Repeat("1", 64), "block": 40, "tx_index": 3, "timestamp": "2026-12-02T12:00:00Z", "creator_msp": "TaxMSP",
					"endorsers": []string{"TaxMSP", "MarketMSP"}, "function": "invoice:ClaimReimbursement", "validation_code": "MVCC_READ_CONFLICT", "valid": false},
				{"tx_id": strings.Repeat("2", 64), "block": 41, "tx_index": 0, "timestamp": "2026-12-02T12:01:00Z", "creator_msp": "NotaryMSP",
					"endorsers": []string{"NotaryMSP"}, "function": "evidence:Deposit", "validation_code": "ENDORSEMENT_POLICY_FAILURE", "valid": false},
			}, "bookmark": "", "index": index}
		default:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if err := json.NewEncoder(w).Encode(out); err != nil {
			panic(fmt.Sprint(err))
		}
	})
}
