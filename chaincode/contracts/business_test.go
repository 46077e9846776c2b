package contracts_test

import (
	"fmt"
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

func TestRegister(t *testing.T) {
	h := newHarness(t)
	uscc := usccFor(t, 1)
	res := h.call(registrar, "business:Register", mustJSON(t, registration(uscc, "厦门甲公司")))
	payload := res.ok(t)

	b := decode[domain.Business](t, payload)
	require.Equal(t, uscc, b.USCC)
	require.Equal(t, domain.StatusActive, b.Status)
	require.Equal(t, domain.RecordMeta{
		OwnerOrg: domain.MarketMSP, CreatedAt: at(1), CreatedByOrg: domain.MarketMSP, CreatedBy: "registrar@market",
		CreatedTxID: txIDFor(1), UpdatedAt: at(1), UpdatedByOrg: domain.MarketMSP, UpdatedBy: "registrar@market", LastTxID: txIDFor(1),
	}, b.RecordMeta)

	t.Run("the payload is the stored record and Get returns it byte for byte", func(t *testing.T) {
		require.Equal(t, payload, string(h.ledger.state["biz~"+uscc]))
		require.Equal(t, payload, h.call(auditor, "business:Get", uscc).ok(t))
	})
	t.Run("the JSON has the documented fields in fixed order", func(t *testing.T) {
		require.Equal(t, `{"uscc":"`+uscc+`","name":"厦门甲公司","entity_type":"有限责任公司","legal_representative":"张三",`+
			`"registered_capital_fen":100000000,"address":"厦门市思明区示例路1号","business_scope":"软件开发",`+
			`"established_on":"2020-01-02","registration_authority":"厦门市市场监督管理局","status":"ACTIVE","status_reason":"",`+
			`"amendments":[],"licence":{"licence_number":"`+uscc+`-001","version":1,"verification_code":"`+b.Licence.VerificationCode+`",`+
			`"issued_at":"2026-11-27T10:00:00Z","tx_id":"`+txIDFor(1)+`"},"owner_org":"MarketMSP","created_at":"2026-11-27T10:00:00Z","created_by_org":"MarketMSP",`+
			`"created_by":"registrar@market","created_tx_id":"`+txIDFor(1)+`","updated_at":"2026-11-27T10:00:00Z",`+
			`"updated_by_org":"MarketMSP","updated_by":"registrar@market","last_tx_id":"`+txIDFor(1)+`"}`, payload)
	})
}

func TestRegisterRefusals(t *testing.T) {
	h := newHarness(t)
	taken := usccFor(t, 1)
	h.register(taken, "已登记公司")
	withUSCC := func(u string) string { return mustJSON(t, registration(u, "公司")) }
	cases := []struct {
		name      string
		request   string
		code      domain.Code
		fragments []string
	}{
		{"wrong check character", withUSCC("91430111MA4L41YT1X"), domain.CodeUnprocessable, []string{"check character is X, expected U"}},
		{"bad USCC format", withUSCC("9143"), domain.CodeInvalid, []string{"uscc must be 18 characters"}},
		{"already registered", withUSCC(taken), domain.CodeConflict, []string{"business " + taken + " is already registered", "ACTIVE"}},
		{"unknown JSON field", `{"uscc":"` + taken + `","id_number":"110101198001010037"}`, domain.CodeInvalid, []string{`unknown field "id_number"`}},
		{"not JSON", `uscc=1`, domain.CodeInvalid, []string{"malformed JSON"}},
		{"empty", ``, domain.CodeInvalid, []string{"JSON object is required"}},
		{"capital as a string", `{"registered_capital_fen":"100"}`, domain.CodeInvalid, []string{"registered_capital_fen must be an integer"}},
		{"ID number next to the legal representative", func() string {
			r := registration(usccFor(t, 2), "公司")
			r.LegalRepresentative = "张三 11010519491231002X"
			return mustJSON(t, r)
		}(), domain.CodeUnprocessable, []string{"personal ID"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.call(registrar, "business:Register", c.request).fails(t, c.code, c.fragments...)
		})
	}
}

func TestAmend(t *testing.T) {
	h := newHarness(t)
	uscc := usccFor(t, 1)
	h.register(uscc, "旧名称有限公司")

	amend := `{"changes":{"name":"新名称有限公司","registered_capital_fen":200000000},"reason":"股东会决议"}`
	b := decode[domain.Business](t, h.call(registrar2, "business:Amend", uscc, amend).ok(t))
	require.Equal(t, "新名称有限公司", b.Name)
	require.Equal(t, []domain.Amendment{{
		TxID: txIDFor(2), At: at(2), ByOrg: domain.MarketMSP, By: "registrar2@market", Reason: "股东会决议",
		Changes: []domain.FieldChange{
			{Field: "name", From: "旧名称有限公司", To: "新名称有限公司"},
			{Field: "registered_capital_fen", From: "100000000", To: "200000000"},
		},
	}}, b.Amendments)
	require.Equal(t, "registrar@market", b.CreatedBy)
	require.Equal(t, "registrar2@market", b.UpdatedBy)

	t.Run("name indexes follow the new name", func(t *testing.T) {
		require.Empty(t, decode[domain.BusinessPage](t, h.call(auditor, "business:List", "", "旧", "0", "").ok(t)).Records)
		require.Len(t, decode[domain.BusinessPage](t, h.call(auditor, "business:List", "", "新", "0", "").ok(t)).Records, 1)
		require.Len(t, decode[domain.BusinessPage](t, h.call(auditor, "business:List", "ACTIVE", "新", "0", "").ok(t)).Records, 1)
		require.Empty(t, decode[domain.BusinessPage](t, h.call(auditor, "business:List", "ACTIVE", "旧", "0", "").ok(t)).Records)
	})

	refusals := []struct {
		name      string
		uscc      string
		request   string
		code      domain.Code
		fragments []string
	}{
		{"unknown business", usccFor(t, 99), amend, domain.CodeNotFound, []string{"business " + usccFor(t, 99) + " is not registered"}},
		{"bad USCC", "x", amend, domain.CodeInvalid, []string{"uscc must be 18 characters"}},
		{"no changes", uscc, `{"changes":{},"reason":"x"}`, domain.CodeInvalid, []string{"at least one"}},
		{"same value", uscc, `{"changes":{"name":"新名称有限公司"},"reason":"x"}`, domain.CodeUnprocessable, []string{`name is already "新名称有限公司"`}},
		{"unknown change field", uscc, `{"changes":{"status":"ACTIVE"},"reason":"x"}`, domain.CodeInvalid, []string{`unknown field "status"`}},
		{"no reason", uscc, `{"changes":{"address":"新地址"}}`, domain.CodeInvalid, []string{"reason is required"}},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			h.call(registrar, "business:Amend", c.uscc, c.request).fails(t, c.code, c.fragments...)
		})
	}

	t.Run("a deregistered business cannot be amended", func(t *testing.T) {
		h.call(registrar, "business:ChangeStatus", uscc, "DEREGISTERED", "注销").ok(t)
		h.call(registrar, "business:Amend", uscc, `{"changes":{"address":"新地址"},"reason":"x"}`).fails(t, domain.CodeConflict, "is DEREGISTERED")
	})
}

// TestChangeStatusAllPairs drives every (from, to) pair through the chaincode.
func TestChangeStatusAllPairs(t *testing.T) {
	reach := map[string][]string{ // how to get from ACTIVE to each status
		domain.StatusActive:       nil,
		domain.StatusSuspended:    {domain.StatusSuspended},
		domain.StatusRevoked:      {domain.StatusRevoked},
		domain.StatusDeregistered: {domain.StatusSuspended, domain.StatusDeregistered},
	}
	for _, from := range domain.BusinessStatuses() {
		for _, to := range domain.BusinessStatuses() {
			t.Run(from+" to "+to, func(t *testing.T) {
				h := newHarness(t)
				uscc := usccFor(t, 1)
				h.register(uscc, "状态公司")
				for _, st := range reach[from] {
					h.call(registrar, "business:ChangeStatus", uscc, st, "setup").ok(t)
				}
				res := h.call(registrar, "business:ChangeStatus", uscc, to, "决定书 2026-1")
				if !domain.CanTransition(from, to) {
					res.fails(t, domain.CodeConflict, "business "+uscc+" is "+from+"; it cannot change to "+to)
					return
				}
				b := decode[domain.Business](t, res.ok(t))
				require.Equal(t, to, b.Status)
				require.Equal(t, "决定书 2026-1", b.StatusReason)
				// The status index moved with it.
				for _, st := range domain.BusinessStatuses() {
					page := decode[domain.BusinessPage](t, h.call(auditor, "business:List", st, "", "0", "").ok(t))
					require.Equal(t, st == to, len(page.Records) == 1, "listing by %s", st)
				}
			})
		}
	}
}

func TestChangeStatusRefusals(t *testing.T) {
	h := newHarness(t)
	uscc := usccFor(t, 1)
	h.register(uscc, "公司")
	h.call(registrar, "business:ChangeStatus", uscc, "CLOSED", "x").fails(t, domain.CodeInvalid, "status must be one of")
	h.call(registrar, "business:ChangeStatus", uscc, "SUSPENDED", "").fails(t, domain.CodeInvalid, "reason is required")
	h.call(registrar, "business:ChangeStatus", usccFor(t, 2), "SUSPENDED", "x").fails(t, domain.CodeNotFound, "is not registered")
	h.call(registrar, "business:ChangeStatus", "bad", "SUSPENDED", "x").fails(t, domain.CodeInvalid)
}

func TestGetRefusals(t *testing.T) {
	h := newHarness(t)
	h.call(auditor, "business:Get", usccFor(t, 1)).fails(t, domain.CodeNotFound, "is not registered")
	h.call(auditor, "business:Get", "nope").fails(t, domain.CodeInvalid)
}

func TestListFiltersAndPaging(t *testing.T) {
	h := newHarness(t)
	// Registered out of name order; three 厦门 names, two 福州 names; one suspended.
	names := []string{"厦门丙公司", "福州甲公司", "厦门甲公司", "福州乙公司", "厦门乙公司"}
	usccs := map[string]string{}
	for i, n := range names {
		usccs[n] = usccFor(t, i+1)
		h.register(usccs[n], n)
	}
	h.call(registrar, "business:ChangeStatus", usccs["厦门乙公司"], "SUSPENDED", "经营异常").ok(t)

	list := func(status, prefix string, size int32, bookmark string) domain.BusinessPage {
		return decode[domain.BusinessPage](t, h.call(auditAdmin, "business:List", status, prefix, fmt.Sprint(size), bookmark).ok(t))
	}
	namesOf := func(p domain.BusinessPage) []string {
		out := []string{}
		for _, b := range p.Records {
			out = append(out, b.Name)
		}
		return out
	}
	// Expected order is byte order of the UTF-8 names: 厦门丙 < 厦门乙 < 厦门甲 (丙 U+4E19 < 乙 U+4E59 < 甲 U+7532).
	cases := []struct {
		name, status, prefix string
		want                 []string
	}{
		{"everything, by name", "", "", []string{"厦门丙公司", "厦门乙公司", "厦门甲公司", "福州乙公司", "福州甲公司"}},
		{"name prefix", "", "厦门", []string{"厦门丙公司", "厦门乙公司", "厦门甲公司"}},
		{"status", "ACTIVE", "", []string{"厦门丙公司", "厦门甲公司", "福州乙公司", "福州甲公司"}},
		{"status and prefix", "ACTIVE", "厦门", []string{"厦门丙公司", "厦门甲公司"}},
		{"suspended only", "SUSPENDED", "", []string{"厦门乙公司"}},
		{"nothing matches", "REVOKED", "", []string{}},
		{"exact full name", "", "福州甲公司", []string{"福州甲公司"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := list(c.status, c.prefix, 0, "")
			require.Equal(t, c.want, namesOf(p))
			require.Equal(t, len(c.want), p.Fetched)
			require.Empty(t, p.Bookmark)
		})
	}

	t.Run("paging across pages returns everything once, in order", func(t *testing.T) {
		var got []string
		bookmark := ""
		pages := 0
		for {
			p := list("", "", 2, bookmark)
			pages++
			require.LessOrEqual(t, p.Fetched, 2)
			got = append(got, namesOf(p)...)
			if p.Bookmark == "" {
				break
			}
			bookmark = p.Bookmark
		}
		require.Equal(t, 3, pages)
		require.Equal(t, []string{"厦门丙公司", "厦门乙公司", "厦门甲公司", "福州乙公司", "福州甲公司"}, got)
	})

	t.Run("paging with a filter", func(t *testing.T) {
		first := list("ACTIVE", "厦门", 1, "")
		require.Equal(t, []string{"厦门丙公司"}, namesOf(first))
		require.NotEmpty(t, first.Bookmark)
		second := list("ACTIVE", "厦门", 1, first.Bookmark)
		require.Equal(t, []string{"厦门甲公司"}, namesOf(second))
		require.Empty(t, second.Bookmark)
	})

	refusals := []struct {
		name, status, prefix, size, bookmark string
		fragment                             string
	}{
		{"unknown status", "OPEN", "", "0", "", "status must be empty or one of"},
		{"page too large", "", "", "101", "", "pageSize must be 1..100"},
		{"negative page", "", "", "-1", "", "pageSize"},
		{"garbage bookmark", "", "", "0", "!!!", "bookmark"},
		{"bookmark of another listing", "SUSPENDED", "", "0", list("", "", 1, "").Bookmark, "does not belong to this listing"},
		{"control character in prefix", "", "a\x01", "0", "", "namePrefix contains a control"},
	}
	for _, c := range refusals {
		t.Run(c.name, func(t *testing.T) {
			h.call(auditor, "business:List", c.status, c.prefix, c.size, c.bookmark).fails(t, domain.CodeInvalid, c.fragment)
		})
	}
}

func TestBusinessHistoryPaging(t *testing.T) {
	h := newHarness(t)
	uscc := usccFor(t, 1)
	h.register(uscc, "历史公司")                                                                       // tx1
	h.call(registrar2, "business:ChangeStatus", uscc, "SUSPENDED", "经营异常").ok(t)                   // tx2
	h.call(registrar, "business:ChangeStatus", uscc, "ACTIVE", "恢复").ok(t)                         // tx3
	h.call(registrar2, "business:Amend", uscc, `{"changes":{"address":"新址"},"reason":"迁址"}`).ok(t) // tx4
	h.call(registrar, "business:ChangeStatus", uscc, "DEREGISTERED", "注销").ok(t)                   // tx5

	page := func(size int32, bookmark string) domain.HistoryPage {
		return decode[domain.HistoryPage](t, h.call(auditor, "business:History", uscc, fmt.Sprint(size), bookmark).ok(t))
	}
	p1 := page(2, "")
	require.Equal(t, 2, p1.Fetched)
	require.Equal(t, "2", p1.Bookmark)
	require.Equal(t, txIDFor(5), p1.Entries[0].TxID, "newest first")
	require.Equal(t, txIDFor(4), p1.Entries[1].TxID)
	require.Equal(t, domain.MarketMSP, p1.Entries[1].SubmitterOrg)
	require.Equal(t, "registrar2@market", p1.Entries[1].Submitter)
	require.Equal(t, at(4), p1.Entries[1].Timestamp)
	require.False(t, p1.Entries[1].IsDelete)
	require.Equal(t, "新址", decode[domain.Business](t, string(p1.Entries[1].Value)).Address)

	p2 := page(2, p1.Bookmark)
	require.Equal(t, []string{txIDFor(3), txIDFor(2)}, []string{p2.Entries[0].TxID, p2.Entries[1].TxID})
	require.Equal(t, "4", p2.Bookmark)

	p3 := page(2, p2.Bookmark)
	require.Equal(t, 1, p3.Fetched)
	require.Equal(t, txIDFor(1), p3.Entries[0].TxID)
	require.Equal(t, "registrar@market", p3.Entries[0].Submitter)
	require.Empty(t, p3.Bookmark)

	t.Run("exactly one full page has no bookmark", func(t *testing.T) {
		p := page(5, "")
		require.Equal(t, 5, p.Fetched)
		require.Empty(t, p.Bookmark)
	})
	t.Run("a bookmark past the end gives an empty page", func(t *testing.T) {
		p := page(2, "50")
		require.Empty(t, p.Entries)
		require.Empty(t, p.Bookmark)
	})
	t.Run("refusals", func(t *testing.T) {
		h.call(auditor, "business:History", uscc, "0", "x").fails(t, domain.CodeInvalid, "non-negative offset")
		h.call(auditor, "business:History", uscc, "0", "-2").fails(t, domain.CodeInvalid, "non-negative offset")
		h.call(auditor, "business:History", uscc, "500", "").fails(t, domain.CodeInvalid, "pageSize")
		h.call(auditor, "business:History", usccFor(t, 2), "0", "").fails(t, domain.CodeNotFound, "has no history")
		h.call(auditor, "business:History", "x", "0", "").fails(t, domain.CodeInvalid)
	})
}

// TestPersonalIDFilterSeesThroughDisguises: text with a resident ID number in full-width
// digits or split by separators is refused like a plain one, with nothing written
// (security review: both bypassed the filter).
func TestPersonalIDFilterSeesThroughDisguises(t *testing.T) {
	h := newHarness(t)
	for i, id := range []string{"１１０１０５１９４９１２３１００２Ｘ", "110105 19491231 002X", "110105-19491231-002X", "110105/19491231/002X", "110105.19491231.002X"} {
		t.Run(id, func(t *testing.T) {
			r := registration(usccFor(t, i+1), "示例公司")
			r.Address = "厦门市思明区示例路1号 法人身份证 " + id
			h.call(registrar, "business:Register", mustJSON(t, r)).fails(t, domain.CodeUnprocessable, "address appears to contain a personal ID number")
		})
	}
}
