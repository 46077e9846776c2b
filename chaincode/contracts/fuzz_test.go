package contracts_test

// Fuzz targets for the chaincode's main transactions, through the real contractapi router
// over the fake stub: the JSON argument of register, amend, issue, reverse and deposit.
// Every call must not panic; a refused call must carry a stable "CODE: " prefix and write
// nothing (no state, private data, endorsement policy or event); an accepted call returns
// JSON whose numbers every client reads exactly. Calls are never committed, so every input
// meets the same ledger.

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/govchain/govchain/internal/domain/domaintest"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

// fuzzHarness is a harness with a seller, one invoice partially reversed and one deposit
// committed. Its transactions all run at the same sequence number (same tx id and time).
type fuzzHarness struct {
	*harness
	seller, original, red string
	seq                   int
}

func newFuzzHarness(f *testing.F) *fuzzHarness {
	h := newHarness(f)
	fh := &fuzzHarness{harness: h, seller: usccFor(f, 1), original: invoiceNumber(1), red: invoiceNumber(2)}
	h.register(fh.seller, "销售方公司")
	h.issue(fh.original, fh.seller)
	h.call(taxIssuer, "invoice:Reverse", fh.original, mustJSON(f, reverseRequest(fh.red, 50000))).ok(f)
	h.deposit(marketDepositor, hashOf('a'))
	fh.seq = h.seq
	return fh
}

// try runs fn with args as id, uncommitted, and checks what every call must satisfy.
func (fh *fuzzHarness) try(t *testing.T, id identity, fn string, args ...string) result {
	t.Helper()
	fh.t = t
	fh.harness.seq = fh.seq
	r := fh.invoke(id, nil, false, fn, args...)
	if r.status == shim.OK {
		domaintest.RequireSafeJSON(t, []byte(r.payload))
		return r
	}
	e, ok := domain.ParseError(r.message)
	if !ok || string(e.Code)+": "+e.Message != r.message {
		t.Fatalf("%s: error without a stable prefix: %q", fn, r.message)
	}
	if len(r.stub.writes) > 0 || len(r.stub.pwrites) > 0 || len(r.stub.vparams) > 0 || r.stub.event != nil {
		t.Fatalf("%s refused (%s) but wrote %d keys, %d private keys, %d policies, event %v", fn, r.message, len(r.stub.writes), len(r.stub.pwrites), len(r.stub.vparams), r.stub.event != nil)
	}
	return r
}

func FuzzRegister(f *testing.F) {
	fh := newFuzzHarness(f)
	f.Add(mustJSON(f, registration(usccFor(f, 2), "新公司")))
	f.Add(mustJSON(f, registration(fh.seller, "重复")))
	f.Add(strings.Replace(mustJSON(f, registration(usccFor(f, 3), "大公司")), `"registered_capital_fen":100000000`, `"registered_capital_fen":9007199254740993`, 1))
	f.Add(strings.Replace(mustJSON(f, registration(usccFor(f, 4), "公司")), `"张三"`, `"张三 １１０１０５ １９４９１２３１ ００２Ｘ"`, 1))
	f.Add(`{"uscc":1}`)
	f.Fuzz(func(t *testing.T, request string) {
		fh.try(t, registrar, "business:Register", request)
	})
}

func FuzzAmend(f *testing.F) {
	fh := newFuzzHarness(f)
	f.Add(fh.seller, `{"changes":{"name":"新名称"},"reason":"更名"}`)
	f.Add(fh.seller, `{"changes":{"registered_capital_fen":1000000000000001},"reason":"增资"}`)
	f.Add(fh.seller, `{"changes":{"address":"厦门市 110105-19491231-002X"},"reason":"迁址"}`)
	f.Add(usccFor(f, 9), `{"changes":{"name":"x"},"reason":"y"}`)
	f.Add("x", `{}`)
	f.Fuzz(func(t *testing.T, uscc, request string) {
		fh.try(t, registrar, "business:Amend", uscc, request)
	})
}

func FuzzIssueInvoice(f *testing.F) {
	fh := newFuzzHarness(f)
	f.Add(mustJSON(f, issueRequest(invoiceNumber(3), fh.seller)))
	f.Add(mustJSON(f, issueRequest(fh.original, fh.seller)))
	f.Add(`{"number":"` + invoiceNumber(4) + `","seller_uscc":"` + fh.seller + `","buyer_name":"买方","issued_on":"2026-11-27","items":[{"description":"货物","quantity":9007199254740993,"unit_price_fen":1,"tax_rate_bp":0}],"total_amount_fen":9007199254740993,"total_tax_fen":0,"total_fen":9007199254740993}`)
	f.Add(`{"number":"` + invoiceNumber(5) + `","items":[{"amount_fen":1}]}`)
	f.Fuzz(func(t *testing.T, request string) {
		fh.try(t, taxIssuer, "invoice:Issue", request)
	})
}

func FuzzReverse(f *testing.F) {
	fh := newFuzzHarness(f)
	// What remains of the original: 50000 fen at 6 % (3000 tax), 333 fen at 13 % (43 tax).
	f.Add(fh.original, mustJSON(f, reverseRequest(invoiceNumber(3), 50000)))
	f.Add(fh.original, mustJSON(f, reverseRequest(invoiceNumber(3), 50001)))
	f.Add(fh.original, mustJSON(f, reverseRequest(fh.red, 1)))
	f.Add(fh.red, mustJSON(f, reverseRequest(invoiceNumber(3), 1)))
	f.Add(fh.original, `{"number":"`+invoiceNumber(3)+`","reason":"r","issued_on":"2026-11-28","items":[{"description":"d","quantity":1,"unit_price_fen":333,"tax_rate_bp":0}],"total_amount_fen":333,"total_tax_fen":0,"total_fen":333}`)
	f.Add(fh.original, `{"number":"`+invoiceNumber(3)+`","reason":"r","issued_on":"2026-11-28","items":[{"description":"d","quantity":1,"unit_price_fen":50000,"tax_rate_bp":600},{"description":"e","quantity":1,"unit_price_fen":333,"tax_rate_bp":1300}],"total_amount_fen":50333,"total_tax_fen":3043,"total_fen":53376}`)
	f.Fuzz(func(t *testing.T, original, request string) {
		r := fh.try(t, taxIssuer, "invoice:Reverse", original, request)
		if r.status != shim.OK {
			return
		}
		// What the transaction would write must keep the original within its lines.
		var orig domain.Invoice
		var reds []domain.Invoice
		for _, w := range r.stub.writes {
			if !strings.HasPrefix(w.key, "inv~") {
				continue
			}
			var inv domain.Invoice
			if err := json.Unmarshal(w.value, &inv); err != nil {
				t.Fatal(err)
			}
			if inv.Kind == domain.KindBlue {
				orig = inv
			}
		}
		for _, rv := range orig.Reversals {
			b := fh.ledger.state["inv~"+rv.Number]
			if b == nil {
				b = []byte(r.payload) // the new red invoice
			}
			var red domain.Invoice
			if err := json.Unmarshal(b, &red); err != nil {
				t.Fatal(err)
			}
			reds = append(reds, red)
		}
		balances, err := domain.RemainingByRate(&orig, reds)
		if err != nil {
			t.Fatal(err)
		}
		var rest int64
		for _, b := range balances {
			if b.AmountFen < 0 || b.TaxFen < 0 {
				t.Fatalf("rate %d overdrawn by %s: %+v", b.TaxRateBP, request, b)
			}
			rest += b.AmountFen + b.TaxFen
		}
		if rest != orig.RemainingTotalFen {
			t.Fatalf("remaining_total_fen %d, per rate %d", orig.RemainingTotalFen, rest)
		}
	})
}

func FuzzDeposit(f *testing.F) {
	fh := newFuzzHarness(f)
	f.Add(mustJSON(f, depositRequest(hashOf('b'))))
	f.Add(mustJSON(f, depositRequest(hashOf('a'))))
	f.Add(strings.Replace(mustJSON(f, depositRequest(hashOf('c'))), `"size_bytes":2048`, `"size_bytes":9007199254740993`, 1))
	f.Add(strings.Replace(mustJSON(f, depositRequest(hashOf('d'))), `"signed lease"`, `"签约人 110105/19491231/002X"`, 1))
	f.Add(`{"items":[` + mustJSON(f, depositRequest(hashOf('e'))) + `]}`)
	f.Fuzz(func(t *testing.T, request string) {
		fh.try(t, marketDepositor, "evidence:Deposit", request)
		fh.try(t, marketDepositor, "evidence:DepositBatch", request)
	})
}
