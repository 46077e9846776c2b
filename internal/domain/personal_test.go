package domain

import (
	"strings"
	"testing"
	"time"
)

func TestValidateResidentID(t *testing.T) {
	cases := []struct {
		name, id string
		code     Code
		frag     string
	}{
		{"the standard's example", "11010519491231002X", "", ""},
		{"another valid number", "110101198001010037", "", ""},
		{"wrong check character", "110105194912310021", CodeUnprocessable, "check character"},
		{"lower-case x", "11010519491231002x", CodeInvalid, "capital X"},
		{"15 digits", "110105491231002", CodeInvalid, "18 characters"},
		{"letter inside", "1101051949123100AX", CodeInvalid, "character 17"},
		{"impossible birth date", "110105194902300021", CodeUnprocessable, "birth date"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := ValidateResidentID("id_number", c.id)
			if ErrorCode(err) != c.code || c.frag != "" && !strings.Contains(err.Error(), c.frag) {
				t.Fatalf("want %q containing %q, got %v", c.code, c.frag, err)
			}
			if err != nil && strings.Contains(err.Error(), c.id) {
				t.Fatalf("the message echoes the value: %v", err)
			}
		})
	}
}

func TestPersonalDataValidate(t *testing.T) {
	cases := []struct {
		name string
		p    PersonalData
		code Code
	}{
		{"all three", PersonalData{IDNumber: "11010519491231002X", Mobile: "13912345678", HomeAddress: "厦门市湖里区1号"}, ""},
		{"mobile only", PersonalData{Mobile: "19912345678"}, ""},
		{"none", PersonalData{}, CodeInvalid},
		{"mobile with letters", PersonalData{Mobile: "1391234567a"}, CodeInvalid},
		{"mobile starting 12", PersonalData{Mobile: "12912345678"}, CodeUnprocessable},
		{"address hiding an ID number", PersonalData{HomeAddress: "号 11010519491231002X"}, CodeUnprocessable},
		{"address with a control character", PersonalData{HomeAddress: "a\x01b"}, CodeInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := ErrorCode(c.p.Validate()); got != c.code {
				t.Fatalf("want %q, got %q (%v)", c.code, got, c.p.Validate())
			}
		})
	}
}

func TestPersonalPreimageRoundTrip(t *testing.T) {
	salt := strings.Repeat("ab", 32)
	b := PersonalPreimage(FieldHomeAddress, salt, "line one")
	if string(b) != "govchain-pd/1\nhome_address\n"+salt+"\nline one" {
		t.Fatalf("preimage format changed: %q", b)
	}
	f, s, v, ok := ParsePersonalValue(b)
	if !ok || f != FieldHomeAddress || s != salt || v != "line one" {
		t.Fatalf("round trip: %q %q %q %v", f, s, v, ok)
	}
	if _, _, _, ok := ParsePersonalValue([]byte("other\nx\ny\nz")); ok {
		t.Fatal("a value of another format must not parse")
	}
	if PersonalHash(FieldMobile, salt, "13912345678") == PersonalHash(FieldMobile, strings.Repeat("cd", 32), "13912345678") {
		t.Fatal("the salt must change the hash")
	}
}

func TestCheckDeliveryWindow(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	rec := AccessRecord{ID: "a", Kind: AccessRead, Outcome: AccessGranted, AccessorCert: "c", At: at.Format(time.RFC3339)}
	cases := []struct {
		name string
		kind string
		cert string
		now  time.Time
		ok   bool
	}{
		{"at once", AccessRead, "c", at.Add(time.Second), true},
		{"at the end of the window", AccessRead, "c", at.Add(AccessWindow), true},
		{"after the window", AccessRead, "c", at.Add(AccessWindow + time.Second), false},
		{"a skewed clock", AccessRead, "c", at.Add(-30 * time.Second), true},
		{"far before", AccessRead, "c", at.Add(-AccessClockSkew - time.Second), false},
		{"another certificate", AccessRead, "d", at, false},
		{"another kind", AccessVerify, "c", at, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckDelivery(rec, c.kind, c.cert, c.now)
			if (err == nil) != c.ok || err != nil && ErrorCode(err) != CodeForbidden {
				t.Fatalf("ok=%v, got %v", c.ok, err)
			}
		})
	}
	denied := rec
	denied.Outcome, denied.DenyReason = AccessDenied, "no grant"
	if err := CheckDelivery(denied, AccessRead, "c", at); ErrorCode(err) != CodeForbidden {
		t.Fatalf("a denied access must not be delivered: %v", err)
	}
}

func TestGrantInForce(t *testing.T) {
	g := Grant{Status: GrantActive, ExpiresAt: "2027-01-01T00:00:00Z"}
	exp := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	if !g.InForceAt(exp.Add(-time.Second)) || g.InForceAt(exp) {
		t.Fatal("a grant is in force strictly before its expiry")
	}
	g.Status = GrantRevoked
	if g.InForceAt(exp.Add(-time.Hour)) {
		t.Fatal("a revoked grant is not in force")
	}
}

func TestAccessFilter(t *testing.T) {
	f := AccessFilter{From: "2026-12-01T18:00:00+08:00", To: "2026-12-02T00:00:00Z"}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	if f.From != "2026-12-01T10:00:00Z" {
		t.Fatalf("times are normalised to UTC: %s", f.From)
	}
	in := AccessRecord{At: "2026-12-01T10:00:00Z"}
	out := AccessRecord{At: "2026-12-02T00:00:00Z"}
	if !f.Matches(in) || f.Matches(out) {
		t.Fatal("from is inclusive, to exclusive")
	}
	for _, bad := range []AccessFilter{{From: "x"}, {Accessor: "Org9MSP"}, {Record: "1"}, {From: "2026-12-02T00:00:00Z", To: "2026-12-01T00:00:00Z"}} {
		if ErrorCode(bad.Validate()) != CodeInvalid {
			t.Fatalf("%+v must be INVALID", bad)
		}
	}
}

func TestMayViewAccess(t *testing.T) {
	rec := AccessRecord{OwnerOrg: MarketMSP, AccessorOrg: TaxMSP}
	for org, want := range map[string]bool{AuditMSP: true, MarketMSP: true, TaxMSP: true, NotaryMSP: false} {
		if MayViewAccess(org, rec) != want {
			t.Errorf("%s: want %v", org, want)
		}
	}
}

func TestResidentIDCheckChar(t *testing.T) {
	for _, tc := range []struct {
		first17 string
		want    byte
		wantErr bool
	}{
		{"11010519491231002", 'X', false},
		{"35020319800101001", 0, false}, // computed below against the validator
		{"1101051949123100", 0, true},
		{"1101051949123100A", 0, true},
	} {
		t.Run(tc.first17, func(t *testing.T) {
			c, err := ResidentIDCheckChar(tc.first17)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("want an error, got %q", c)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != 0 && c != tc.want {
				t.Fatalf("check character %q, want %q", c, tc.want)
			}
			if err := ValidateResidentID("id_number", tc.first17+string(c)); err != nil {
				t.Fatalf("the completed number is refused: %v", err)
			}
		})
	}
}
