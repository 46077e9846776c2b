package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"testing"

	"github.com/govchain/govchain/gateway/internal/index"
	"github.com/govchain/govchain/gateway/internal/index/indextest"
	"github.com/govchain/govchain/gateway/internal/index/sqlstore"
	"github.com/stretchr/testify/require"
)

// indexHarness is a server whose index holds indextest.Blocks (and follows nothing).
func indexHarness(t *testing.T) *harness {
	t.Helper()
	svc := indexService(t)
	return newHarness(t, nil, func(c *Config) { c.Index = svc })
}

// indexService is an index over indextest.Blocks in an in-memory database.
func indexService(t testing.TB) *index.Service {
	t.Helper()
	ctx := context.Background()
	store, err := sqlstore.OpenMemory(ctx)
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	for _, b := range indextest.Blocks() {
		require.NoError(t, store.Apply(ctx, b))
	}
	svc := index.New(store, indextest.NewSource(indextest.Blocks()), index.Options{
		Orgs:    map[string]string{"MarketMSP": "market", "TaxMSP": "tax", "NotaryMSP": "notary", "AuditMSP": "audit"},
		Scratch: func(ctx context.Context) (index.Store, error) { return sqlstore.OpenMemory(ctx) },
	})
	return svc
}

func TestIndexRecordsRoute(t *testing.T) {
	h := indexHarness(t)
	get := func(q string, key string) (int, map[string]any) {
		w := h.do(request{method: "GET", path: "/api/v1/index/records?" + q, key: key})
		return w.Code, jsonOf(t, w)
	}
	code, body := get("uscc=91350200MA2Y00010L", keyIssuer) // any authenticated identity
	require.Equal(t, 200, code, body)
	recs := body["records"].([]any)
	require.Len(t, recs, 3)
	first := recs[0].(map[string]any)
	require.Equal(t, map[string]any{"kind": "business", "id": "91350200MA2Y00010L", "uscc": "91350200MA2Y00010L", "name": "Xiamen Harbour Trading Co., Ltd.",
		"agency": "market", "agency_msp": "MarketMSP", "amount_fen": float64(500000000), "status": "SUSPENDED",
		"created_at": "2026-11-27T08:00:00Z", "updated_at": "2026-11-27T11:00:00Z", "block": float64(3), "tx_id": indextest.TxID(3, 0)}, first)
	require.Equal(t, "", body["bookmark"])
	require.Equal(t, map[string]any{"height": float64(4), "ledger_height": float64(4), "behind": float64(0)}, body["index"])
	require.Nil(t, recs[1].(map[string]any)["amount_fen"]) // a grant has no amount

	_, body = get("name=harbour&agency=market&kind=business", keyAuditor)
	require.Len(t, body["records"], 1)
	_, body = get("agency=TaxMSP", keyAuditor)
	require.Len(t, body["records"], 1)
	_, body = get("min_amount=1000&max_amount=400000", keyAuditor)
	require.Len(t, body["records"], 2)
	_, body = get("from=2026-11-27&to=2026-11-27", keyAuditor)
	require.Len(t, body["records"], 5)
	_, body = get("from="+url.QueryEscape("2026-11-27T10:00:00Z")+"&to="+url.QueryEscape("2026-11-27T10:30:00+00:00"), keyAuditor)
	require.Len(t, body["records"], 2)
	_, body = get("status=suspended", keyAuditor)
	require.Len(t, body["records"], 1)

	// Paging: 2 + 2 + 1, each record once, in order.
	var seen []string
	bookmark := ""
	for i := 0; i < 3; i++ {
		_, body = get("page_size=2&bookmark="+bookmark, keyAuditor)
		for _, r := range body["records"].([]any) {
			m := r.(map[string]any)
			seen = append(seen, m["kind"].(string)+"/"+m["id"].(string))
		}
		bookmark = body["bookmark"].(string)
	}
	require.Equal(t, "", bookmark)
	require.Len(t, seen, 5)
	require.IsIncreasing(t, seen)

	for _, bad := range []string{"kind=person", "uscc=123", "agency=court", "status=a-b", "from=yesterday", "to=2026-13-01",
		"from=2026-11-28&to=2026-11-27", "min_amount=x", "min_amount=5&max_amount=4", "page_size=201", "page_size=-1", "bookmark=%25%25", "bookmark=bm"} {
		w := h.do(request{method: "GET", path: "/api/v1/index/records?" + bad, key: keyAuditor})
		require.Equal(t, 400, w.Code, bad)
		require.Equal(t, "INVALID", errorOf(t, w).Code, bad)
	}
	w := h.do(request{method: "GET", path: "/api/v1/index/records"})
	require.Equal(t, 401, w.Code)
}

func TestIndexTransactionsRoute(t *testing.T) {
	h := indexHarness(t)
	w := h.do(request{method: "GET", path: "/api/v1/index/transactions?valid=false", key: keyFinance})
	require.Equal(t, 200, w.Code, w.Body.String())
	body := jsonOf(t, w)
	txs := body["transactions"].([]any)
	require.Len(t, txs, 1)
	require.Equal(t, map[string]any{"tx_id": indextest.TxID(2, 1), "block": float64(2), "tx_index": float64(1), "timestamp": "2026-11-27T10:00:01Z",
		"creator_msp": "MarketMSP", "agency": "market", "endorsers": []any{"MarketMSP", "TaxMSP"}, "function": "business:Amend",
		"validation_code": "MVCC_READ_CONFLICT", "validation_code_number": float64(11), "valid": false}, txs[0])
	for q, n := range map[string]int{"code=MVCC_READ_CONFLICT": 1, "code=11": 1, "code=0": 7, "agency=tax": 1, "valid=true&agency=market": 4,
		"function=grant:Create": 1, "from=2026-11-27T11:00:00Z": 2, "page_size=3": 3} {
		w := h.do(request{method: "GET", path: "/api/v1/index/transactions?" + q, key: keyAuditor})
		require.Equal(t, 200, w.Code, q)
		require.Len(t, jsonOf(t, w)["transactions"], n, q)
	}
	for _, bad := range []string{"valid=maybe", "code=999", "code=no-such", "agency=x", "function=a%20b", "page_size=1000"} {
		w := h.do(request{method: "GET", path: "/api/v1/index/transactions?" + bad, key: keyAuditor})
		require.Equal(t, 400, w.Code, bad)
	}
}

func TestIndexStatsStatusCheckRebuildRoutes(t *testing.T) {
	h := indexHarness(t)
	w := h.do(request{method: "GET", path: "/api/v1/index/stats?bucket=day&from=2026-11-20&to=2026-11-30", key: keyAuditor})
	require.Equal(t, 200, w.Code, w.Body.String())
	body := jsonOf(t, w)
	require.Equal(t, []any{
		map[string]any{"start": "2026-11-27T00:00:00Z", "agency": "", "blocks": float64(1), "transactions": float64(1), "invalid": float64(0)},
		map[string]any{"start": "2026-11-27T00:00:00Z", "agency": "market", "blocks": float64(3), "transactions": float64(5), "invalid": float64(1)},
		map[string]any{"start": "2026-11-27T00:00:00Z", "agency": "notary", "blocks": float64(1), "transactions": float64(1), "invalid": float64(0)},
		map[string]any{"start": "2026-11-27T00:00:00Z", "agency": "tax", "blocks": float64(1), "transactions": float64(1), "invalid": float64(0)},
	}, body["buckets"])
	w = h.do(request{method: "GET", path: "/api/v1/index/stats?bucket=hour&from=2026-11-27T09:00:00Z&to=2026-11-27T09:59:59Z", key: keyAuditor})
	require.Equal(t, 200, w.Code)
	require.Len(t, jsonOf(t, w)["buckets"], 1)
	for _, bad := range []string{"bucket=week", "bucket=hour&from=2020-01-01&to=2026-01-01", "from=x"} {
		w := h.do(request{method: "GET", path: "/api/v1/index/stats?" + bad, key: keyAuditor})
		require.Equal(t, 400, w.Code, bad)
	}

	w = h.do(request{method: "GET", path: "/api/v1/index/status", key: keyIssuer})
	require.Equal(t, 200, w.Code)
	st := jsonOf(t, w)
	require.Equal(t, "sqlite", st["driver"])
	require.Equal(t, float64(4), st["height"])
	require.Equal(t, float64(0), st["behind"])
	require.Equal(t, "2026-11-27T11:00:00Z", st["last_block_at"])

	// Check and rebuild: auditors and admins only.
	for _, key := range []string{keyRegistrar, keyIssuer, keyFinance, keyDepositor, keyNotary} {
		for _, path := range []string{"/api/v1/index/check", "/api/v1/index/rebuild"} {
			w := h.do(request{method: "POST", path: path, key: key})
			require.Equal(t, http.StatusForbidden, w.Code, path)
			require.Equal(t, "FORBIDDEN", errorOf(t, w).Code)
		}
	}
	w = h.do(request{method: "POST", path: "/api/v1/index/check", key: keyAuditor})
	require.Equal(t, 200, w.Code, w.Body.String())
	rep := jsonOf(t, w)
	require.Equal(t, true, rep["ok"], rep)
	require.Equal(t, true, rep["complete"])
	require.Equal(t, float64(4), rep["blocks_checked"])
	require.Equal(t, []any{}, rep["mismatches"])
	w = h.do(request{method: "GET", path: "/api/v1/index/status", key: keyIssuer})
	require.Equal(t, true, jsonOf(t, w)["last_check"].(map[string]any)["ok"])

	w = h.do(request{method: "POST", path: "/api/v1/index/rebuild", key: keyAdmin})
	require.Equal(t, http.StatusAccepted, w.Code)
	w = h.do(request{method: "GET", path: "/api/v1/index/status", key: keyIssuer})
	require.Equal(t, true, jsonOf(t, w)["rebuilding"])
}

func TestIndexDisabled(t *testing.T) {
	h := newHarness(t, nil)
	for _, r := range []request{{method: "GET", path: "/api/v1/index/records"}, {method: "GET", path: "/api/v1/index/status"}, {method: "POST", path: "/api/v1/index/check"}} {
		r.key = keyAuditor
		w := h.do(r)
		require.Equal(t, http.StatusServiceUnavailable, w.Code, r.path)
		require.Equal(t, "UNAVAILABLE", errorOf(t, w).Code)
	}
}

func TestIndexDatabaseDown(t *testing.T) {
	ctx := context.Background()
	store, err := sqlstore.OpenMemory(ctx)
	require.NoError(t, err)
	svc := index.New(store, indextest.NewSource(nil), index.Options{})
	require.NoError(t, store.Close())
	h := newHarness(t, nil, func(c *Config) { c.Index = svc })
	w := h.do(request{method: "GET", path: "/api/v1/index/records", key: keyAuditor})
	require.Equal(t, http.StatusServiceUnavailable, w.Code)
	require.Contains(t, errorOf(t, w).Message, "the ledger itself is not affected")
}

// FuzzIndexQuery: any query string on the index's read routes is answered 200, or 400
// INVALID naming the parameter; never a 5xx (the values reach SQL only as parameters).
func FuzzIndexQuery(f *testing.F) {
	srv := New(Config{Ledger: &fakeLedger{}, Keys: testKeys(), Index: indexService(f), Logger: slog.New(slog.DiscardHandler)})
	for _, q := range []string{"", "uscc=91350200MA2Y00010L", "name=%25_%5C", "agency=market&status=ACTIVE", "from=2026-11-27&to=2026-11-28",
		"min_amount=1&max_amount=9", "page_size=2&bookmark=eyJrIjoiYiIsImkiOiJ4In0", "valid=false&code=11", "code=MVCC_READ_CONFLICT&function=business:Amend",
		"bucket=hour&from=2026-11-27T00:00:00Z", "name=' OR 1=1 --"} {
		for route := range uint8(3) {
			f.Add(route, q)
		}
	}
	paths := []string{"/api/v1/index/records", "/api/v1/index/transactions", "/api/v1/index/stats"}
	f.Fuzz(func(t *testing.T, route uint8, query string) {
		u, err := url.ParseRequestURI(paths[int(route)%len(paths)] + "?" + query)
		if err != nil {
			return
		}
		w := serve(srv, "GET", u, headers(keyAuditor), nil)
		switch w.Code {
		case 200:
		case 400:
			require.Equal(t, "INVALID", errorOf(t, w).Code)
		default:
			t.Fatalf("%s: %d %s", u, w.Code, w.Body.String())
		}
	})
}
