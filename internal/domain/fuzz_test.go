package domain_test

// Fuzz targets for every decoder and validator of this package. `go test` runs their seed
// corpora (f.Add and testdata/fuzz/<FuzzName>/) as ordinary tests; `make fuzz` fuzzes each
// for FUZZTIME. Every target checks that nothing panics and that every error is a classified
// *domain.Error (a stable "CODE: " prefix on the wire), plus the target's own properties.

import (
	"bytes"
	"encoding/json"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/govchain/govchain/internal/domain"
	"github.com/govchain/govchain/internal/domain/domaintest"
)

var knownCodes = map[domain.Code]bool{
	domain.CodeInvalid: true, domain.CodeUnprocessable: true, domain.CodeForbidden: true,
	domain.CodeNotFound: true, domain.CodeConflict: true,
}

// requireCoded fails unless err is nil or a *domain.Error with a known code whose text
// ParseError reads back unchanged.
func requireCoded(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	code := domain.ErrorCode(err)
	if !knownCodes[code] {
		t.Fatalf("error without a known code: %q", err)
	}
	e, ok := domain.ParseError(err.Error())
	if !ok || e.Code != code || string(e.Code)+": "+e.Message != err.Error() {
		t.Fatalf("ParseError does not read back %q: %+v %v", err, e, ok)
	}
}

// requireSafeNumbers fails if the JSON of v holds a number beyond ±(2^53 − 1).
func requireSafeNumbers(t *testing.T, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	domaintest.RequireSafeJSON(t, b)
}

func FuzzValidateUSCC(f *testing.F) {
	for _, s := range []string{"91430111MA4L41YT1U", "91350200776049653A", "91350203M0001QAY9B", "91430111MA4L41YT1X", "9143011lMA4L41YT1U", "", "ÄÖÜ", "91430111MA4L41YT1U0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := domain.ValidateUSCC(s)
		requireCoded(t, err)
		ferr := domain.ValidateUSCCFormat("uscc", s)
		requireCoded(t, ferr)
		if ferr != nil {
			if err == nil {
				t.Fatalf("%q: format refused but code accepted", s)
			}
			return
		}
		c, cerr := domain.USCCCheckChar(s[:17])
		if cerr != nil {
			t.Fatalf("%q: format ok but check char: %v", s, cerr)
		}
		if want := c == s[17] || domain.IsLegacyUSCC(s); want != (err == nil) {
			t.Fatalf("%q: check %c, legacy %v, ValidateUSCC %v", s, c, domain.IsLegacyUSCC(s), err)
		}
		if err != nil && domain.ErrorCode(err) != domain.CodeUnprocessable {
			t.Fatalf("%q: a wrong check character must be UNPROCESSABLE: %v", s, err)
		}
	})
}

// bigTax is LineTax in exact arithmetic: amount × rate / 10000, half up.
func bigTax(amount, rate int64) *big.Int {
	n := new(big.Int).Mul(big.NewInt(amount), big.NewInt(rate))
	n.Add(n, big.NewInt(5000))
	return n.Quo(n, big.NewInt(10000))
}

func FuzzMoneyArithmetic(f *testing.F) {
	f.Add(int64(3), int64(3333), int64(1300), int64(5), int64(7))
	f.Add(int64(9007199254740993), int64(1), int64(0), domain.MaxMoneyFen, int64(1))
	f.Add(domain.MaxQuantity, domain.MaxMoneyFen/domain.MaxQuantity, int64(900), int64(-1), int64(1))
	f.Add(int64(math.MaxInt64), int64(2), int64(600), int64(math.MaxInt64), int64(math.MaxInt64))
	f.Add(int64(1), int64(884955752212389), int64(1300), int64(0), int64(0))
	f.Fuzz(func(t *testing.T, q, p, rate, a, b int64) {
		exact := new(big.Int).Mul(big.NewInt(q), big.NewInt(p))
		prod, ok := domain.MulMoney(q, p)
		wantOK := q >= 0 && p >= 0 && exact.Cmp(big.NewInt(domain.MaxMoneyFen)) <= 0
		if ok != wantOK || ok && exact.Int64() != prod {
			t.Fatalf("MulMoney(%d, %d) = %d, %v; exact %s", q, p, prod, ok, exact)
		}
		sum, ok := domain.AddMoney(a, b)
		exactSum := new(big.Int).Add(big.NewInt(a), big.NewInt(b))
		wantOK = a >= 0 && b >= 0 && a <= domain.MaxMoneyFen && b <= domain.MaxMoneyFen && exactSum.Cmp(big.NewInt(domain.MaxMoneyFen)) <= 0
		if ok != wantOK || ok && exactSum.Int64() != sum {
			t.Fatalf("AddMoney(%d, %d) = %d, %v", a, b, sum, ok)
		}
		tax, err := domain.LineTax(a, rate)
		requireCoded(t, err)
		if err == nil {
			if want := bigTax(a, rate); !want.IsInt64() || want.Int64() != tax {
				t.Fatalf("LineTax(%d, %d) = %d, exact %s", a, rate, tax, want)
			}
		} else if domain.IsAllowedTaxRate(rate) && a >= 0 && a <= domain.MaxMoneyFen {
			t.Fatalf("LineTax(%d, %d) refused an amount within the cap: %v", a, rate, err)
		}

		items := []domain.InvoiceItemRequest{{Description: "x", Quantity: q, UnitPriceFen: p, TaxRateBP: rate}}
		lines, tot, err := domain.ComputeInvoice(items)
		requireCoded(t, err)
		if err != nil {
			return
		}
		if q <= 0 || q > domain.MaxQuantity || p <= 0 || p > domain.MaxMoneyFen || !domain.IsAllowedTaxRate(rate) {
			t.Fatalf("ComputeInvoice accepted q=%d p=%d rate=%d", q, p, rate)
		}
		lt := bigTax(exact.Int64(), rate)
		total := new(big.Int).Add(exact, lt)
		if lines[0].AmountFen != exact.Int64() || lines[0].TaxFen != lt.Int64() || tot.TotalFen != total.Int64() || tot.TotalFen > domain.MaxMoneyFen {
			t.Fatalf("ComputeInvoice(%d × %d at %d) = %+v %+v", q, p, rate, lines[0], tot)
		}
		requireSafeNumbers(t, lines)
	})
}

func FuzzIssueInvoiceRequest(f *testing.F) {
	seed, _ := json.Marshal(validIssue())
	f.Add(seed)
	f.Add([]byte(`{"number":"24442000000000000001","seller_uscc":"91430111MA4L41YT1U","buyer_name":"买方","issued_on":"2026-03-01","items":[{"description":"货物","quantity":9007199254740993,"unit_price_fen":1,"tax_rate_bp":0}],"total_amount_fen":9007199254740993,"total_tax_fen":0,"total_fen":9007199254740993}`))
	f.Add([]byte(`{"items":[{"quantity":1e3}]}`))
	f.Add([]byte(`{"number":"24442000000000000001","seller_uscc":"91430111MA4L41YT1U","buyer_name":"１１０１０５ １９４９１２３１ ００２Ｘ","issued_on":"2026-03-01","items":[{"description":"a","quantity":1,"unit_price_fen":1,"tax_rate_bp":1300}],"total_amount_fen":1,"total_tax_fen":0,"total_fen":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r domain.IssueInvoiceRequest
		err := domain.DecodeValid("request", data, &r)
		requireCoded(t, err)
		if err != nil {
			return
		}
		inv, err := domain.NewBlueInvoice(r, taxClerk)
		if err != nil {
			t.Fatalf("validated request refused by NewBlueInvoice: %v", err)
		}
		var a, tax int64
		for i, it := range inv.Items {
			if it.Quantity > domain.MaxQuantity || it.AmountFen > domain.MaxMoneyFen || it.AmountFen != it.Quantity*it.UnitPriceFen {
				t.Fatalf("line %d out of bounds: %+v", i, it)
			}
			a += it.AmountFen
			tax += it.TaxFen
		}
		if inv.TotalAmountFen != a || inv.TotalTaxFen != tax || inv.TotalFen != a+tax || inv.TotalFen > domain.MaxMoneyFen || inv.RemainingTotalFen != inv.TotalFen {
			t.Fatalf("totals do not add up: %+v", inv)
		}
		for _, s := range []string{inv.BuyerName} {
			if domain.ContainsPersonalID(s) {
				t.Fatalf("an ID number passed validation: %q", s)
			}
		}
		requireSafeNumbers(t, inv)
	})
}

// fuzzLines reads invoice lines from b, 3 bytes a line: a small amount (1..4096, so that
// rounding matters) and one of the allowed rates.
func fuzzLines(b []byte, max int) []domain.InvoiceItemRequest {
	rates := domain.AllowedTaxRatesBP()
	var out []domain.InvoiceItemRequest
	for len(b) >= 3 && len(out) < max {
		amount := 1 + (int64(b[0])<<8|int64(b[1]))%4096
		out = append(out, domain.InvoiceItemRequest{Description: "货物", Quantity: 1, UnitPriceFen: amount, TaxRateBP: rates[int(b[2])%len(rates)]})
		b = b[3:]
	}
	return out
}

func FuzzReverseInvoice(f *testing.F) {
	f.Add([]byte{0, 113, 5}, []byte{0, 0, 100, 0})                                                   // 113 at 0% reversed as 100 at 13%
	f.Add([]byte{0, 100, 0}, []byte{0, 0, 113, 5})                                                   // 100 at 13% reversed as 113 at 0%
	f.Add([]byte{1, 77, 0}, []byte{0, 0, 150, 0, 0, 0, 183, 0})                                      // 333 at 13%: 150 then 183
	f.Add([]byte{0, 20, 0, 3, 232, 2}, []byte{0, 0, 10, 0, 0, 0, 10, 0, 1, 3, 232, 2, 0, 0, 1, 5})   // mixed rates
	f.Add([]byte{0, 10, 0, 0, 10, 0}, []byte{2, 0, 4, 0, 0, 4, 0, 0, 4, 0, 0, 0, 8, 0, 0, 0, 20, 0}) // tax rounded up line by line
	f.Fuzz(func(t *testing.T, blue, reversals []byte) {
		items := fuzzLines(blue, 20)
		if len(items) == 0 {
			return
		}
		req := validIssue()
		_, tot, err := domain.ComputeInvoice(items)
		if err != nil {
			t.Fatal(err)
		}
		req.Items, req.TotalAmountFen, req.TotalTaxFen, req.TotalFen = items, tot.AmountFen, tot.TaxFen, tot.TotalFen
		orig, err := domain.NewBlueInvoice(req, taxClerk)
		if err != nil {
			t.Fatal(err)
		}
		origTax := map[int64]int64{}
		for _, it := range orig.Items {
			origTax[it.TaxRateBP] += it.TaxFen
		}
		var reds []domain.Invoice
		for n := 0; len(reversals) > 0 && n < 30; n++ {
			k := 1 + int(reversals[0])%3
			reversals = reversals[1:]
			take := min(len(reversals), 3*k)
			lines := fuzzLines(reversals[:take], k)
			reversals = reversals[take:]
			if len(lines) == 0 {
				break
			}
			_, rt, err := domain.ComputeInvoice(lines)
			if err != nil {
				t.Fatal(err)
			}
			r := domain.ReverseInvoiceRequest{Number: redNumber(n), Reason: "退货", IssuedOn: "2026-03-05", Items: lines,
				TotalAmountFen: rt.AmountFen, TotalTaxFen: rt.TaxFen, TotalFen: rt.TotalFen}
			before, _ := json.Marshal(orig)
			red, err := domain.ReverseInvoice(&orig, reds, r, taxClerk)
			requireCoded(t, err)
			if err != nil {
				if after, _ := json.Marshal(orig); !bytes.Equal(before, after) {
					t.Fatalf("refused reversal changed the original: %v", err)
				}
				continue
			}
			reds = append(reds, red)
			if red.TotalFen >= 0 || red.TotalFen != red.TotalAmountFen+red.TotalTaxFen {
				t.Fatalf("red totals: %+v", red)
			}
			var ra, rtax int64
			for _, it := range red.Items {
				if it.AmountFen >= 0 || it.TaxFen > 0 || it.Quantity >= 0 {
					t.Fatalf("red line not negative: %+v", it)
				}
				ra += it.AmountFen
				rtax += it.TaxFen
			}
			if ra != red.TotalAmountFen || rtax != red.TotalTaxFen {
				t.Fatalf("red lines do not add up to its totals: %+v", red)
			}
			balances, err := domain.RemainingByRate(&orig, reds)
			if err != nil {
				t.Fatal(err)
			}
			var rest int64
			for _, b := range balances {
				if b.AmountFen < 0 || b.TaxFen < 0 || b.TaxFen > origTax[b.TaxRateBP] {
					t.Fatalf("rate %d overdrawn: %+v", b.TaxRateBP, b)
				}
				if b.AmountFen == 0 && b.TaxFen != 0 {
					t.Fatalf("rate %d closed with %d fen of tax left", b.TaxRateBP, b.TaxFen)
				}
				rest += b.AmountFen + b.TaxFen
			}
			if rest != orig.RemainingTotalFen || orig.RemainingTotalFen < 0 || orig.ReversedTotalFen+orig.RemainingTotalFen != orig.TotalFen {
				t.Fatalf("remaining %d, per rate %d: %+v", orig.RemainingTotalFen, rest, orig)
			}
			if (orig.Status == domain.InvoiceReversed) != (orig.RemainingTotalFen == 0) {
				t.Fatalf("status %s with %d remaining", orig.Status, orig.RemainingTotalFen)
			}
			if orig.Status == domain.InvoiceReversed {
				break
			}
		}
	})
}

func FuzzDepositRequest(f *testing.F) {
	one, _ := json.Marshal(validDeposit(hexHash("A")))
	f.Add(one)
	f.Add([]byte(`{"items":[` + string(one) + `,` + string(one) + `]}`))
	f.Add([]byte(`{"hash":"` + hexHash("a") + `","hash_algorithm":"SM3","file_name":"１１０１０５-19491231-002X.pdf","media_type":"a/b","size_bytes":9007199254740993,"category":"c","description":"d"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r domain.DepositRequest
		err := domain.DecodeValid("request", data, &r)
		requireCoded(t, err)
		if err == nil {
			c := r
			if err := c.Normalize(); err != nil {
				t.Fatalf("valid request does not normalise: %v", err)
			}
			if c.Hash != strings.ToLower(r.Hash) || c.SizeBytes < 0 || c.SizeBytes > domain.MaxSizeBytes {
				t.Fatalf("normalised: %+v", c)
			}
			e := domain.NewEvidence(domain.EvidenceID("tx", 0), c, taxClerk)
			if domain.ValidateEvidenceID(e.ID) != nil {
				t.Fatalf("bad id %q", e.ID)
			}
			for _, s := range []string{c.FileName, c.MediaType, c.Category, c.Description, c.Location} {
				if domain.ContainsPersonalID(s) {
					t.Fatalf("an ID number passed validation: %q", s)
				}
			}
			requireSafeNumbers(t, e)
		}
		var batch domain.DepositBatchRequest
		err = domain.DecodeValid("request", data, &batch)
		requireCoded(t, err)
		if err == nil {
			before, _ := json.Marshal(batch)
			if err := batch.Normalize(); err != nil {
				t.Fatalf("valid batch does not normalise: %v (%s)", err, before)
			}
			seen := map[string]bool{}
			for _, it := range batch.Items {
				if seen[it.HashAlgorithm+it.Hash] {
					t.Fatalf("repeated hash accepted: %s", before)
				}
				seen[it.HashAlgorithm+it.Hash] = true
			}
		}
	})
}

func FuzzRegisterBusinessRequest(f *testing.F) {
	seed, _ := json.Marshal(validRegistration())
	f.Add(seed)
	f.Add([]byte(strings.Replace(string(seed), `"registered_capital_fen":100000000`, `"registered_capital_fen":9007199254740993`, 1)))
	f.Add([]byte(strings.Replace(string(seed), `"张三"`, `"张三 110105 19491231 002X"`, 1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r domain.RegisterBusinessRequest
		err := domain.DecodeValid("request", data, &r)
		requireCoded(t, err)
		if err != nil {
			return
		}
		b := domain.NewBusiness(r, taxClerk)
		if b.RegisteredCapitalFen < 0 || b.RegisteredCapitalFen > domain.MaxMoneyFen || b.Status != domain.StatusActive {
			t.Fatalf("business: %+v", b)
		}
		for _, s := range []string{b.Name, b.EntityType, b.LegalRepresentative, b.Address, b.BusinessScope, b.RegistrationAuthority} {
			if domain.ContainsPersonalID(s) || !utf8.ValidString(s) {
				t.Fatalf("text passed validation: %q", s)
			}
		}
		requireSafeNumbers(t, b)
	})
}

func FuzzAmendBusinessRequest(f *testing.F) {
	f.Add([]byte(`{"changes":{"name":"新名称"},"reason":"更名"}`))
	f.Add([]byte(`{"changes":{"registered_capital_fen":100000000},"reason":"x"}`))
	f.Add([]byte(`{"changes":{"registered_capital_fen":1000000000000001},"reason":"增资"}`))
	f.Add([]byte(`{"changes":{"legal_representative":"李四","address":"厦门市","business_scope":"a\nb"},"reason":"变更"}`))
	f.Add([]byte(`{"changes":{},"reason":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r domain.AmendBusinessRequest
		err := domain.DecodeValid("request", data, &r)
		requireCoded(t, err)
		if err != nil {
			return
		}
		b := domain.NewBusiness(validRegistration(), taxClerk)
		before, _ := json.Marshal(b)
		err = domain.ApplyAmendment(&b, r, domain.Actor{Org: domain.MarketMSP, By: "registrar", At: "2026-03-02T00:00:00Z", TxID: "txA"})
		requireCoded(t, err)
		if err != nil {
			if after, _ := json.Marshal(b); !bytes.Equal(before, after) {
				t.Fatalf("refused amendment changed the business: %v", err)
			}
			return
		}
		c := r.Changes
		n := 0
		for _, set := range []bool{c.Name != nil, c.Address != nil, c.BusinessScope != nil, c.RegisteredCapitalFen != nil, c.LegalRepresentative != nil} {
			if set {
				n++
			}
		}
		if len(b.Amendments) != 1 || len(b.Amendments[0].Changes) != n || b.RegisteredCapitalFen > domain.MaxMoneyFen {
			t.Fatalf("amendment: %+v", b)
		}
		requireSafeNumbers(t, b)
	})
}

func FuzzCreateGrantRequest(f *testing.F) {
	f.Add([]byte(`{"record":"91430111MA4L41YT1U","grantee":"TaxMSP","fields":["mobile"],"purpose":"AUDIT","purpose_detail":"年度审计","expires_at":"2026-06-30T00:00:00Z"}`), int64(0))
	f.Add([]byte(`{"record":"91430111MA4L41YT1U","grantee":"MarketMSP","fields":["id_number","id_number"],"purpose":"AUDIT","purpose_detail":"x","expires_at":"2027-03-01T08:00:01Z"}`), int64(3600))
	f.Add([]byte(`{"record":"91430111MA4L41YT1U","grantee":"NotaryMSP","fields":["home_address"],"purpose":"COURT_PROCEEDINGS","purpose_detail":"案号 110105 19491231 002X","expires_at":"2026-03-01T08:00:00+08:00"}`), int64(-1))
	f.Fuzz(func(t *testing.T, data []byte, shift int64) {
		var r domain.CreateGrantRequest
		err := domain.DecodeValid("request", data, &r)
		requireCoded(t, err)
		if err != nil {
			return
		}
		b := domain.NewBusiness(validRegistration(), domain.Actor{Org: domain.MarketMSP, By: "registrar", At: "2026-01-01T00:00:00Z", TxID: "txB"})
		b.Personal = &domain.PersonalBinding{Fields: []domain.PersonalFieldRef{{Field: domain.FieldIDNumber, Hash: hexHash("1")}, {Field: domain.FieldMobile, Hash: hexHash("2")}}}
		base, _ := domain.ParseTimestamp("at", taxClerk.At)
		at := taxClerk
		at.Org, at.TxID = domain.MarketMSP, strings.Repeat("ab", 32)
		at.At = base.Add(time.Duration(shift%(2*365*24*3600)) * time.Second).UTC().Format(time.RFC3339)
		g, err := domain.NewGrant(r, &b, at)
		requireCoded(t, err)
		if err != nil {
			return
		}
		now, _ := domain.ParseTimestamp("at", at.At)
		exp, err := domain.ParseTimestamp("expires_at", g.ExpiresAt)
		if err != nil || !exp.After(now) || exp.After(now.AddDate(1, 0, 0)) || g.Grantee == b.OwnerOrg || domain.ValidateGrantID(g.ID) != nil {
			t.Fatalf("grant: %+v", g)
		}
	})
}

func FuzzPersonalData(f *testing.F) {
	f.Add([]byte(`{"id_number":"11010519491231002X","mobile":"13800138000","home_address":"厦门市思明区"}`), "11010519491231002X")
	f.Add([]byte(`{"id_number":"110105194912310021"}`), "１１０１０５１９４９１２３１００２Ｘ")
	f.Add([]byte(`{"home_address":"厦门市 110105 19491231 002X"}`), "110101198001010037")
	f.Add([]byte(`{"id_number":{"value":"11010519491231002X","salt":"`+hexHash("a")+`"}}`), "")
	f.Fuzz(func(t *testing.T, data []byte, id string) {
		var p domain.PersonalData
		err := domain.DecodeValid("personal", data, &p)
		requireCoded(t, err)
		var in domain.StageInput
		requireCoded(t, domain.DecodeValid("transient", data, &in))
		var ch domain.PersonalChange
		requireCoded(t, domain.DecodeValid("request", data, &ch))
		var am domain.PersonalAmendRequest
		requireCoded(t, domain.DecodeValid("request", data, &am))

		// A valid resident ID number is always caught by the text filter, and so is the
		// same number in full-width digits.
		verr := domain.ValidateResidentID("id_number", id)
		requireCoded(t, verr)
		if verr == nil {
			if !domain.ContainsPersonalID(id) || !domain.ContainsPersonalID("身份证 "+toFullWidth(id)+" 号") {
				t.Fatalf("valid ID %q not caught by the filter", id)
			}
		}
		requireCoded(t, domain.ValidatePersonalValue(domain.FieldMobile, id))
		requireCoded(t, domain.ValidatePersonalValue(domain.FieldHomeAddress, id))
	})
}

// toFullWidth maps ASCII digits and X to their full-width forms.
func toFullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r - '0' + '０'
		case r == 'X':
			return 'Ｘ'
		case r == 'x':
			return 'ｘ'
		}
		return r
	}, s)
}

func FuzzContainsPersonalID(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "１１０１０５１９４９１２３１００２Ｘ", "110105 19491231 002X", "110105\u00a019491231\u3000002X",
		"电话 138-0013-8000，2024.01.01-2024.12.31", "110105 491231 002", "9110105 19491231 002X", "1 1 0 1 0 5 1 9 4 9 1 2 3 1 0 0 2 X", "\xff\xfe1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := domain.ContainsPersonalID(s)
		// Disguises do not change the answer: full-width digits and X, or another separator.
		if fw := toFullWidth(s); domain.ContainsPersonalID(fw) != got {
			t.Fatalf("%q → %v, full-width %q → %v", s, got, fw, !got)
		}
		if alt := strings.ReplaceAll(s, " ", "-"); domain.ContainsPersonalID(alt) != got {
			t.Fatalf("%q → %v, with hyphens %q → %v", s, got, alt, !got)
		}
		if alt := strings.ReplaceAll(s, "-", "\u3000"); domain.ContainsPersonalID(alt) != got {
			t.Fatalf("%q → %v, with ideographic spaces %q → %v", s, got, alt, !got)
		}
	})
}

// FuzzPersonalIDDisguised builds a valid resident ID number from seed and disguises it
// (digit forms and separators chosen by layout): the filter must always catch it.
func FuzzPersonalIDDisguised(f *testing.F) {
	f.Add(uint64(0), []byte{})
	f.Add(uint64(123456789), []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17})
	f.Add(uint64(1<<63), []byte{0x40, 0x81, 0xc2, 0x33})
	f.Fuzz(func(t *testing.T, seed uint64, layout []byte) {
		// area 6 digits, birth date 1900-01-01 + seed days (up to 2099), sequence 3 digits.
		area := 110000 + seed%890000
		days := int((seed / 890000) % 73000)
		born := domainDate(days)
		seq := (seed / 890000 / 73000) % 1000
		first17 := padInt(area, 6) + born + padInt(seq, 3)
		c, err := domain.ResidentIDCheckChar(first17)
		if err != nil {
			t.Fatal(err)
		}
		id := first17 + string(c)
		if domain.ValidateResidentID("id", id) != nil {
			t.Fatalf("built an invalid ID %q", id)
		}
		digitForms := []rune{'0', '０', '٠', '𝟎', '०'}
		seps := []string{"", " ", "-", ".", "/", "\u00a0", "\u3000", "－", "\u200b", " - "}
		var b strings.Builder
		b.WriteString("法人")
		for i, r := range id {
			var l byte
			if i < len(layout) {
				l = layout[i]
			}
			if r == 'X' {
				b.WriteString([]string{"X", "x", "Ｘ", "ｘ"}[l%4])
			} else {
				b.WriteRune(digitForms[int(l)%len(digitForms)] + (r - '0'))
			}
			if i < len(id)-1 {
				b.WriteString(seps[int(l>>3)%len(seps)])
			}
		}
		b.WriteString("。")
		if !domain.ContainsPersonalID(b.String()) {
			t.Fatalf("disguised ID %q (%s) not caught", b.String(), id)
		}
	})
}

func padInt(v uint64, n int) string {
	s := strings.Repeat("0", n) + big.NewInt(int64(v)).String()
	return s[len(s)-n:]
}

// domainDate returns YYYYMMDD of 1900-01-01 plus days.
func domainDate(days int) string {
	t, _ := domain.ParseTimestamp("t", "1900-01-01T00:00:00Z")
	return t.AddDate(0, 0, days).Format("20060102")
}

// FuzzDecodeRequests decodes data as every request type of the package. A request that
// validates is re-encoded and must decode and validate again.
func FuzzDecodeRequests(f *testing.F) {
	for _, s := range []string{`{}`, `{"reason":"x"}`, `{"reference":"BX-1","note":"n"}`, `{"certificate_number":"C-1","notes":"n"}`,
		`{"record":"91430111MA4L41YT1U","fields":["mobile"],"purpose":"AUDIT"}`, `{"record":"91430111MA4L41YT1U","field":"id_number"}`,
		`{"stage_id":"` + strings.Repeat("a", 64) + `","reason":"r"}`, `{"changes":{"mobile":"13800138000"},"reason":"r"}`, `[`, `{"a":1}`, `{"reason":"x"} x`} {
		f.Add(uint8(0), []byte(s))
	}
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		makers := []func() domain.Validator{
			func() domain.Validator { return &domain.IssueInvoiceRequest{} },
			func() domain.Validator { return &domain.ReverseInvoiceRequest{} },
			func() domain.Validator { return &domain.ClaimReimbursementRequest{} },
			func() domain.Validator { return &domain.RegisterBusinessRequest{} },
			func() domain.Validator { return &domain.AmendBusinessRequest{} },
			func() domain.Validator { return &domain.DepositRequest{} },
			func() domain.Validator { return &domain.DepositBatchRequest{} },
			func() domain.Validator { return &domain.CertifyRequest{} },
			func() domain.Validator { return &domain.CreateGrantRequest{} },
			func() domain.Validator { return &domain.ReadAccessRequest{} },
			func() domain.Validator { return &domain.VerifyAccessRequest{} },
			func() domain.Validator { return &domain.PersonalAmendRequest{} },
			func() domain.Validator { return &domain.PersonalChange{} },
			func() domain.Validator { return &domain.ReasonRequest{} },
			func() domain.Validator { return &domain.PersonalData{} },
			func() domain.Validator { return &domain.StageInput{} },
		}
		for i := range makers {
			if kind != 0 && int(kind)%len(makers) != i {
				continue
			}
			v := makers[i]()
			err := domain.DecodeValid("request", data, v)
			requireCoded(t, err)
			if err != nil {
				continue
			}
			again, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			w := makers[i]()
			if err := domain.DecodeValid("request", again, w); err != nil {
				t.Fatalf("%T: valid request %s re-encoded as %s is refused: %v", v, data, again, err)
			}
			domaintest.RequireSafeJSON(t, again)
		}
	})
}

// FuzzIDValidators checks the simple validators of identifiers and the error round trip.
func FuzzIDValidators(f *testing.F) {
	for _, s := range []string{"24442000000000000001", strings.Repeat("a", 32), strings.Repeat("f", 64), "CONFLICT: x", "chaincode response 500, INVALID: y", "", "\x00"} {
		f.Add(s, int32(0))
	}
	f.Fuzz(func(t *testing.T, s string, n int32) {
		if err := domain.ValidateInvoiceNumber("number", s); err == nil && len(s) != domain.InvoiceNumberLength {
			t.Fatalf("invoice number %q", s)
		} else {
			requireCoded(t, err)
		}
		if err := domain.ValidateEvidenceID(s); err == nil && len(s) != domain.EvidenceIDLength {
			t.Fatalf("evidence id %q", s)
		} else {
			requireCoded(t, err)
		}
		requireCoded(t, domain.ValidateGrantID(s))
		requireCoded(t, domain.ValidateTxID("tx", s))
		requireCoded(t, domain.ValidateNamePrefix(s))
		requireCoded(t, domain.ValidateStatusChange(s, s))
		if _, err := domain.NormalizeHash("hash", s); err == nil && len(s) != 64 {
			t.Fatalf("hash %q", s)
		} else {
			requireCoded(t, err)
		}
		_, err := domain.NormalizeHashAlgorithm("alg", s)
		requireCoded(t, err)
		_, err = domain.ParseTimestamp("t", s)
		requireCoded(t, err)
		size, err := domain.PageSize(n)
		requireCoded(t, err)
		if err == nil && (size < 1 || size > domain.MaxPageSize) {
			t.Fatalf("PageSize(%d) = %d", n, size)
		}
		if e, ok := domain.ParseError(s); ok {
			if !knownCodes[e.Code] || !strings.HasSuffix(s, e.Message) {
				t.Fatalf("ParseError(%q) = %+v", s, e)
			}
		}
		for code := range knownCodes {
			e, ok := domain.ParseError(domain.Errorf(code, "%s", s).Error())
			if !ok || e.Code != code || e.Message != s {
				t.Fatalf("round trip of %s %q: %+v %v", code, s, e, ok)
			}
		}
	})
}
