package contracts_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

// pledged is a limited-company registration that supplies articles and identity and
// pledges the rest, due on due.
func pledged(uscc, name string, articles, identity domain.Evidence, due string) domain.RegisterBusinessRequest {
	r := registration(uscc, name)
	r.Materials = []domain.MaterialRef{
		{Material: domain.MaterialArticles, EvidenceID: articles.ID},
		{Material: domain.MaterialLegalRepIdentity, EvidenceID: identity.ID},
	}
	r.Pledge = &domain.PledgeRequest{
		Missing:   []string{domain.MaterialAddressProof, domain.MaterialResolution, domain.MaterialAppointments},
		Statement: "本人承诺所填写的信息真实有效，并于期限内补交住所证明等材料。",
		PledgedBy: "张三",
		DueOn:     due,
	}
	return r
}

// papers deposits n distinct documents as the market's depositor.
func (h *harness) papers(n int) []domain.Evidence {
	out := make([]domain.Evidence, n)
	for i := range out {
		h.docs++
		out[i] = h.deposit(marketDepositor, fmt.Sprintf("%064x", h.docs))
	}
	return out
}

func supply(material, evidenceID string) string {
	return `{"material":"` + material + `","evidence_id":"` + evidenceID + `"}`
}

func TestPledgedRegistrationToFulfilment(t *testing.T) {
	h := newHarness(t)
	uscc := usccFor(t, 1)
	docs := h.papers(2)
	b := decode[domain.Business](t, h.call(registrar, "business:Register", mustJSON(t, pledged(uscc, "承诺制公司", docs[0], docs[1], "2026-12-27"))).ok(t))

	require.Equal(t, domain.StatusActive, b.Status, "registered at once on the pledge")
	require.NotNil(t, b.Pledge)
	require.Equal(t, domain.PledgeOpen, b.Pledge.Status)
	require.Equal(t, []string{domain.MaterialAddressProof, domain.MaterialResolution, domain.MaterialAppointments}, b.Pledge.Missing)
	require.Equal(t, b.Pledge.Missing, b.Pledge.Pledged)
	require.Equal(t, "张三", b.Pledge.PledgedBy)
	require.Len(t, b.Materials, 2)
	require.Equal(t, docs[0].Hash, b.Materials[0].Hash, "the material records the evidence's digest")
	require.Equal(t, domain.MarketMSP, b.Materials[0].SuppliedByOrg)

	listed := decode[domain.PledgePage](t, h.call(taxIssuer, "business:ListPledges", domain.PledgeOpen, "", "0", "").ok(t))
	require.Len(t, listed.Records, 1)
	require.Equal(t, uscc, listed.Records[0].USCC)

	notaryDoc := h.deposit(notaryDepositor, hashOf('a'))
	revoked := h.deposit(marketDepositor, hashOf('b'))
	h.call(marketDepositor, "evidence:Revoke", revoked.ID, "扫描件有误").ok(t)

	t.Run("refusals write nothing", func(t *testing.T) {
		cases := []struct {
			name      string
			who       identity
			uscc      string
			req       string
			code      domain.Code
			fragments []string
		}{
			{"revoked evidence", registrar, uscc, supply(domain.MaterialAddressProof, revoked.ID), domain.CodeUnprocessable, []string{"revoked", "扫描件有误"}},
			{"unknown evidence", registrar, uscc, supply(domain.MaterialAddressProof, "0123456789abcdef0123456789abcdef"), domain.CodeUnprocessable, []string{"not deposited"}},
			{"already supplied", registrar, uscc, supply(domain.MaterialArticles, notaryDoc.ID), domain.CodeConflict, []string{"already supplied"}},
			{"not in the catalogue", registrar, uscc, supply("tax_clearance", notaryDoc.ID), domain.CodeUnprocessable, []string{"not a material"}},
			{"malformed evidence id", registrar, uscc, supply(domain.MaterialAddressProof, "xyz"), domain.CodeInvalid, []string{"evidence_id"}},
			{"unknown business", registrar, usccFor(t, 9), supply(domain.MaterialAddressProof, notaryDoc.ID), domain.CodeNotFound, []string{"not registered"}},
			{"not the market", taxRegistrar, uscc, supply(domain.MaterialAddressProof, notaryDoc.ID), domain.CodeForbidden, []string{"MarketMSP"}},
			{"not a registrar", marketDepositor, uscc, supply(domain.MaterialAddressProof, notaryDoc.ID), domain.CodeForbidden, []string{"registrar"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				res := h.call(c.who, "business:SupplyMaterial", c.uscc, c.req)
				res.fails(t, c.code, c.fragments...)
			})
		}
	})

	t.Run("a notary's deposit proves the address; still open", func(t *testing.T) {
		b := decode[domain.Business](t, h.call(registrar, "business:SupplyMaterial", uscc, supply(domain.MaterialAddressProof, notaryDoc.ID)).ok(t))
		require.Equal(t, domain.PledgeOpen, b.Pledge.Status)
		require.Equal(t, []string{domain.MaterialResolution, domain.MaterialAppointments}, b.Pledge.Missing)
		require.Len(t, b.Materials, 3)
		require.False(t, b.Materials[2].Late)
		name, _ := h.lastEvent(t)
		require.Equal(t, domain.EventBusinessMaterialSupplied, name)
	})
	t.Run("the last material fulfils the pledge", func(t *testing.T) {
		more := h.papers(2)
		h.call(registrar, "business:SupplyMaterial", uscc, supply(domain.MaterialResolution, more[0].ID)).ok(t)
		b := decode[domain.Business](t, h.call(registrar2, "business:SupplyMaterial", uscc, supply(domain.MaterialAppointments, more[1].ID)).ok(t))
		require.Equal(t, domain.PledgeFulfilled, b.Pledge.Status)
		require.Empty(t, b.Pledge.Missing)
		require.Equal(t, b.LastTxID, b.Pledge.ClosedTxID)
		name, ev := h.lastEvent(t)
		require.Equal(t, domain.EventPledgeFulfilled, name)
		require.Equal(t, uscc, ev.Key)

		open := decode[domain.PledgePage](t, h.call(auditor, "business:ListPledges", domain.PledgeOpen, "", "0", "").ok(t))
		require.Empty(t, open.Records, "the OPEN index entry moved")
		done := decode[domain.PledgePage](t, h.call(auditor, "business:ListPledges", domain.PledgeFulfilled, "", "0", "").ok(t))
		require.Len(t, done.Records, 1)
		h.call(registrar, "business:SupplyMaterial", uscc, supply(domain.MaterialAppointments, notaryDoc.ID)).fails(t, domain.CodeConflict, "already supplied")
	})
	t.Run("history shows every step", func(t *testing.T) {
		page := decode[domain.HistoryPage](t, h.call(auditor, "business:History", uscc, "0", "").ok(t))
		require.Len(t, page.Entries, 4, "registration and three supplies")
	})
}

func TestPledgedRegistrationRefusals(t *testing.T) {
	h := newHarness(t)
	docs := h.papers(2)
	revoked := h.deposit(marketDepositor, hashOf('b'))
	h.call(marketDepositor, "evidence:Revoke", revoked.ID, "作废").ok(t)
	n := 0
	req := func(mut func(*domain.RegisterBusinessRequest)) string {
		n++
		r := pledged(usccFor(t, n), fmt.Sprintf("拒绝公司%d", n), docs[0], docs[1], "2026-12-27")
		mut(&r)
		return mustJSON(t, r)
	}
	cases := []struct {
		name      string
		req       string
		code      domain.Code
		fragments []string
	}{
		// Registered 2026-11-27 (China Standard Time): due 2027-01-26 is day 60.
		{"due more than 60 days on", req(func(r *domain.RegisterBusinessRequest) { r.Pledge.DueOn = "2027-01-27" }), domain.CodeUnprocessable, []string{"more than 60 days", "2027-01-26"}},
		{"due on the registration date", req(func(r *domain.RegisterBusinessRequest) { r.Pledge.DueOn = "2026-11-27" }), domain.CodeUnprocessable, []string{"after the registration date"}},
		{"revoked evidence", req(func(r *domain.RegisterBusinessRequest) { r.Materials[0].EvidenceID = revoked.ID }), domain.CodeUnprocessable, []string{"revoked"}},
		{"unknown evidence", req(func(r *domain.RegisterBusinessRequest) {
			r.Materials[1].EvidenceID = "0123456789abcdef0123456789abcdef"
		}), domain.CodeUnprocessable, []string{"materials[1]", "not deposited"}},
		{"identity pledged", req(func(r *domain.RegisterBusinessRequest) {
			r.Materials = r.Materials[:1]
			r.Pledge.Missing = append(r.Pledge.Missing, domain.MaterialLegalRepIdentity)
		}), domain.CodeUnprocessable, []string{"may never be pledged"}},
		{"incomplete", req(func(r *domain.RegisterBusinessRequest) { r.Pledge.Missing = r.Pledge.Missing[:2] }), domain.CodeUnprocessable, []string{"appointment_documents", "neither supplied nor pledged"}},
		{"uncatalogued entity type", req(func(r *domain.RegisterBusinessRequest) { r.EntityType = "外国企业常驻代表机构" }), domain.CodeUnprocessable, []string{"no material catalogue"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.call(registrar, "business:Register", c.req).fails(t, c.code, c.fragments...)
		})
	}
	t.Run("nothing was registered", func(t *testing.T) {
		page := decode[domain.BusinessPage](t, h.call(auditor, "business:List", "", "", "0", "").ok(t))
		require.Empty(t, page.Records)
	})
}

// skewTo sets the skew that puts the next transaction at the given UTC time.
func (h *harness) skewTo(t *testing.T, utc string) {
	t.Helper()
	want, err := time.Parse(time.RFC3339, utc)
	require.NoError(t, err)
	next := start.Add(time.Duration(h.seq) * time.Minute)
	h.skew = want.Sub(next)
}

func TestOverdueCheckBreaksPledges(t *testing.T) {
	h := newHarness(t)
	docs := h.papers(2)
	a, b, c, d := usccFor(t, 1), usccFor(t, 2), usccFor(t, 3), usccFor(t, 4)
	h.call(registrar, "business:Register", mustJSON(t, pledged(a, "甲逾期公司", docs[0], docs[1], "2026-12-01"))).ok(t)
	h.call(registrar, "business:Register", mustJSON(t, pledged(b, "乙未到期公司", docs[0], docs[1], "2026-12-10"))).ok(t)
	rc := pledged(c, "丙已履行公司", docs[0], docs[1], "2026-12-01")
	rc.Pledge.Missing = []string{domain.MaterialAddressProof}
	rc.Materials = append(rc.Materials, domain.MaterialRef{Material: domain.MaterialResolution, EvidenceID: docs[0].ID}, domain.MaterialRef{Material: domain.MaterialAppointments, EvidenceID: docs[1].ID})
	h.call(registrar, "business:Register", mustJSON(t, rc)).ok(t)
	h.call(registrar, "business:SupplyMaterial", c, supply(domain.MaterialAddressProof, h.papers(1)[0].ID)).ok(t)
	h.call(registrar, "business:Register", mustJSON(t, pledged(d, "丁已暂停公司", docs[0], docs[1], "2026-12-01"))).ok(t)
	h.call(registrar, "business:ChangeStatus", d, domain.StatusSuspended, "经营异常").ok(t)

	check := func(t *testing.T) domain.OverdueCheck {
		t.Helper()
		return decode[domain.OverdueCheck](t, h.call(registrar, "business:CheckOverduePledges").ok(t))
	}
	t.Run("nothing is due yet", func(t *testing.T) {
		events := len(h.ledger.events)
		r := check(t)
		require.Equal(t, "2026-11-27", r.AsOf)
		require.Empty(t, r.Broken)
		require.False(t, r.Remaining)
		require.Len(t, h.ledger.events, events, "no event when nothing broke")
	})
	t.Run("23:59 China time on the due date is not late", func(t *testing.T) {
		h.skewTo(t, "2026-12-01T15:59:00Z")
		require.Empty(t, check(t).Broken)
	})
	t.Run("00:30 China time the next day breaks the overdue open pledges", func(t *testing.T) {
		h.skewTo(t, "2026-12-01T16:30:00Z")
		r := check(t)
		require.Equal(t, "2026-12-02", r.AsOf)
		require.Len(t, r.Broken, 2)
		byUSCC := map[string]domain.BrokenPledge{}
		for _, bp := range r.Broken {
			byUSCC[bp.USCC] = bp
		}
		require.Equal(t, domain.StatusSuspended, byUSCC[a].BusinessStatus)
		require.Equal(t, []string{domain.MaterialAddressProof, domain.MaterialResolution, domain.MaterialAppointments}, byUSCC[a].Missing)
		require.Contains(t, byUSCC, d)

		biz := decode[domain.Business](t, h.call(taxIssuer, "business:Get", a).ok(t))
		require.Equal(t, domain.StatusSuspended, biz.Status)
		require.Contains(t, biz.StatusReason, "pledge broken")
		require.Equal(t, domain.PledgeBroken, biz.Pledge.Status)
		require.Equal(t, byUSCC[a].CreditRecordID, biz.Pledge.CreditRecordID)

		name, ev := h.lastEvent(t)
		require.Equal(t, domain.EventPledgesBroken, name)
		require.Len(t, ev.Related, 4, "each business and its credit record")

		credit := decode[domain.CreditPage](t, h.call(taxIssuer, "business:Credit", a, "0", "").ok(t))
		require.Len(t, credit.Records, 1)
		cr := credit.Records[0]
		require.Equal(t, domain.CreditPledgeBroken, cr.Kind)
		require.Equal(t, domain.StatusSuspended, cr.Consequence)
		require.Equal(t, "2026-12-01", cr.DueOn)
		require.Equal(t, "张三", cr.PledgedBy)
		require.Equal(t, domain.MarketMSP, cr.OwnerOrg)
		dcr := decode[domain.CreditPage](t, h.call(auditor, "business:Credit", d, "0", "").ok(t))
		require.Equal(t, "NONE", dcr.Records[0].Consequence, "an already suspended business stays as it was")
		for _, u := range []string{b, c} {
			require.Empty(t, decode[domain.CreditPage](t, h.call(auditor, "business:Credit", u, "0", "").ok(t)).Records)
		}
		suspended := decode[domain.BusinessPage](t, h.call(auditor, "business:List", domain.StatusSuspended, "", "0", "").ok(t))
		require.Len(t, suspended.Records, 2, "the status index moved")
		require.Empty(t, check(t).Broken, "a second check finds nothing more")
	})
	t.Run("the tax bureau refuses invoices of the suspended seller", func(t *testing.T) {
		h.call(taxIssuer, "invoice:Issue", mustJSON(t, issueRequest(invoiceNumber(1), a))).fails(t, domain.CodeConflict, "SUSPENDED")
	})
	t.Run("a late material is recorded, the pledge stays broken", func(t *testing.T) {
		biz := decode[domain.Business](t, h.call(registrar, "business:SupplyMaterial", a, supply(domain.MaterialAddressProof, h.papers(1)[0].ID)).ok(t))
		require.Equal(t, domain.PledgeBroken, biz.Pledge.Status)
		require.True(t, biz.Materials[len(biz.Materials)-1].Late)
		require.Equal(t, domain.StatusSuspended, biz.Status)
	})
	t.Run("pledges are listed by status and due date", func(t *testing.T) {
		broken := decode[domain.PledgePage](t, h.call(auditor, "business:ListPledges", domain.PledgeBroken, "", "0", "").ok(t))
		require.Len(t, broken.Records, 2)
		all := decode[domain.PledgePage](t, h.call(auditor, "business:ListPledges", "", "", "0", "").ok(t))
		require.Len(t, all.Records, 4)
		require.Equal(t, b, all.Records[3].USCC, "latest due date last")
		before := decode[domain.PledgePage](t, h.call(auditor, "business:ListPledges", "", "2026-12-10", "0", "").ok(t))
		require.Len(t, before.Records, 3, "due_before is exclusive")
		h.call(auditor, "business:ListPledges", "LATE", "", "0", "").fails(t, domain.CodeInvalid, "status")
		h.call(auditor, "business:ListPledges", "", "12/10/2026", "0", "").fails(t, domain.CodeInvalid, "due_before")
	})
	t.Run("the due date itself is not late; the day after is", func(t *testing.T) {
		h.skewTo(t, "2026-12-10T03:00:00Z")
		require.Empty(t, check(t).Broken)
		h.skewTo(t, "2026-12-11T03:00:00Z")
		r := check(t)
		require.Len(t, r.Broken, 1)
		require.Equal(t, b, r.Broken[0].USCC)
	})
	t.Run("only market registrars run the check", func(t *testing.T) {
		h.call(taxRegistrar, "business:CheckOverduePledges").fails(t, domain.CodeForbidden)
		h.call(auditor, "business:CheckOverduePledges").fails(t, domain.CodeForbidden)
	})
}

func TestOverdueCheckIsBounded(t *testing.T) {
	h := newHarness(t)
	docs := h.papers(2)
	for i := 1; i <= domain.MaxOverduePerTx+1; i++ {
		h.call(registrar, "business:Register", mustJSON(t, pledged(usccFor(t, i), fmt.Sprintf("批量公司%03d", i), docs[0], docs[1], "2026-12-01"))).ok(t)
	}
	h.skewTo(t, "2026-12-05T03:00:00Z")
	first := decode[domain.OverdueCheck](t, h.call(registrar, "business:CheckOverduePledges").ok(t))
	require.Len(t, first.Broken, domain.MaxOverduePerTx)
	require.True(t, first.Remaining)
	second := decode[domain.OverdueCheck](t, h.call(registrar, "business:CheckOverduePledges").ok(t))
	require.Len(t, second.Broken, 1)
	require.False(t, second.Remaining)
}
