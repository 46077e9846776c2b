//go:build e2e

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// story holds what the story created, for later steps (events, restart).
var story struct {
	uscc, invoice, red1, red2, evidenceID string
	txs                                   []string // every transaction of the story, in order
	events                                []string // event names the story should have emitted, in order
}

func invoiceBody(number, seller string, chairs int64) map[string]any {
	amount := chairs * 35000
	tax := amount * 1300 / 10000 // 13 % of a multiple of 100 fen: exact
	return map[string]any{
		"number": number, "seller_uscc": seller, "buyer_name": "Xiamen City Library",
		"issued_on":        "2026-11-27",
		"items":            []map[string]any{{"description": "office chair", "quantity": chairs, "unit_price_fen": 35000, "tax_rate_bp": 1300}},
		"total_amount_fen": amount, "total_tax_fen": tax, "total_fen": amount + tax,
	}
}

func reversalBody(number string, chairs int64) map[string]any {
	b := invoiceBody(number, "", chairs)
	delete(b, "seller_uscc")
	delete(b, "buyer_name")
	b["reason"] = "goods returned"
	return b
}

// mustWrite asserts a committed write (201 or 200) and records its transaction.
func mustWrite(t *testing.T, r resp, event string) map[string]any {
	t.Helper()
	if r.Status != 200 && r.Status != 201 {
		t.Fatalf("want a committed write (200/201), got %s", r)
	}
	tx := str(r.JSON, "transaction_id")
	if len(tx) != 64 || num(r.JSON, "block_number") <= 0 {
		t.Fatalf("a committed write must carry transaction_id and block_number: %s", r)
	}
	story.txs = append(story.txs, tx)
	story.events = append(story.events, event)
	return record(r)
}

func testStory(t *testing.T) {
	registrar := key(t, "market", "registrar")
	issuer := key(t, "tax", "invoice-issuer")
	marketFinance := key(t, "market", "finance")
	notaryFinance := key(t, "notary", "finance")
	depositor := key(t, "notary", "depositor")
	notary := key(t, "notary", "notary")
	auditor := key(t, "audit", "auditor")

	story.uscc = newUSCC(t)
	story.invoice = newInvoiceNumber()
	story.red1 = newInvoiceNumber()
	story.red2 = newInvoiceNumber()

	t.Run("market bureau registers an enterprise", func(t *testing.T) {
		r := call(t, "POST", "/api/v1/businesses", registrar, businessBody(story.uscc, "Harbour Office Supplies Co., Ltd."))
		if r.Status != 201 {
			t.Fatalf("want 201, got %s", r)
		}
		b := mustWrite(t, r, "BusinessRegistered")
		if b["status"] != "ACTIVE" || b["uscc"] != story.uscc || b["owner_org"] != "MarketMSP" {
			t.Fatalf("unexpected record: %v", b)
		}
		created = append(created, "/api/v1/businesses/"+story.uscc)
	})

	t.Run("tax bureau issues an invoice", func(t *testing.T) {
		r := call(t, "POST", "/api/v1/invoices", issuer, invoiceBody(story.invoice, story.uscc, 10))
		if r.Status != 201 {
			t.Fatalf("want 201, got %s", r)
		}
		inv := mustWrite(t, r, "InvoiceIssued")
		if inv["status"] != "ISSUED" || num(inv, "total_fen") != 395500 || num(inv, "total_tax_fen") != 45500 {
			t.Fatalf("unexpected invoice: %v", inv)
		}
		created = append(created, "/api/v1/invoices/"+story.invoice)
	})

	t.Run("a finance office claims it and a second claim is refused", func(t *testing.T) {
		inv := mustWrite(t, call(t, "POST", "/api/v1/invoices/"+story.invoice+"/reimbursement", marketFinance,
			map[string]any{"reference": "EXP-2026-0118", "note": "office furniture"}), "InvoiceReimbursementClaimed")
		if str(inv, "reimbursement.org") != "MarketMSP" {
			t.Fatalf("claim not recorded: %v", inv)
		}
		r := must(t, 409, call(t, "POST", "/api/v1/invoices/"+story.invoice+"/reimbursement", notaryFinance,
			map[string]any{"reference": "NOT-77"}))
		if r.ErrCode() != "CONFLICT" || !strings.Contains(str(r.JSON, "error.message"), "MarketMSP") {
			t.Fatalf("the refusal must name who claimed it: %s", r)
		}
		// A claimed invoice cannot be reversed.
		must(t, 409, call(t, "POST", "/api/v1/invoices/"+story.invoice+"/reversal", issuer, reversalBody(story.red1, 4)))
		// Only the claiming org's finance office may release it.
		must(t, 403, call(t, "DELETE", "/api/v1/invoices/"+story.invoice+"/reimbursement", notaryFinance,
			map[string]any{"reason": "not ours"}))
		inv = mustWrite(t, call(t, "DELETE", "/api/v1/invoices/"+story.invoice+"/reimbursement", marketFinance,
			map[string]any{"reason": "goods partly returned"}), "InvoiceReimbursementReleased")
		if inv["reimbursement"] != nil {
			t.Fatalf("claim not released: %v", inv)
		}
	})

	t.Run("partial then full red-letter reversal", func(t *testing.T) {
		red := mustWrite(t, call(t, "POST", "/api/v1/invoices/"+story.invoice+"/reversal", issuer, reversalBody(story.red1, 4)), "InvoiceReversed")
		if red["kind"] != "RED" || num(red, "total_fen") != -158200 || red["original_number"] != story.invoice {
			t.Fatalf("unexpected red invoice: %v", red)
		}
		orig := must(t, 200, call(t, "GET", "/api/v1/invoices/"+story.invoice, auditor, nil)).JSON
		if orig["status"] != "PARTIALLY_REVERSED" || num(orig, "remaining_total_fen") != 237300 {
			t.Fatalf("original after partial reversal: %v", orig)
		}
		// More than what is left is refused, and changes nothing.
		r := must(t, 422, call(t, "POST", "/api/v1/invoices/"+story.invoice+"/reversal", issuer, reversalBody(story.red2, 7)))
		if r.ErrCode() != "UNPROCESSABLE" {
			t.Fatalf("over-reversal: %s", r)
		}
		mustWrite(t, call(t, "POST", "/api/v1/invoices/"+story.invoice+"/reversal", issuer, reversalBody(story.red2, 6)), "InvoiceReversed")
		orig = must(t, 200, call(t, "GET", "/api/v1/invoices/"+story.invoice, auditor, nil)).JSON
		if orig["status"] != "REVERSED" || num(orig, "remaining_total_fen") != 0 {
			t.Fatalf("original after full reversal: %v", orig)
		}
		created = append(created, "/api/v1/invoices/"+story.red1, "/api/v1/invoices/"+story.red2)
		// Nothing is left to claim.
		must(t, 409, call(t, "POST", "/api/v1/invoices/"+story.invoice+"/reimbursement", notaryFinance, map[string]any{}))
	})

	t.Run("a suspended enterprise can no longer be invoiced", func(t *testing.T) {
		b := mustWrite(t, call(t, "POST", "/api/v1/businesses/"+story.uscc+"/status", registrar,
			map[string]any{"status": "SUSPENDED", "reason": "annual report overdue"}), "BusinessStatusChanged")
		if b["status"] != "SUSPENDED" {
			t.Fatalf("status: %v", b)
		}
		r := must(t, 409, call(t, "POST", "/api/v1/invoices", issuer, invoiceBody(newInvoiceNumber(), story.uscc, 1)))
		if !strings.Contains(str(r.JSON, "error.message"), "SUSPENDED") {
			t.Fatalf("the refusal should say the seller is suspended: %s", r)
		}
	})

	t.Run("listing with filters and bookmark paging", func(t *testing.T) {
		has := func(r resp, field, want string) bool {
			recs, _ := r.JSON["records"].([]any)
			for _, x := range recs {
				if str(x.(map[string]any), field) == want {
					return true
				}
			}
			return false
		}
		r := must(t, 200, call(t, "GET", "/api/v1/businesses?status=SUSPENDED&name_prefix=Harbour", auditor, nil))
		if !has(r, "uscc", story.uscc) {
			t.Errorf("suspended Harbour businesses must include %s: %s", story.uscc, r)
		}
		r = must(t, 200, call(t, "GET", "/api/v1/businesses?status=ACTIVE&name_prefix=Harbour", auditor, nil))
		if has(r, "uscc", story.uscc) {
			t.Errorf("active businesses must not include the suspended %s: %s", story.uscc, r)
		}
		all := must(t, 200, call(t, "GET", "/api/v1/businesses?page_size=100", auditor, nil))
		total := len(all.JSON["records"].([]any))
		seen, bm := 0, ""
		for i := 0; i <= total; i++ {
			p := must(t, 200, call(t, "GET", "/api/v1/businesses?page_size=1&bookmark="+bm, auditor, nil))
			seen += len(p.JSON["records"].([]any))
			if bm = str(p.JSON, "bookmark"); bm == "" {
				break
			}
		}
		if seen != total || total < 2 {
			t.Errorf("paging one by one gave %d businesses, the full list %d", seen, total)
		}
		inv := must(t, 200, call(t, "GET", "/api/v1/invoices?seller="+story.uscc, auditor, nil))
		if !has(inv, "number", story.invoice) {
			t.Errorf("the seller's invoices must include %s: %s", story.invoice, inv)
		}
	})

	file := []byte(fmt.Sprintf("Sale contract between Harbour Office Supplies and Xiamen City Library, %s.\n", story.uscc))
	sum := sha256.Sum256(file)
	hash := hex.EncodeToString(sum[:])

	t.Run("a depositor deposits evidence by file upload", func(t *testing.T) {
		r := call(t, "POST", "/api/v1/evidence", depositor, multipartFile(t, "contract.txt", file, map[string]string{
			"category": "contract", "description": "signed sale contract"}))
		if r.Status != 201 {
			t.Fatalf("want 201, got %s", r)
		}
		ev := mustWrite(t, r, "EvidenceDeposited")
		if ev["hash"] != hash || ev["hash_algorithm"] != "sha256" || ev["file_name"] != "contract.txt" || ev["owner_org"] != "NotaryMSP" {
			t.Fatalf("unexpected evidence record (the gateway must store the file's SHA-256 only): %v", ev)
		}
		story.evidenceID = str(ev, "id")
		created = append(created, "/api/v1/evidence/"+story.evidenceID)
		// The same file again is a duplicate.
		r = must(t, 409, call(t, "POST", "/api/v1/evidence", key(t, "market", "depositor"), multipartFile(t, "copy.txt", file,
			map[string]string{"category": "contract", "description": "a copy"})))
		if !strings.Contains(str(r.JSON, "error.message"), story.evidenceID) {
			t.Fatalf("the duplicate refusal must point at the existing record: %s", r)
		}
	})

	t.Run("anyone verifies it with the same file", func(t *testing.T) {
		r := must(t, 200, call(t, "POST", "/api/v1/evidence/verify", auditor, multipartFile(t, "contract.txt", file, nil)))
		if r.JSON["found"] != true || !strings.Contains(string(r.Body), story.evidenceID) || !strings.Contains(string(r.Body), story.txs[len(story.txs)-1]) {
			t.Fatalf("verify must find the record with its deposit transaction: %s", r)
		}
		other := must(t, 200, call(t, "POST", "/api/v1/evidence/verify", auditor, multipartFile(t, "forged.txt", append(file, '!'), nil)))
		if other.JSON["found"] != false || strings.Contains(string(other.Body), story.evidenceID) {
			t.Fatalf("an altered file must not verify: %s", other)
		}
	})

	t.Run("a notary certifies it, once", func(t *testing.T) {
		ev := mustWrite(t, call(t, "POST", "/api/v1/evidence/"+story.evidenceID+"/certification", notary,
			map[string]any{"certificate_number": "(2026) Xia Zheng No. 00118", "notes": "original inspected"}), "EvidenceCertified")
		if ev["status"] != "CERTIFIED" || str(ev, "certification.org") != "NotaryMSP" {
			t.Fatalf("unexpected: %v", ev)
		}
		must(t, 409, call(t, "POST", "/api/v1/evidence/"+story.evidenceID+"/certification", notary,
			map[string]any{"certificate_number": "(2026) Xia Zheng No. 00119"}))
	})

	t.Run("an auditor reads every record's history", func(t *testing.T) {
		cases := []struct {
			path     string
			versions int
			orgs     []string
		}{
			{"/api/v1/businesses/" + story.uscc + "/history", 2, []string{"MarketMSP"}},
			{"/api/v1/invoices/" + story.invoice + "/history", 5, []string{"TaxMSP", "MarketMSP"}},
			{"/api/v1/evidence/" + story.evidenceID + "/history", 2, []string{"NotaryMSP"}},
		}
		for _, c := range cases {
			r := must(t, 200, call(t, "GET", c.path, auditor, nil))
			entries, _ := r.JSON["entries"].([]any)
			if len(entries) != c.versions {
				t.Errorf("%s: want %d versions, got %d: %s", c.path, c.versions, len(entries), r)
				continue
			}
			for _, e := range entries {
				em := e.(map[string]any)
				if len(str(em, "tx_id")) != 64 || str(em, "timestamp") == "" || !slices.Contains(c.orgs, str(em, "submitter_org")) || str(em, "submitter") == "" {
					t.Errorf("%s: incomplete history entry %v", c.path, em)
				}
			}
		}
		// Paging: one version per page, following bookmarks.
		seen := 0
		bm := ""
		for i := 0; i < 10; i++ {
			r := must(t, 200, call(t, "GET", "/api/v1/invoices/"+story.invoice+"/history?page_size=1&bookmark="+bm, auditor, nil))
			entries, _ := r.JSON["entries"].([]any)
			seen += len(entries)
			bm = str(r.JSON, "bookmark")
			if bm == "" {
				break
			}
		}
		if seen != 5 {
			t.Errorf("paging through the invoice history by 1 gave %d entries, want 5", seen)
		}
	})

	t.Run("an auditor checks each transaction's provenance", func(t *testing.T) {
		for i, tx := range story.txs {
			r := must(t, 200, call(t, "GET", "/api/v1/transactions/"+tx, auditor, nil))
			j := r.JSON
			if j["status"] != "VALID" || num(j, "block_number") <= 0 || str(j, "timestamp") == "" || str(j, "creator.msp_id") == "" || str(j, "creator.subject") == "" {
				t.Errorf("tx %d (%s): incomplete provenance: %s", i, story.events[i], r)
			}
			orgs, _ := j["endorsing_orgs"].([]any)
			if len(orgs) < 2 {
				t.Errorf("tx %d (%s): want at least two endorsing orgs, got %v", i, story.events[i], orgs)
			}
			for _, o := range orgs {
				if o == "AuditMSP" {
					t.Errorf("tx %d: the audit office must never endorse", i)
				}
			}
		}
		// The invoice's own transactions were endorsed by the tax bureau (its owner).
		r := must(t, 200, call(t, "GET", "/api/v1/transactions/"+story.txs[1], auditor, nil))
		if !strings.Contains(string(r.Body), "TaxMSP") || str(r.JSON, "creator.msp_id") != "TaxMSP" {
			t.Errorf("invoice issue provenance: %s", r)
		}
		must(t, 404, call(t, "GET", "/api/v1/transactions/"+strings.Repeat("ab", 32), auditor, nil))
	})
}

// testReadYourWrites: what one agency has just written, the next agency can use at once.
// The gateway answers a write when the submitting agency's peer has committed it; the
// other peers commit the same block a few milliseconds later. Each round registers an
// enterprise through the market bureau and, without pausing, invoices it through the tax
// bureau (endorsed first on the tax peer) and reads the invoice as the auditor (audit peer).
// On a quiet machine the peers are rarely far enough apart to show the race (it broke this
// suite's state-based-endorsement step once under CI load); the gateway's waiting is proven
// deterministically by fabric.TestReadYourWritesAcrossPeers, this step on the real network.
func testReadYourWrites(t *testing.T) {
	f := fixtures{t}
	for i := range 10 {
		seller := f.business()
		n := newInvoiceNumber()
		r := call(t, "POST", "/api/v1/invoices", key(t, "tax", "invoice-issuer"), invoiceBody(n, seller, 1))
		if r.Status != 201 {
			t.Fatalf("round %d: an invoice for the enterprise registered a moment ago: %s", i, r)
		}
		must(t, 200, call(t, "GET", "/api/v1/invoices/"+n, key(t, "audit", "auditor"), nil))
	}
}
