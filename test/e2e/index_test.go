//go:build e2e

package e2e

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// indexStatus reads GET /index/status.
func indexStatus(t *testing.T) map[string]any {
	t.Helper()
	return must(t, 200, call(t, "GET", "/api/v1/index/status", key(t, "audit", "auditor"), nil)).JSON
}

func inum(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// waitIndexCaughtUp waits until the index is at the ledger's height (behind 0, not
// rebuilding) and has at least min blocks.
func waitIndexCaughtUp(t *testing.T, min int64, timeout time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var st map[string]any
	for time.Now().Before(deadline) {
		st = indexStatus(t)
		if inum(st["height"]) >= min && inum(st["behind"]) == 0 && st["rebuilding"] == false && st["following"] == true {
			return st
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the index did not catch up in %s: %v", timeout, st)
	return nil
}

// indexRecords searches the index as identity org/role.
func indexRecords(t *testing.T, org, role string, q url.Values) []map[string]any {
	t.Helper()
	r := must(t, 200, call(t, "GET", "/api/v1/index/records?"+q.Encode(), key(t, org, role), nil))
	var out []map[string]any
	for _, v := range r.JSON["records"].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

func hasRecord(recs []map[string]any, kind, id string) bool {
	for _, r := range recs {
		if r["kind"] == kind && r["id"] == id {
			return true
		}
	}
	return false
}

// waitRecord waits until the index holds kind/id (it follows the blocks, so a write shows
// up a moment after it committed).
func waitRecord(t *testing.T, q url.Values, kind, id string) []map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		recs := indexRecords(t, "audit", "auditor", q)
		if hasRecord(recs, kind, id) {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %s not found in the index by %s: %v", kind, id, q.Encode(), recs)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// testIndex drives the searchable index: searches by USCC, name and amount range, the
// invalid transactions the suite produced, the self-check against the ledger, a gateway
// restart (the index resumes from its checkpoint) and a rebuild from block 0.
func testIndex(t *testing.T) {
	st := waitIndexCaughtUp(t, 10, 60*time.Second)
	t.Logf("index caught up: %v", st)
	if st["driver"] != "sqlite" {
		t.Errorf("driver %v, want sqlite (the default)", st["driver"])
	}

	uscc := newUSCC(t)
	name := "Index Search Pearl River Trading " + uscc[10:16] + " Co., Ltd."
	body := businessBody(uscc, name)
	capital := int64(123456789) + time.Now().UnixNano()%1000
	body["registered_capital_fen"] = capital
	must(t, 201, call(t, "POST", "/api/v1/businesses", key(t, "market", "registrar"), body))
	inv := newInvoiceNumber()
	must(t, 201, call(t, "POST", "/api/v1/invoices", key(t, "tax", "invoice-issuer"), invoiceBody(inv, uscc, 3)))

	t.Run("search by USCC: the business and its invoice", func(t *testing.T) {
		recs := waitRecord(t, url.Values{"uscc": {uscc}}, "invoice", inv)
		if !hasRecord(recs, "business", uscc) || len(recs) != 2 {
			t.Fatalf("by USCC %s: %v", uscc, recs)
		}
		for _, r := range recs {
			if r["kind"] == "business" {
				if r["name"] != name || r["agency"] != "market" || inum(r["amount_fen"]) != capital || r["status"] != "ACTIVE" || inum(r["block"]) == 0 || r["tx_id"] == "" {
					t.Errorf("business row: %v", r)
				}
			}
			if r["kind"] == "invoice" && (r["agency"] != "tax" || inum(r["amount_fen"]) != 3*35000*113/100) {
				t.Errorf("invoice row: %v", r)
			}
		}
		// Any agency may search: the public ledger is shared.
		if recs := indexRecords(t, "notary", "depositor", url.Values{"uscc": {uscc}, "kind": {"business"}}); len(recs) != 1 {
			t.Errorf("notary/depositor by USCC: %v", recs)
		}
	})
	t.Run("search by name, any case", func(t *testing.T) {
		recs := indexRecords(t, "tax", "finance", url.Values{"name": {strings.ToLower("pearl river trading " + uscc[10:16])}})
		if len(recs) != 1 || recs[0]["id"] != uscc {
			t.Fatalf("by name: %v", recs)
		}
	})
	t.Run("search by amount range, agency, status and date", func(t *testing.T) {
		today := time.Now().UTC().Format("2006-01-02")
		q := url.Values{"kind": {"business"}, "agency": {"MarketMSP"}, "status": {"ACTIVE"}, "min_amount": {strconv.FormatInt(capital, 10)},
			"max_amount": {strconv.FormatInt(capital, 10)}, "from": {today}, "to": {today}}
		recs := indexRecords(t, "audit", "auditor", q)
		if !hasRecord(recs, "business", uscc) {
			t.Fatalf("by amount range: %v", recs)
		}
		q.Set("min_amount", strconv.FormatInt(capital+1, 10))
		q.Set("max_amount", strconv.FormatInt(capital+1000, 10))
		if hasRecord(indexRecords(t, "audit", "auditor", q), "business", uscc) {
			t.Fatalf("a range above the capital finds the business")
		}
		r := call(t, "GET", "/api/v1/index/records?min_amount=9&max_amount=1", key(t, "audit", "auditor"), nil)
		if r.Status != 400 || r.ErrCode() != "INVALID" {
			t.Fatalf("an empty amount range: %s", r)
		}
	})
	t.Run("paging walks every record once", func(t *testing.T) {
		seen := map[string]bool{}
		bookmark := ""
		for pages := 0; pages < 100; pages++ {
			r := must(t, 200, call(t, "GET", "/api/v1/index/records?page_size=25&bookmark="+url.QueryEscape(bookmark), key(t, "audit", "auditor"), nil))
			for _, v := range r.JSON["records"].([]any) {
				m := v.(map[string]any)
				k := m["kind"].(string) + "/" + m["id"].(string)
				if seen[k] {
					t.Fatalf("%s on two pages", k)
				}
				seen[k] = true
			}
			if bookmark = r.JSON["bookmark"].(string); bookmark == "" {
				break
			}
		}
		if len(seen) < 20 {
			t.Fatalf("only %d records in the index after the suite", len(seen))
		}
		t.Logf("%d records in the index", len(seen))
	})
	t.Run("invalid transactions by validation code", func(t *testing.T) {
		// Concurrent amendments of one record conflict: the losers commit as
		// MVCC_READ_CONFLICT (the gateway retries them with fresh transactions).
		target := newUSCC(t)
		must(t, 201, call(t, "POST", "/api/v1/businesses", key(t, "market", "registrar"), businessBody(target, "Index Conflict Co., Ltd.")))
		var wg sync.WaitGroup
		for i := 0; i < 6; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				body := map[string]any{"changes": map[string]any{"address": fmt.Sprintf("%d Conflict Road", i+1)}, "reason": "moved"}
				if r := call(t, "PATCH", "/api/v1/businesses/"+target, key(t, "market", "registrar"), body); r.Status != 200 && r.Status != 409 {
					t.Errorf("amendment %d: %s", i, r)
				}
			}(i)
		}
		wg.Wait()
		var txs []any
		codes := map[string]int{}
		deadline := time.Now().Add(20 * time.Second)
		for {
			r := must(t, 200, call(t, "GET", "/api/v1/index/transactions?valid=false&page_size=200", key(t, "audit", "auditor"), nil))
			txs = r.JSON["transactions"].([]any)
			codes = map[string]int{}
			for _, v := range txs {
				m := v.(map[string]any)
				if m["valid"] != false || m["validation_code"] == "VALID" {
					t.Errorf("a valid transaction among the invalid: %v", m)
				}
				codes[m["validation_code"].(string)]++
			}
			if codes["MVCC_READ_CONFLICT"] > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(300 * time.Millisecond)
		}
		t.Logf("invalid transactions by code: %v", codes)
		if len(txs) == 0 {
			t.Skip("the suite produced no invalid transaction (6 concurrent amendments did not conflict)")
		}
		for code := range codes {
			r := must(t, 200, call(t, "GET", "/api/v1/index/transactions?code="+code, key(t, "market", "registrar"), nil))
			list := r.JSON["transactions"].([]any)
			if len(list) == 0 {
				t.Fatalf("code=%s lists nothing", code)
			}
			first := list[0].(map[string]any)
			// The ledger (qscc through the gateway) says the same.
			tx := must(t, 200, call(t, "GET", "/api/v1/transactions/"+first["tx_id"].(string), key(t, "audit", "auditor"), nil)).JSON
			if tx["status"] != code || inum(tx["block_number"]) != inum(first["block"]) {
				t.Errorf("index %v, ledger %v", first, tx)
			}
		}
	})
	t.Run("stats per hour and agency", func(t *testing.T) {
		r := must(t, 200, call(t, "GET", "/api/v1/index/stats?bucket=hour", key(t, "audit", "auditor"), nil))
		per := map[string]int64{}
		for _, v := range r.JSON["buckets"].([]any) {
			m := v.(map[string]any)
			per[m["agency"].(string)] += inum(m["transactions"])
		}
		t.Logf("transactions per agency: %v", per)
		if per["market"] == 0 || per["tax"] == 0 || per["notary"] == 0 {
			t.Fatalf("stats: %s", r)
		}
	})
	t.Run("self-check against the ledger", func(t *testing.T) {
		if r := call(t, "POST", "/api/v1/index/check", key(t, "market", "registrar"), nil); r.Status != 403 {
			t.Fatalf("a registrar may not run the self-check: %s", r)
		}
		r := must(t, 200, call(t, "POST", "/api/v1/index/check", key(t, "audit", "auditor"), nil))
		if r.JSON["ok"] != true || r.JSON["complete"] != true {
			t.Fatalf("self-check: %s", r)
		}
		t.Logf("self-check: %d blocks, %d transactions, %d versions, %d records in %d ms", inum(r.JSON["blocks_checked"]),
			inum(r.JSON["transactions"]), inum(r.JSON["versions"]), inum(r.JSON["records"]), inum(r.JSON["duration_ms"]))
	})
	t.Run("a restarted gateway resumes from the checkpoint", func(t *testing.T) {
		before := inum(waitIndexCaughtUp(t, 10, 30*time.Second)["height"])
		if out, err := h.script("gateway", "stop"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		u2 := newUSCC(t)
		if out, err := h.script("gateway", "start"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		log, _ := os.ReadFile(filepath.Join(h.data, "logs", "gateway.log"))
		m := regexp.MustCompile(`index: following the ledger","from_block":(\d+)`).FindAllSubmatch(log, -1)
		if len(m) == 0 {
			t.Fatalf("the gateway log does not say where the index resumed")
		}
		from, _ := strconv.ParseInt(string(m[len(m)-1][1]), 10, 64)
		if from < before {
			t.Fatalf("the index resumed from block %d, not from its checkpoint %d", from, before)
		}
		t.Logf("index resumed from block %d (height before the restart %d)", from, before)
		must(t, 201, call(t, "POST", "/api/v1/businesses", key(t, "market", "registrar"), businessBody(u2, "Index Resumed Co., Ltd.")))
		waitRecord(t, url.Values{"uscc": {u2}}, "business", u2)
	})
	t.Run("rebuild from block 0", func(t *testing.T) {
		for _, id := range []string{"market/registrar", "tax/finance", "notary/depositor"} {
			org, role, _ := strings.Cut(id, "/")
			if r := call(t, "POST", "/api/v1/index/rebuild", key(t, org, role), nil); r.Status != 403 {
				t.Fatalf("%s may not rebuild the index: %s", id, r)
			}
		}
		st := waitIndexCaughtUp(t, 10, 30*time.Second)
		txs := countTransactions(t)
		t0 := time.Now()
		must(t, 202, call(t, "POST", "/api/v1/index/rebuild", key(t, "audit", "auditor"), nil))
		// A write during the rebuild is not held up.
		u3 := newUSCC(t)
		w0 := time.Now()
		must(t, 201, call(t, "POST", "/api/v1/businesses", key(t, "market", "registrar"), businessBody(u3, "During Rebuild Co., Ltd.")))
		t.Logf("a write during the rebuild took %s", time.Since(w0).Round(time.Millisecond))
		st = waitIndexCaughtUp(t, inum(st["height"]), 120*time.Second)
		d := time.Since(t0)
		blocks := inum(st["height"])
		t.Logf("INDEX REBUILD: %d blocks, %d transactions in %s: %.0f blocks/s, %.0f tx/s", blocks, txs, d.Round(time.Millisecond),
			float64(blocks)/d.Seconds(), float64(txs)/d.Seconds())
		waitRecord(t, url.Values{"uscc": {uscc}}, "business", uscc)
		waitRecord(t, url.Values{"uscc": {u3}}, "business", u3)
		r := must(t, 200, call(t, "POST", "/api/v1/index/check", key(t, "audit", "auditor"), nil))
		if r.JSON["ok"] != true {
			t.Fatalf("self-check after the rebuild: %s", r)
		}
	})
}

// countTransactions counts the transactions in the index (all pages).
func countTransactions(t *testing.T) int {
	t.Helper()
	n, bookmark := 0, ""
	for {
		r := must(t, 200, call(t, "GET", "/api/v1/index/transactions?page_size=200&bookmark="+url.QueryEscape(bookmark), key(t, "audit", "auditor"), nil))
		n += len(r.JSON["transactions"].([]any))
		if bookmark = r.JSON["bookmark"].(string); bookmark == "" {
			return n
		}
		if n > 1e6 {
			panic(fmt.Sprint("runaway paging at ", n))
		}
	}
}
