package contracts_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

// The standard's own example ID number and a mobile number; never to appear in public state.
const (
	testID     = "11010519491231002X"
	testMobile = "13912345678"
	testHome   = "厦门市湖里区示例路8号"
)

var (
	taxFinance2 = identity{domain.TaxMSP, "finance2@tax", domain.RoleFinance}
	taxAdmin    = identity{domain.TaxMSP, "admin@tax", ""}
)

func salt(c byte) string { return strings.Repeat(string(c), domain.SaltLength) }

// stageInput is the transient map of personal:Stage for the given values (salts fixed
// per field, as the gateway would draw them at random).
func stageInput(t testing.TB, id, mobile, home string) map[string][]byte {
	in := domain.StageInput{}
	if id != "" {
		in[domain.FieldIDNumber] = domain.SaltedValue{Value: id, Salt: salt('1')}
	}
	if mobile != "" {
		in[domain.FieldMobile] = domain.SaltedValue{Value: mobile, Salt: salt('2')}
	}
	if home != "" {
		in[domain.FieldHomeAddress] = domain.SaltedValue{Value: home, Salt: salt('3')}
	}
	return map[string][]byte{"personal": []byte(mustJSON(t, in))}
}

// registerPersonal stages personal data and registers the business bound to it.
func (h *harness) registerPersonal(uscc string) domain.Business {
	h.t.Helper()
	st := decode[domain.StageResult](h.t, h.callT(registrar, stageInput(h.t, testID, testMobile, testHome), "personal:Stage", uscc).ok(h.t))
	return decode[domain.Business](h.t, h.call(registrar, "business:RegisterWithPersonal", mustJSON(h.t, registration(uscc, "个人数据公司")), st.StageID).ok(h.t))
}

func grantRequest(uscc, grantee, purpose string, expires time.Time, fields ...string) string {
	return fmt.Sprintf(`{"record":%q,"grantee":%q,"fields":%s,"purpose":%q,"purpose_detail":"核验法定代表人身份","expires_at":%q}`,
		uscc, grantee, mustJSONString(fields), purpose, expires.UTC().Format(time.RFC3339))
}

func mustJSONString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func readRequest(uscc, purpose string, fields ...string) string {
	return fmt.Sprintf(`{"record":%q,"fields":%s,"purpose":%q}`, uscc, mustJSONString(fields), purpose)
}

// publicBytes is every public value on the ledger, plus every event.
func (h *harness) publicBytes() string {
	var sb strings.Builder
	for k, v := range h.ledger.state {
		sb.WriteString(k)
		sb.Write(v)
	}
	for _, e := range h.ledger.events {
		sb.Write(e.payload)
	}
	return sb.String()
}

func TestStageWritesOnlyPrivateData(t *testing.T) {
	h := newHarness(t)
	uscc := usccFor(t, 1)
	r := h.callT(registrar, stageInput(t, testID, testMobile, ""), "personal:Stage", uscc)
	st := decode[domain.StageResult](t, r.ok(t))
	require.Equal(t, txIDFor(1), st.StageID)
	require.Empty(t, r.stub.writes, "a stage writes no public state: only the owner's peer endorses it")
	require.Len(t, r.stub.pwrites, 3, "two values and the stage list")
	coll := domain.PersonalCollection(domain.MarketMSP)
	require.Equal(t, "personalMarket", coll)
	for _, f := range []struct{ field, value, salt string }{{domain.FieldIDNumber, testID, salt('1')}, {domain.FieldMobile, testMobile, salt('2')}} {
		stored := h.ledger.private[coll]["pd~"+uscc+"~"+st.StageID+"~"+f.field]
		require.Equal(t, domain.PersonalPreimage(f.field, f.salt, f.value), stored)
		sum := sha256.Sum256(stored)
		require.Equal(t, hex.EncodeToString(sum[:]), st.Hashes[f.field], "the returned hash is the hash Fabric keeps on every peer")
	}
	require.NotContains(t, h.publicBytes(), testID)
	require.NotContains(t, h.publicBytes(), testMobile)
	name, ev := h.lastEvent(t)
	require.Equal(t, domain.EventPersonalDataStaged, name)
	require.NotContains(t, string(ev.State), testID)
}

func TestStageRefusals(t *testing.T) {
	h := newHarness(t)
	uscc := usccFor(t, 1)
	final := usccFor(t, 2)
	h.register(final, "已注销公司")
	h.call(registrar, "business:ChangeStatus", final, "DEREGISTERED", "注销").ok(t)
	wrongCheck := "110105194912310021"
	cases := []struct {
		name      string
		who       identity
		transient map[string][]byte
		uscc      string
		code      domain.Code
		fragments []string
	}{
		{"values as arguments are refused", registrar, nil, uscc, domain.CodeInvalid, []string{"transient data"}},
		{"no field", registrar, map[string][]byte{"personal": []byte(`{}`)}, uscc, domain.CodeInvalid, []string{"at least one"}},
		{"unknown field", registrar, map[string][]byte{"personal": []byte(`{"email":{"value":"a","salt":"` + salt('1') + `"}}`)}, uscc, domain.CodeInvalid, []string{"unknown personal field"}},
		{"wrong ID check character", registrar, stageInput(t, wrongCheck, "", ""), uscc, domain.CodeUnprocessable, []string{"check character"}},
		{"bad salt", registrar, map[string][]byte{"personal": []byte(`{"mobile":{"value":"` + testMobile + `","salt":"x"}}`)}, uscc, domain.CodeInvalid, []string{"salt of mobile"}},
		{"bad mobile", registrar, stageInput(t, "", "12345", ""), uscc, domain.CodeInvalid, []string{"mobile must be 11 digits"}},
		{"final business", registrar, stageInput(t, testID, "", ""), final, domain.CodeConflict, []string{"DEREGISTERED"}},
		{"tax registrar", taxRegistrar, stageInput(t, testID, "", ""), uscc, domain.CodeForbidden, []string{"MarketMSP"}},
		{"market finance", marketFinance, stageInput(t, testID, "", ""), uscc, domain.CodeForbidden, []string{"registrar"}},
		{"auditor", auditor, stageInput(t, testID, "", ""), uscc, domain.CodeForbidden, []string{"read-only"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.callT(c.who, c.transient, "personal:Stage", c.uscc)
			r.fails(t, c.code, c.fragments...)
			require.NotContains(t, r.message, wrongCheck, "a refusal never echoes a personal value")
			require.NotContains(t, r.message, testID)
		})
	}
}

func TestRegisterWithPersonalBindsHashes(t *testing.T) {
	h := newHarness(t)
	uscc := usccFor(t, 1)
	b := h.registerPersonal(uscc)
	require.NotNil(t, b.Personal)
	require.Len(t, b.Personal.Fields, 3)
	for i, f := range domain.PersonalFields() {
		require.Equal(t, f, b.Personal.Fields[i].Field)
		require.Equal(t, txIDFor(1), b.Personal.Fields[i].StageTxID)
	}
	ref, _ := b.Personal.Field(domain.FieldIDNumber)
	require.Equal(t, domain.PersonalHash(domain.FieldIDNumber, salt('1'), testID), ref.Hash,
		"anyone holding the value and the salt can recompute the public hash")
	require.Nil(t, b.Personal.Erased)
	require.NotContains(t, h.publicBytes(), testID)
	require.NotContains(t, h.publicBytes(), testMobile)
	require.NotContains(t, h.publicBytes(), testHome)

	t.Run("every endorser computes the same record: a peer without the values included", func(t *testing.T) {
		u := usccFor(t, 2)
		st := decode[domain.StageResult](t, h.callT(registrar, stageInput(t, testID, "", ""), "personal:Stage", u).ok(t))
		args := []string{mustJSON(t, registration(u, "两个背书方公司")), st.StageID}
		seq := h.seq
		onMarket := h.simulate(registrar, "business:RegisterWithPersonal", args...)
		h.seq = seq
		h.ledger.peerMSP = domain.TaxMSP
		onTax := h.simulate(registrar, "business:RegisterWithPersonal", args...)
		h.ledger.peerMSP = domain.MarketMSP
		require.Equal(t, onMarket.payload, onTax.payload)
		require.Equal(t, onMarket.stub.writes, onTax.stub.writes)
	})
	t.Run("a stage that is not on the ledger is not bound", func(t *testing.T) {
		h.call(registrar, "business:RegisterWithPersonal", mustJSON(t, registration(usccFor(t, 3), "无暂存公司")), txIDFor(999)).
			fails(t, domain.CodeNotFound, "no personal data staged")
		h.call(registrar, "business:RegisterWithPersonal", mustJSON(t, registration(usccFor(t, 3), "无暂存公司")), "x").
			fails(t, domain.CodeInvalid, "stageID")
	})
}

// simulate runs a transaction without committing it, as an endorsing peer does.
func (h *harness) simulate(id identity, fn string, args ...string) result {
	h.t.Helper()
	return h.invoke(id, nil, false, fn, args...)
}

func TestGrantRules(t *testing.T) {
	h := newHarness(t)
	uscc := usccFor(t, 1)
	h.registerPersonal(uscc)
	plain := usccFor(t, 2)
	h.register(plain, "无个人数据公司")
	now := start.Add(10 * time.Minute)
	year := start.AddDate(1, 0, 0)
	cases := []struct {
		name      string
		who       identity
		request   string
		code      domain.Code
		fragments []string
	}{
		{"granting itself", registrar, grantRequest(uscc, domain.MarketMSP, domain.PurposeAudit, now.Add(time.Hour), domain.FieldIDNumber), domain.CodeUnprocessable, []string{"needs no grant"}},
		{"expiry in the past", registrar, grantRequest(uscc, domain.TaxMSP, domain.PurposeTaxIdentityCheck, start, domain.FieldIDNumber), domain.CodeUnprocessable, []string{"is not after the grant time"}},
		{"expiry beyond a year", registrar, grantRequest(uscc, domain.TaxMSP, domain.PurposeTaxIdentityCheck, year.Add(time.Hour), domain.FieldIDNumber), domain.CodeUnprocessable, []string{"more than 1 year"}},
		{"owner-only purpose", registrar, grantRequest(uscc, domain.TaxMSP, domain.PurposeRegistrationManagement, now, domain.FieldIDNumber), domain.CodeInvalid, []string{"purpose must be one of"}},
		{"unknown field", registrar, grantRequest(uscc, domain.TaxMSP, domain.PurposeTaxIdentityCheck, now, "email"), domain.CodeInvalid, []string{"unknown personal field"}},
		{"duplicate field", registrar, grantRequest(uscc, domain.TaxMSP, domain.PurposeTaxIdentityCheck, now, domain.FieldMobile, domain.FieldMobile), domain.CodeInvalid, []string{"twice"}},
		{"unknown grantee", registrar, grantRequest(uscc, "Org9MSP", domain.PurposeTaxIdentityCheck, now, domain.FieldMobile), domain.CodeInvalid, []string{"grantee"}},
		{"no personal data", registrar, grantRequest(plain, domain.TaxMSP, domain.PurposeTaxIdentityCheck, now, domain.FieldMobile), domain.CodeNotFound, []string{"has no personal data"}},
		{"unknown business", registrar, grantRequest(usccFor(t, 3), domain.TaxMSP, domain.PurposeTaxIdentityCheck, now, domain.FieldMobile), domain.CodeNotFound, []string{"not registered"}},
		{"wrong org", taxRegistrar, grantRequest(uscc, domain.NotaryMSP, domain.PurposeCourtProceedings, now, domain.FieldMobile), domain.CodeForbidden, []string{"only the owner"}},
		{"wrong role", marketFinance, grantRequest(uscc, domain.TaxMSP, domain.PurposeTaxIdentityCheck, now, domain.FieldMobile), domain.CodeForbidden, []string{"requires role registrar"}},
		{"auditor is read-only", auditor, grantRequest(uscc, domain.TaxMSP, domain.PurposeTaxIdentityCheck, now, domain.FieldMobile), domain.CodeForbidden, []string{"read-only"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.call(c.who, "grant:Create", c.request).fails(t, c.code, c.fragments...)
		})
	}

	t.Run("create, list, revoke once, with history", func(t *testing.T) {
		g := decode[domain.Grant](t, h.call(registrar, "grant:Create", grantRequest(uscc, domain.TaxMSP, domain.PurposeTaxIdentityCheck, year, domain.FieldMobile, domain.FieldIDNumber)).ok(t))
		require.Equal(t, domain.GrantActive, g.Status)
		require.Equal(t, []string{domain.FieldIDNumber, domain.FieldMobile}, g.Fields, "fields in catalogue order")
		require.Len(t, g.ID, 32)
		require.Equal(t, domain.MarketMSP, g.OwnerOrg)
		require.NotEmpty(t, h.ledger.vparams["grt~"+g.ID], "a grant carries the owner's state-based endorsement policy")
		for _, q := range [][2]string{{uscc, ""}, {"", domain.TaxMSP}, {uscc, domain.TaxMSP}, {"", ""}} {
			page := decode[domain.GrantPage](t, h.call(auditor, "grant:List", q[0], q[1], "10", "").ok(t))
			require.Len(t, page.Records, 1, "list %v", q)
			require.Equal(t, g.ID, page.Records[0].ID)
		}
		require.Empty(t, decode[domain.GrantPage](t, h.call(auditor, "grant:List", "", domain.NotaryMSP, "10", "").ok(t)).Records)

		h.call(taxRegistrar, "grant:Revoke", g.ID, "越权").fails(t, domain.CodeForbidden)
		h.call(registrar, "grant:Revoke", g.ID, "").fails(t, domain.CodeInvalid, "reason is required")
		r := decode[domain.Grant](t, h.call(registrar, "grant:Revoke", g.ID, "核验完毕").ok(t))
		require.Equal(t, domain.GrantRevoked, r.Status)
		require.Equal(t, "核验完毕", r.Revocation.Reason)
		h.call(registrar, "grant:Revoke", g.ID, "again").fails(t, domain.CodeConflict, "already revoked")
		hist := decode[domain.HistoryPage](t, h.call(auditor, "grant:History", g.ID, "0", "").ok(t))
		require.Len(t, hist.Entries, 2)
		h.call(auditor, "grant:Get", strings.Repeat("0", 32)).fails(t, domain.CodeNotFound)
		h.call(auditor, "grant:Get", strings.Repeat("A", 32)).fails(t, domain.CodeInvalid)
		h.call(auditor, "grant:Get", "nope").fails(t, domain.CodeInvalid)
	})
}

func TestReadAccessDecisions(t *testing.T) {
	h := newHarness(t)
	uscc := usccFor(t, 1)
	h.registerPersonal(uscc)
	far := start.AddDate(0, 6, 0)
	mk := func(who identity, grantee, purpose string, exp time.Time, fields ...string) string {
		return decode[domain.Grant](t, h.call(registrar, "grant:Create", grantRequest(uscc, grantee, purpose, exp, fields...)).ok(t)).ID
	}
	good := mk(registrar, domain.TaxMSP, domain.PurposeTaxIdentityCheck, far, domain.FieldIDNumber, domain.FieldMobile)
	mk(registrar, domain.NotaryMSP, domain.PurposeCourtProceedings, far, domain.FieldMobile)
	mk(registrar, domain.NotaryMSP, domain.PurposeSocialInsurance, start.Add(20*time.Minute), domain.FieldIDNumber)
	audit := mk(registrar, domain.AuditMSP, domain.PurposeAudit, far, domain.FieldHomeAddress)
	for h.seq < 25 { // move the transaction time past the short grant's expiry
		h.call(auditor, "business:Get", uscc).ok(t)
	}

	cases := []struct {
		name    string
		who     identity
		request string
		outcome string
		basis   string
		grant   string
		reason  []string
	}{
		{"grantee within its grant", taxFinance, readRequest(uscc, domain.PurposeTaxIdentityCheck, domain.FieldIDNumber), domain.AccessGranted, domain.BasisGrant, good, nil},
		{"any identity of the grantee org", taxAdmin, readRequest(uscc, domain.PurposeTaxIdentityCheck, domain.FieldMobile, domain.FieldIDNumber), domain.AccessGranted, domain.BasisGrant, good, nil},
		{"the owner's registrar", registrar, readRequest(uscc, domain.PurposeRegistrationManagement, domain.FieldHomeAddress), domain.AccessGranted, domain.BasisOwner, "", nil},
		{"auditors under an AUDIT grant", auditor, readRequest(uscc, domain.PurposeAudit, domain.FieldHomeAddress), domain.AccessGranted, domain.BasisGrant, audit, nil},
		{"a field the grant does not cover", notary, readRequest(uscc, domain.PurposeCourtProceedings, domain.FieldIDNumber), domain.AccessDenied, "", "", []string{"does not cover id_number"}},
		{"another purpose", taxFinance, readRequest(uscc, domain.PurposeSocialInsurance, domain.FieldMobile), domain.AccessDenied, "", "", []string{"is for purpose TAX_IDENTITY_CHECK"}},
		{"an expired grant", notaryDepositor, readRequest(uscc, domain.PurposeSocialInsurance, domain.FieldIDNumber), domain.AccessDenied, "", "", []string{"expired at"}},
		{"an org without grant", auditor, readRequest(uscc, domain.PurposeCourtProceedings, domain.FieldMobile), domain.AccessDenied, "", "", []string{"is for purpose AUDIT"}},
		{"the owner's other roles", marketFinance, readRequest(uscc, domain.PurposeRegistrationManagement, domain.FieldMobile), domain.AccessDenied, "", "", []string{"reserved to the registrar"}},
		{"the owner-only purpose by another org", taxFinance, readRequest(uscc, domain.PurposeRegistrationManagement, domain.FieldMobile), domain.AccessDenied, "", "", []string{"reserved"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(h.ledger.events)
			r := h.call(c.who, "access:RecordRead", c.request)
			rec := decode[domain.AccessRecord](t, r.ok(t))
			require.Equal(t, c.outcome, rec.Outcome)
			require.Equal(t, c.basis, rec.Basis)
			require.Equal(t, c.grant, rec.GrantID)
			require.Equal(t, r.stub.txID, rec.ID)
			require.Equal(t, c.who.msp, rec.AccessorOrg)
			require.Equal(t, c.who.cn, rec.Accessor)
			require.Equal(t, domain.MarketMSP, rec.OwnerOrg)
			require.Len(t, rec.AccessorCert, 64)
			for _, f := range rec.Fields {
				require.Len(t, rec.FieldHashes[f], 64, "the trail records which value version was asked for")
			}
			for _, frag := range c.reason {
				require.Contains(t, rec.DenyReason, frag)
			}
			require.Len(t, h.ledger.events, before+1, "denied attempts are recorded and emitted as well")
			require.JSONEq(t, r.payload, string(h.ledger.state["acc~"+rec.ID]))
		})
	}

	t.Run("a revoked grant denies", func(t *testing.T) {
		h.call(registrar, "grant:Revoke", good, "结束").ok(t)
		rec := decode[domain.AccessRecord](t, h.call(taxFinance, "access:RecordRead", readRequest(uscc, domain.PurposeTaxIdentityCheck, domain.FieldIDNumber)).ok(t))
		require.Equal(t, domain.AccessDenied, rec.Outcome)
		require.Contains(t, rec.DenyReason, "is REVOKED")
	})
	t.Run("refusals that record nothing", func(t *testing.T) {
		plain := usccFor(t, 2)
		h.register(plain, "无个人数据公司")
		h.call(taxFinance, "access:RecordRead", readRequest(plain, domain.PurposeTaxIdentityCheck, domain.FieldIDNumber)).fails(t, domain.CodeNotFound, "has no personal data")
		h.call(taxFinance, "access:RecordRead", readRequest(usccFor(t, 3), domain.PurposeTaxIdentityCheck, domain.FieldIDNumber)).fails(t, domain.CodeNotFound, "not registered")
		h.call(taxFinance, "access:RecordRead", readRequest(uscc, "CURIOSITY", domain.FieldIDNumber)).fails(t, domain.CodeInvalid, "purpose must be one of")
		h.call(taxFinance, "access:RecordRead", readRequest(uscc, domain.PurposeTaxIdentityCheck)).fails(t, domain.CodeInvalid, "at least one")
		h.call(outsider, "access:RecordRead", readRequest(uscc, domain.PurposeTaxIdentityCheck, domain.FieldIDNumber)).fails(t, domain.CodeForbidden, "not a member")
	})
}

func TestPersonalReadDelivery(t *testing.T) {
	h := newHarness(t)
	uscc := usccFor(t, 1)
	h.registerPersonal(uscc)
	h.call(registrar, "grant:Create", grantRequest(uscc, domain.TaxMSP, domain.PurposeTaxIdentityCheck, start.AddDate(0, 1, 0), domain.FieldIDNumber, domain.FieldMobile)).ok(t)
	access := func(who identity, fields ...string) domain.AccessRecord {
		return decode[domain.AccessRecord](t, h.call(who, "access:RecordRead", readRequest(uscc, domain.PurposeTaxIdentityCheck, fields...)).ok(t))
	}

	t.Run("the accessor gets the values, salts and hashes of the recorded fields", func(t *testing.T) {
		rec := access(taxFinance, domain.FieldIDNumber, domain.FieldMobile)
		res := decode[domain.PersonalReadResult](t, h.call(taxFinance, "personal:Read", rec.ID).ok(t))
		require.Equal(t, rec.ID, res.AccessID)
		require.Equal(t, testID, res.Fields[domain.FieldIDNumber].Value)
		require.Equal(t, testMobile, res.Fields[domain.FieldMobile].Value)
		require.NotContains(t, res.Fields, domain.FieldHomeAddress)
		for f, v := range res.Fields {
			require.Equal(t, domain.PersonalHash(f, v.Salt, v.Value), v.Hash)
			require.Equal(t, rec.FieldHashes[f], v.Hash)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		granted := access(taxFinance, domain.FieldIDNumber)
		denied := decode[domain.AccessRecord](t, h.call(notaryFinance, "access:RecordRead", readRequest(uscc, domain.PurposeCourtProceedings, domain.FieldIDNumber)).ok(t))
		verify := decode[domain.AccessRecord](t, h.call(taxFinance, "access:RecordVerify", `{"record":"`+uscc+`","field":"mobile"}`).ok(t))
		cases := []struct {
			name      string
			who       identity
			id        string
			code      domain.Code
			fragments []string
		}{
			{"another identity of the same org", taxFinance2, granted.ID, domain.CodeForbidden, []string{"not for the caller"}},
			{"a denied access", notaryFinance, denied.ID, domain.CodeForbidden, []string{"was denied"}},
			{"a verification record", taxFinance, verify.ID, domain.CodeForbidden, []string{"is a VERIFY"}},
			{"an unknown access", taxFinance, txIDFor(4242), domain.CodeNotFound, []string{"not recorded"}},
			{"a malformed id", taxFinance, "abc", domain.CodeInvalid, []string{"access id"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := h.call(c.who, "personal:Read", c.id)
				require.NotEqual(t, 200, int(r.status))
				e, ok := domain.ParseError(r.message)
				require.True(t, ok, r.message)
				require.Equal(t, c.code, e.Code, r.message)
				for _, f := range c.fragments {
					require.Contains(t, r.message, f)
				}
				require.NotContains(t, r.message, testID)
			})
		}
	})
	t.Run("only within the access window", func(t *testing.T) {
		rec := access(taxFinance, domain.FieldMobile)
		for i := 0; i < 2; i++ {
			h.call(auditor, "business:Get", uscc).ok(t) // two minutes pass
		}
		r := h.call(taxFinance, "personal:Read", rec.ID)
		require.Contains(t, r.message, "FORBIDDEN: ")
		require.Contains(t, r.message, "request access again")
	})
	t.Run("a peer without the values says so instead of answering", func(t *testing.T) {
		rec := access(taxFinance, domain.FieldMobile)
		h.ledger.peerMSP = domain.TaxMSP
		r := h.call(taxFinance, "personal:Read", rec.ID)
		h.ledger.peerMSP = domain.MarketMSP
		require.Contains(t, r.message, "NOT_FOUND: this peer does not hold")
	})
	t.Run("a grant revoked after the access stops delivery", func(t *testing.T) {
		g := decode[domain.Grant](t, h.call(registrar, "grant:Create", grantRequest(uscc, domain.NotaryMSP, domain.PurposeCourtProceedings, start.AddDate(0, 1, 0), domain.FieldMobile)).ok(t))
		rec := decode[domain.AccessRecord](t, h.call(notary, "access:RecordRead", readRequest(uscc, domain.PurposeCourtProceedings, domain.FieldMobile)).ok(t))
		require.Equal(t, domain.AccessGranted, rec.Outcome)
		h.call(registrar, "grant:Revoke", g.ID, "案件撤回").ok(t)
		r := h.call(notary, "personal:Read", rec.ID)
		require.Contains(t, r.message, "FORBIDDEN: grant "+g.ID+" is no longer in force")
	})
	t.Run("a value amended after the access is not delivered", func(t *testing.T) {
		st := decode[domain.StageResult](t, h.callT(registrar, stageInput(t, "", "13800000000", ""), "personal:Stage", uscc).ok(t))
		rec := access(taxFinance, domain.FieldMobile)
		h.call(registrar, "business:AmendPersonal", uscc, `{"stage_id":"`+st.StageID+`","reason":"换号"}`).ok(t)
		r := h.call(taxFinance, "personal:Read", rec.ID)
		require.Contains(t, r.message, "CONFLICT: mobile of business "+uscc+" changed after access")
	})
}

func TestVerifyWithoutDisclosure(t *testing.T) {
	h := newHarness(t)
	uscc := usccFor(t, 1)
	h.registerPersonal(uscc)
	for _, c := range []struct {
		name      string
		who       identity
		candidate string
		match     bool
	}{
		{"the registered value, by an agency without grant", notaryFinance, testID, true},
		{"another value", taxDepositor, "110101198001010037", false},
		{"auditors may verify too", auditor, testID, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := decode[domain.AccessRecord](t, h.call(c.who, "access:RecordVerify", `{"record":"`+uscc+`","field":"id_number"}`).ok(t))
			require.Equal(t, domain.AccessVerify, rec.Kind)
			require.Equal(t, domain.BasisVerification, rec.Basis)
			r := h.callT(c.who, map[string][]byte{"value": []byte(c.candidate)}, "personal:Verify", rec.ID)
			res := decode[domain.VerifyResult](t, r.ok(t))
			require.Equal(t, c.match, res.Match)
			require.NotContains(t, r.payload, testID, "the answer discloses nothing")
		})
	}
	t.Run("the value travels as transient data only", func(t *testing.T) {
		rec := decode[domain.AccessRecord](t, h.call(taxFinance, "access:RecordVerify", `{"record":"`+uscc+`","field":"mobile"}`).ok(t))
		r := h.call(taxFinance, "personal:Verify", rec.ID)
		require.Contains(t, r.message, "INVALID: the value to verify must be sent as transient data")
	})
	t.Run("unregistered field", func(t *testing.T) {
		u := usccFor(t, 2)
		st := decode[domain.StageResult](t, h.callT(registrar, stageInput(t, testID, "", ""), "personal:Stage", u).ok(t))
		h.call(registrar, "business:RegisterWithPersonal", mustJSON(t, registration(u, "仅身份证公司")), st.StageID).ok(t)
		h.call(taxFinance, "access:RecordVerify", `{"record":"`+u+`","field":"mobile"}`).fails(t, domain.CodeUnprocessable, "has no mobile registered")
	})
}

func TestAmendPruneAndErase(t *testing.T) {
	h := newHarness(t)
	uscc := usccFor(t, 1)
	orig := h.registerPersonal(uscc)
	coll := domain.PersonalCollection(domain.MarketMSP)

	// A stage whose binding never committed, then an amendment of the mobile number.
	h.callT(registrar, stageInput(t, "", "13700000000", ""), "personal:Stage", uscc).ok(t)
	st := decode[domain.StageResult](t, h.callT(registrar, stageInput(t, "", "13800000000", ""), "personal:Stage", uscc).ok(t))
	require.Len(t, valueKeys(h, coll), 5)
	b := decode[domain.Business](t, h.call(registrar, "business:AmendPersonal", uscc, `{"stage_id":"`+st.StageID+`","reason":"法定代表人换号"}`).ok(t))
	mobile, _ := b.Personal.Field(domain.FieldMobile)
	oldMobile, _ := orig.Personal.Field(domain.FieldMobile)
	require.Equal(t, st.Hashes[domain.FieldMobile], mobile.Hash)
	require.Equal(t, st.StageID, mobile.StageTxID)
	last := b.Amendments[len(b.Amendments)-1]
	require.Equal(t, []domain.FieldChange{{Field: "personal.mobile", From: oldMobile.Hash, To: mobile.Hash}}, last.Changes)
	idRef, _ := b.Personal.Field(domain.FieldIDNumber)
	require.Equal(t, txIDFor(1), idRef.StageTxID, "fields not staged keep their value")

	t.Run("prune purges what the record does not bind", func(t *testing.T) {
		res := decode[domain.PurgeResult](t, h.call(registrar, "personal:Prune", uscc).ok(t))
		require.Equal(t, 2, res.Purged, "the superseded mobile and the unbound stage")
		require.Len(t, valueKeys(h, coll), 3)
		// A transaction without writes would be judged by the chaincode-level policy and fail.
		h.call(registrar, "personal:Prune", uscc).fails(t, domain.CodeConflict, "nothing to purge")
		h.call(taxRegistrar, "personal:Prune", uscc).fails(t, domain.CodeForbidden)
	})
	t.Run("prune of a business that was never registered purges its stages", func(t *testing.T) {
		u := usccFor(t, 9)
		h.callT(registrar, stageInput(t, testID, "", ""), "personal:Stage", u).ok(t)
		require.Equal(t, 1, decode[domain.PurgeResult](t, h.call(registrar, "personal:Prune", u).ok(t)).Purged)
	})
	t.Run("erasure only once DEREGISTERED, then purge, hashes stay", func(t *testing.T) {
		h.call(registrar, "business:ErasePersonal", uscc, "注销后删除").fails(t, domain.CodeConflict, "only be erased once it is DEREGISTERED")
		h.call(registrar, "personal:Erase", uscc).fails(t, domain.CodeConflict, "not marked erased")
		h.call(registrar, "business:ChangeStatus", uscc, "DEREGISTERED", "注销").ok(t)
		h.call(registrar, "business:ErasePersonal", uscc, "").fails(t, domain.CodeInvalid, "reason is required")
		h.call(taxRegistrar, "business:ErasePersonal", uscc, "x").fails(t, domain.CodeForbidden)
		e := decode[domain.Business](t, h.call(registrar, "business:ErasePersonal", uscc, "注销后删除").ok(t))
		require.NotNil(t, e.Personal.Erased)
		require.Len(t, e.Personal.Fields, 3, "the hashes remain")
		require.Equal(t, 3, decode[domain.PurgeResult](t, h.call(registrar, "personal:Erase", uscc).ok(t)).Purged)
		require.Empty(t, h.ledger.private[coll], "every value and the stage list are purged")
		h.call(registrar, "business:ErasePersonal", uscc, "again").fails(t, domain.CodeConflict, "already erased")
		h.call(registrar, "personal:Erase", uscc).fails(t, domain.CodeConflict, "nothing to purge")
		h.call(registrar, "access:RecordRead", readRequest(uscc, domain.PurposeRegistrationManagement, domain.FieldIDNumber)).fails(t, domain.CodeConflict, "was erased")
		h.call(registrar, "grant:Create", grantRequest(uscc, domain.TaxMSP, domain.PurposeAudit, start.AddDate(0, 1, 0), domain.FieldMobile)).fails(t, domain.CodeConflict, "was erased")
		h.callT(registrar, stageInput(t, testID, "", ""), "personal:Stage", uscc).fails(t, domain.CodeConflict, "DEREGISTERED")
	})
}

// valueKeys lists the private keys of personal values (not the stage lists).
func valueKeys(h *harness, coll string) []string {
	var out []string
	for k := range h.ledger.private[coll] {
		if !strings.HasPrefix(k, "pd~stages~") {
			out = append(out, k)
		}
	}
	return out
}

func TestAccessTrailListing(t *testing.T) {
	h := newHarness(t)
	a, b := usccFor(t, 1), usccFor(t, 2)
	h.registerPersonal(a)
	h.registerPersonal(b)
	exp := start.AddDate(0, 1, 0)
	h.call(registrar, "grant:Create", grantRequest(a, domain.TaxMSP, domain.PurposeTaxIdentityCheck, exp, domain.FieldIDNumber)).ok(t)
	read := func(who identity, uscc, purpose string) domain.AccessRecord {
		return decode[domain.AccessRecord](t, h.call(who, "access:RecordRead", readRequest(uscc, purpose, domain.FieldIDNumber)).ok(t))
	}
	r1 := read(taxFinance, a, domain.PurposeTaxIdentityCheck)      // granted
	r2 := read(taxFinance, b, domain.PurposeTaxIdentityCheck)      // denied
	r3 := read(notary, a, domain.PurposeCourtProceedings)          // denied
	r4 := read(registrar, b, domain.PurposeRegistrationManagement) // owner
	ids := func(p domain.AccessPage) []string {
		var out []string
		for _, r := range p.Records {
			out = append(out, r.ID)
		}
		return out
	}
	list := func(who identity, record, accessor, from, to, size, bookmark string) domain.AccessPage {
		return decode[domain.AccessPage](t, h.call(who, "access:List", record, accessor, from, to, size, bookmark).ok(t))
	}
	cases := []struct {
		name                       string
		who                        identity
		record, accessor, from, to string
		want                       []string
	}{
		{"auditors see every access in time order", auditor, "", "", "", "", []string{r1.ID, r2.ID, r3.ID, r4.ID}},
		{"by record", auditor, a, "", "", "", []string{r1.ID, r3.ID}},
		{"by accessor", auditor, "", domain.TaxMSP, "", "", []string{r1.ID, r2.ID}},
		{"by period [from, to)", auditor, "", "", r2.At, r4.At, []string{r2.ID, r3.ID}},
		{"the owner sees the accesses to its records", registrar, "", "", "", "", []string{r1.ID, r2.ID, r3.ID, r4.ID}},
		{"an accessor sees its own accesses", taxFinance, "", domain.TaxMSP, "", "", []string{r1.ID, r2.ID}},
		{"an accessor does not see others' accesses to a record it does not own", taxFinance, a, "", "", "", []string{r1.ID}},
		{"an agency owning nothing sees nothing by default", notary, "", "", "", "", nil},
		{"nor another agency's accesses", notary, "", domain.TaxMSP, "", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, ids(list(c.who, c.record, c.accessor, c.from, c.to, "0", "")))
		})
	}
	t.Run("pages follow the bookmark", func(t *testing.T) {
		p1 := list(auditor, "", "", "", "", "3", "")
		require.Equal(t, []string{r1.ID, r2.ID, r3.ID}, ids(p1))
		require.NotEmpty(t, p1.Bookmark)
		p2 := list(auditor, "", "", "", "", "3", p1.Bookmark)
		require.Equal(t, []string{r4.ID}, ids(p2))
		require.Empty(t, p2.Bookmark)
		h.call(auditor, "access:List", a, "", "", "", "3", p1.Bookmark).fails(t, domain.CodeInvalid, "bookmark")
	})
	t.Run("get is limited like the list", func(t *testing.T) {
		require.Equal(t, r3.ID, decode[domain.AccessRecord](t, h.call(registrar, "access:Get", r3.ID).ok(t)).ID)
		require.Equal(t, r3.ID, decode[domain.AccessRecord](t, h.call(notary, "access:Get", r3.ID).ok(t)).ID)
		h.call(taxFinance, "access:Get", r3.ID).fails(t, domain.CodeForbidden, "auditors only")
	})
	t.Run("bad filters", func(t *testing.T) {
		h.call(auditor, "access:List", "", "", "yesterday", "", "0", "").fails(t, domain.CodeInvalid, "from must be an RFC 3339 time")
		h.call(auditor, "access:List", "", "Org9MSP", "", "", "0", "").fails(t, domain.CodeInvalid, "accessor")
		h.call(auditor, "access:List", "", "", r4.At, r1.At, "0", "").fails(t, domain.CodeInvalid, "must be before")
	})
}
