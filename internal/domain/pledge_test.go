package domain_test

import (
	"encoding/json"
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

// Fabric transaction ids are 64 hex characters; CreditRecordID takes the first 32.
var (
	registrar = domain.Actor{Org: domain.MarketMSP, By: "registrar@market", At: "2026-01-02T03:04:05Z", TxID: hexHash("1")}
	supplier  = domain.Actor{Org: domain.MarketMSP, By: "clerk@market", At: "2026-01-10T02:00:00Z", TxID: hexHash("2")}
	checker   = domain.Actor{Org: domain.MarketMSP, By: "checker@market", At: "2026-01-20T16:00:00Z", TxID: hexHash("3")}
)

func materialEvidence(i int, status string) domain.Evidence {
	return domain.Evidence{
		ID: materialEvidenceID(i), Hash: hexHash(string("0123456789"[i%10])), HashAlgorithm: domain.HashSHA256,
		FileName: "doc.pdf", MediaType: "application/pdf", Category: "registration", Description: "material",
		Status: status, RecordMeta: domain.NewRecordMeta(registrar),
	}
}

// twoPledgedRegistration supplies articles, identity and resolution and pledges the address
// proof and the appointment documents, due 2026-01-20.
func twoPledgedRegistration() domain.RegisterBusinessRequest {
	r := pledgedRegistration()
	r.Materials = append(r.Materials, domain.MaterialRef{Material: domain.MaterialResolution, EvidenceID: materialEvidenceID(2)})
	r.Pledge.Missing = []string{domain.MaterialAddressProof, domain.MaterialAppointments}
	r.Pledge.DueOn = "2026-01-20"
	return r
}

// pledgedBusiness registers twoPledgedRegistration at registrar.
func pledgedBusiness(t *testing.T) domain.Business {
	t.Helper()
	r := twoPledgedRegistration()
	require.NoError(t, r.Validate())
	b := domain.NewBusiness(r, registrar)
	ev := []domain.Evidence{materialEvidence(0, domain.EvidenceDeposited), materialEvidence(1, domain.EvidenceCertified), materialEvidence(2, domain.EvidenceDeposited)}
	require.NoError(t, domain.AttachMaterials(&b, r, ev, registrar))
	return b
}

func snapshot(t *testing.T, v any) string {
	t.Helper()
	j, err := json.Marshal(v)
	require.NoError(t, err)
	return string(j)
}

func TestTxDate(t *testing.T) {
	cases := []struct{ at, want string }{
		{"2026-11-27T00:00:00Z", "2026-11-27"},
		{"2026-11-27T15:59:59Z", "2026-11-27"},
		{"2026-11-27T15:59:59.999999999Z", "2026-11-27"},
		{"2026-11-27T16:00:00Z", "2026-11-28"},
		{"2026-11-27T17:00:00Z", "2026-11-28"},
		{"2026-12-31T15:59:59Z", "2026-12-31"},
		{"2026-12-31T16:00:00Z", "2027-01-01"},
		{"2028-02-28T16:00:00Z", "2028-02-29"},
		{"2026-11-27T23:59:59+08:00", "2026-11-27"},
		{"2026-11-28T00:00:00+08:00", "2026-11-28"},
		{"2026-11-27T12:00:00-05:00", "2026-11-28"},
		{"2026-11-28T00:30:00+09:00", "2026-11-27"},
	}
	for _, c := range cases {
		t.Run(c.at, func(t *testing.T) {
			got, err := domain.TxDate(c.at)
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
	for _, bad := range []string{"", "2026-11-27", "2026-11-27 16:00:00Z", "2026-11-27T16:00:00", "yesterday"} {
		t.Run("bad "+bad, func(t *testing.T) {
			_, err := domain.TxDate(bad)
			require.Equal(t, domain.CodeInvalid, domain.ErrorCode(err), "%v", err)
			require.ErrorContains(t, err, "is not RFC 3339")
		})
	}
}

func TestCheckPledgeDue(t *testing.T) {
	cases := []struct {
		name, registeredAt, due string
		code                    domain.Code
		contains                []string
	}{
		{"before the registration date", "2026-01-02T03:04:05Z", "2026-01-01", domain.CodeUnprocessable, []string{"pledge.due_on 2026-01-01 must be after the registration date 2026-01-02"}},
		{"on the registration date", "2026-01-02T03:04:05Z", "2026-01-02", domain.CodeUnprocessable, []string{"must be after the registration date 2026-01-02"}},
		{"one day after", "2026-01-02T03:04:05Z", "2026-01-03", "", nil},
		{"60 days after", "2026-01-02T03:04:05Z", "2026-03-03", "", nil},
		{"61 days after", "2026-01-02T03:04:05Z", "2026-03-04", domain.CodeUnprocessable,
			[]string{"pledge.due_on 2026-03-04 is more than 60 days after the registration date 2026-01-02", "the latest allowed is 2026-03-03"}},
		{"a year after", "2026-01-02T03:04:05Z", "2027-01-02", domain.CodeUnprocessable, []string{"the latest allowed is 2026-03-03"}},
		{"60 days across a leap day", "2028-01-01T00:00:00Z", "2028-03-01", "", nil},
		{"61 days across a leap day", "2028-01-01T00:00:00Z", "2028-03-02", domain.CodeUnprocessable, []string{"the latest allowed is 2028-03-01"}},
		// 2026-11-27T17:00Z is 2026-11-28 01:00 in China Standard Time.
		{"CST: UTC date is not the registration date", "2026-11-27T17:00:00Z", "2026-11-28", domain.CodeUnprocessable,
			[]string{"must be after the registration date 2026-11-28"}},
		{"CST: next day", "2026-11-27T17:00:00Z", "2026-11-29", "", nil},
		{"CST: last allowed", "2026-11-27T17:00:00Z", "2027-01-27", "", nil},
		{"CST: one past the last", "2026-11-27T17:00:00Z", "2027-01-28", domain.CodeUnprocessable,
			[]string{"registration date 2026-11-28", "the latest allowed is 2027-01-27"}},
		{"CST with an explicit offset", "2026-11-28T01:00:00+08:00", "2026-11-28", domain.CodeUnprocessable, []string{"registration date 2026-11-28"}},
		// 2026-11-27T15:59:59Z is still 2026-11-27 (23:59:59) in China Standard Time.
		{"CST: just before midnight, next day ok", "2026-11-27T15:59:59Z", "2026-11-28", "", nil},
		{"CST: just before midnight, last allowed", "2026-11-27T15:59:59Z", "2027-01-26", "", nil},
		{"CST: just before midnight, one past", "2026-11-27T15:59:59Z", "2027-01-27", domain.CodeUnprocessable, []string{"the latest allowed is 2027-01-26"}},
		{"bad due date", "2026-01-02T03:04:05Z", "2026/01/05", domain.CodeInvalid, []string{`pledge.due_on must be a date YYYY-MM-DD, got "2026/01/05"`}},
		{"bad registration time", "2026-01-02", "2026-01-05", domain.CodeInvalid, []string{"is not RFC 3339"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := domain.CheckPledgeDue(c.due, c.registeredAt)
			require.Equal(t, c.code, domain.ErrorCode(err), "%v", err)
			for _, s := range c.contains {
				require.ErrorContains(t, err, s)
			}
		})
	}
}

func TestCheckMaterialEvidence(t *testing.T) {
	id := materialEvidenceID(0)
	revoked := materialEvidence(0, domain.EvidenceRevoked)
	revoked.Revocation = &domain.Revocation{Reason: "uploaded the wrong file", Org: domain.MarketMSP, By: "registrar@market", At: supplier.At, TxID: supplier.TxID}
	revokedNoReason := materialEvidence(0, domain.EvidenceRevoked)
	deposited := materialEvidence(0, domain.EvidenceDeposited)
	certified := materialEvidence(0, domain.EvidenceCertified)
	cases := []struct {
		name     string
		e        *domain.Evidence
		code     domain.Code
		contains []string
	}{
		{"not deposited", nil, domain.CodeUnprocessable, []string{"materials[0].evidence_id: evidence " + id + " is not deposited"}},
		{"revoked", &revoked, domain.CodeUnprocessable, []string{"materials[0].evidence_id: evidence " + id + " was revoked by " + domain.MarketMSP + " (uploaded the wrong file)", "cannot prove a material"}},
		{"revoked without a revocation record", &revokedNoReason, domain.CodeUnprocessable, []string{"was revoked by " + domain.MarketMSP + " and cannot"}},
		{"deposited", &deposited, "", nil},
		{"certified", &certified, "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := domain.CheckMaterialEvidence("materials[0].evidence_id", id, c.e)
			require.Equal(t, c.code, domain.ErrorCode(err), "%v", err)
			for _, s := range c.contains {
				require.ErrorContains(t, err, s)
			}
		})
	}
}

func TestAttachMaterials(t *testing.T) {
	r := pledgedRegistration()
	b := domain.NewBusiness(r, registrar)
	ev := []domain.Evidence{materialEvidence(0, domain.EvidenceDeposited), materialEvidence(1, domain.EvidenceCertified)}
	ev[1].HashAlgorithm = domain.HashSM3
	require.NoError(t, domain.AttachMaterials(&b, r, ev, registrar))

	require.Equal(t, []domain.SuppliedMaterial{
		{Material: domain.MaterialArticles, EvidenceID: materialEvidenceID(0), HashAlgorithm: domain.HashSHA256, Hash: ev[0].Hash,
			SuppliedAt: registrar.At, SuppliedByOrg: registrar.Org, SuppliedBy: registrar.By, TxID: registrar.TxID},
		{Material: domain.MaterialLegalRepIdentity, EvidenceID: materialEvidenceID(1), HashAlgorithm: domain.HashSM3, Hash: ev[1].Hash,
			SuppliedAt: registrar.At, SuppliedByOrg: registrar.Org, SuppliedBy: registrar.By, TxID: registrar.TxID},
	}, b.Materials)
	require.Equal(t, &domain.Pledge{
		Status:    domain.PledgeOpen,
		Pledged:   r.Pledge.Missing,
		Missing:   r.Pledge.Missing,
		Statement: r.Pledge.Statement,
		PledgedBy: r.Pledge.PledgedBy,
		DueOn:     r.Pledge.DueOn,
		MadeAt:    registrar.At,
		TxID:      registrar.TxID,
	}, b.Pledge)

	// Pledged and Missing are copies, of the request and of each other.
	r.Pledge.Missing[0] = "changed"
	require.Equal(t, domain.MaterialAddressProof, b.Pledge.Pledged[0])
	require.Equal(t, domain.MaterialAddressProof, b.Pledge.Missing[0])
	b.Pledge.Missing[1] = "changed"
	require.Equal(t, domain.MaterialResolution, b.Pledge.Pledged[1])

	// The business's other fields are those of NewBusiness.
	plain := domain.NewBusiness(pledgedRegistration(), registrar)
	b.Materials, b.Pledge = nil, nil
	require.Equal(t, plain, b)
}

func TestAttachMaterialsWithoutPledge(t *testing.T) {
	b := domain.NewBusiness(validRegistration(), registrar)
	require.NoError(t, domain.AttachMaterials(&b, validRegistration(), nil, registrar))
	require.Nil(t, b.Materials)
	require.Nil(t, b.Pledge)

	r := pledgedRegistration()
	r.Pledge = nil
	b = domain.NewBusiness(r, registrar)
	require.NoError(t, domain.AttachMaterials(&b, r, []domain.Evidence{materialEvidence(0, domain.EvidenceDeposited), materialEvidence(1, domain.EvidenceDeposited)}, registrar))
	require.Len(t, b.Materials, 2)
	require.Nil(t, b.Pledge)
}

func TestAttachMaterialsRefusals(t *testing.T) {
	ev := []domain.Evidence{materialEvidence(0, domain.EvidenceDeposited), materialEvidence(1, domain.EvidenceDeposited)}
	cases := []struct {
		name     string
		due      string
		at       string
		ev       []domain.Evidence
		code     domain.Code
		contains string
	}{
		{"due on the registration date", "2026-01-02", registrar.At, ev, domain.CodeUnprocessable, "must be after the registration date 2026-01-02"},
		{"due 61 days later", "2026-03-04", registrar.At, ev, domain.CodeUnprocessable, "the latest allowed is 2026-03-03"},
		{"due 60 days later", "2026-03-03", registrar.At, ev, "", ""},
		{"registration date in CST", "2026-11-28", "2026-11-27T17:00:00Z", ev, domain.CodeUnprocessable, "registration date 2026-11-28"},
		{"last allowed in CST", "2027-01-27", "2026-11-27T17:00:00Z", ev, "", ""},
		{"too few evidence records", "2026-02-01", registrar.At, ev[:1], domain.CodeInvalid, "internal: 1 evidence records for 2 materials"},
		{"too many evidence records", "2026-02-01", registrar.At, append(ev, ev[0]), domain.CodeInvalid, "internal: 3 evidence records for 2 materials"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := pledgedRegistration()
			r.Pledge.DueOn = c.due
			a := registrar
			a.At = c.at
			b := domain.NewBusiness(r, a)
			err := domain.AttachMaterials(&b, r, c.ev, a)
			require.Equal(t, c.code, domain.ErrorCode(err), "%v", err)
			if c.contains != "" {
				require.ErrorContains(t, err, c.contains)
			} else {
				require.Equal(t, c.due, b.Pledge.DueOn)
			}
		})
	}
}

func TestSupplyMaterialRefusals(t *testing.T) {
	cases := []struct {
		name     string
		setup    func(t *testing.T, b *domain.Business)
		material string
		code     domain.Code
		contains []string
	}{
		{"no pledge", func(t *testing.T, b *domain.Business) { b.Pledge = nil }, domain.MaterialAddressProof,
			domain.CodeConflict, []string{"business 91430111MA4L41YT1U has no pledge; no material is outstanding"}},
		{"revoked business", func(t *testing.T, b *domain.Business) { b.Status = domain.StatusRevoked }, domain.MaterialAddressProof,
			domain.CodeConflict, []string{"business 91430111MA4L41YT1U is REVOKED; materials can no longer be supplied"}},
		{"deregistered business", func(t *testing.T, b *domain.Business) { b.Status = domain.StatusDeregistered }, domain.MaterialAddressProof,
			domain.CodeConflict, []string{"is DEREGISTERED"}},
		{"material not in the catalogue", func(t *testing.T, b *domain.Business) {}, domain.MaterialMembersList,
			domain.CodeUnprocessable, []string{`material: "members_list" is not a material of the 有限责任公司 catalogue`}},
		{"unknown material", func(t *testing.T, b *domain.Business) {}, "business_plan",
			domain.CodeUnprocessable, []string{`"business_plan" is not a material`}},
		{"entity type without a catalogue", func(t *testing.T, b *domain.Business) { b.EntityType = "合伙企业" }, domain.MaterialAddressProof,
			domain.CodeUnprocessable, []string{`entity type "合伙企业" has no material catalogue`}},
		{"material not pledged", func(t *testing.T, b *domain.Business) {
			b.Materials = b.Materials[:2] // the resolution was neither supplied nor pledged
		}, domain.MaterialResolution,
			domain.CodeUnprocessable, []string{"material shareholders_resolution was not pledged by business 91430111MA4L41YT1U; it pledged registered_address_proof, appointment_documents"}},
		{"already supplied at registration", func(t *testing.T, b *domain.Business) {}, domain.MaterialArticles,
			domain.CodeConflict, []string{"material articles_of_association of business 91430111MA4L41YT1U was already supplied (evidence " + materialEvidenceID(0) + ", " + registrar.At + ")"}},
		{"already supplied after the pledge", func(t *testing.T, b *domain.Business) {
			_, err := domain.SupplyMaterial(b, domain.MaterialRef{Material: domain.MaterialAddressProof, EvidenceID: materialEvidenceID(3)}, ptr(materialEvidence(3, domain.EvidenceDeposited)), supplier)
			require.NoError(t, err)
		}, domain.MaterialAddressProof,
			domain.CodeConflict, []string{"material registered_address_proof", "was already supplied (evidence " + materialEvidenceID(3) + ", " + supplier.At + ")"}},
		{"pledge fulfilled", func(t *testing.T, b *domain.Business) {
			for i, m := range []string{domain.MaterialAddressProof, domain.MaterialAppointments} {
				_, err := domain.SupplyMaterial(b, domain.MaterialRef{Material: m, EvidenceID: materialEvidenceID(3 + i)}, ptr(materialEvidence(3+i, domain.EvidenceDeposited)), supplier)
				require.NoError(t, err)
			}
		}, domain.MaterialAppointments,
			domain.CodeConflict, []string{"already supplied"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := pledgedBusiness(t)
			c.setup(t, &b)
			before := snapshot(t, b)
			var pledgeBefore string
			if b.Pledge != nil {
				pledgeBefore = snapshot(t, *b.Pledge)
			}
			oldPledge := b.Pledge
			e := materialEvidence(7, domain.EvidenceDeposited)
			fulfilled, err := domain.SupplyMaterial(&b, domain.MaterialRef{Material: c.material, EvidenceID: materialEvidenceID(7)}, &e, checker)
			require.Equal(t, c.code, domain.ErrorCode(err), "%v", err)
			for _, s := range c.contains {
				require.ErrorContains(t, err, s)
			}
			require.False(t, fulfilled)
			require.Equal(t, before, snapshot(t, b), "business untouched on error")
			require.Same(t, oldPledge, b.Pledge)
			if oldPledge != nil {
				require.Equal(t, pledgeBefore, snapshot(t, *oldPledge))
			}
		})
	}
}

func TestSupplyMaterial(t *testing.T) {
	b := pledgedBusiness(t)
	oldPledge := b.Pledge
	oldPledgeJSON := snapshot(t, *oldPledge)
	oldMaterials := b.Materials

	e1 := materialEvidence(3, domain.EvidenceCertified)
	fulfilled, err := domain.SupplyMaterial(&b, domain.MaterialRef{Material: domain.MaterialAddressProof, EvidenceID: e1.ID}, &e1, supplier)
	require.NoError(t, err)
	require.False(t, fulfilled)
	require.Equal(t, domain.PledgeOpen, b.Pledge.Status)
	require.Equal(t, []string{domain.MaterialAppointments}, b.Pledge.Missing)
	require.Equal(t, []string{domain.MaterialAddressProof, domain.MaterialAppointments}, b.Pledge.Pledged)
	require.Empty(t, b.Pledge.ClosedAt)
	require.Empty(t, b.Pledge.ClosedTxID)
	require.Len(t, b.Materials, 4)
	require.Equal(t, domain.SuppliedMaterial{
		Material: domain.MaterialAddressProof, EvidenceID: e1.ID, HashAlgorithm: e1.HashAlgorithm, Hash: e1.Hash,
		SuppliedAt: supplier.At, SuppliedByOrg: supplier.Org, SuppliedBy: supplier.By, TxID: supplier.TxID, Late: false,
	}, b.Materials[3])
	require.Equal(t, supplier.At, b.UpdatedAt)
	require.Equal(t, supplier.By, b.UpdatedBy)
	require.Equal(t, supplier.TxID, b.LastTxID)
	require.Equal(t, registrar.TxID, b.CreatedTxID)
	require.Equal(t, domain.StatusActive, b.Status)
	// The old pledge and materials were not changed in place.
	require.Equal(t, oldPledgeJSON, snapshot(t, *oldPledge))
	require.Len(t, oldMaterials, 3)

	a2 := supplier
	a2.At, a2.TxID = "2026-01-15T09:00:00Z", hexHash("4")
	e2 := materialEvidence(4, domain.EvidenceDeposited)
	fulfilled, err = domain.SupplyMaterial(&b, domain.MaterialRef{Material: domain.MaterialAppointments, EvidenceID: e2.ID}, &e2, a2)
	require.NoError(t, err)
	require.True(t, fulfilled)
	require.Equal(t, domain.PledgeFulfilled, b.Pledge.Status)
	require.Empty(t, b.Pledge.Missing)
	require.NotNil(t, b.Pledge.Missing, "missing encodes as [], not null")
	require.Equal(t, []string{domain.MaterialAddressProof, domain.MaterialAppointments}, b.Pledge.Pledged)
	require.Equal(t, a2.At, b.Pledge.ClosedAt)
	require.Equal(t, a2.TxID, b.Pledge.ClosedTxID)
	require.Empty(t, b.Pledge.CreditRecordID)
	require.Len(t, b.Materials, 5)
	require.False(t, b.Materials[4].Late)
	require.Equal(t, a2.TxID, b.LastTxID)

	// A fulfilled pledge is never overdue.
	overdue, err := domain.IsOverdue(b.Pledge, "2027-01-01T00:00:00Z")
	require.NoError(t, err)
	require.False(t, overdue)
}

func TestSupplyMaterialToSuspendedBusiness(t *testing.T) {
	b := pledgedBusiness(t)
	b.Status, b.StatusReason = domain.StatusSuspended, "inspection"
	e := materialEvidence(3, domain.EvidenceDeposited)
	_, err := domain.SupplyMaterial(&b, domain.MaterialRef{Material: domain.MaterialAddressProof, EvidenceID: e.ID}, &e, supplier)
	require.NoError(t, err)
	require.Equal(t, domain.StatusSuspended, b.Status, "supplying a material does not restore the business")
}

func TestSupplyMaterialToBrokenPledge(t *testing.T) {
	b := pledgedBusiness(t)
	cr, err := domain.BreakPledge(&b, checker)
	require.NoError(t, err)
	require.Equal(t, domain.StatusSuspended, b.Status)
	broken := *b.Pledge

	late := supplier
	late.At, late.TxID = "2026-01-25T01:00:00Z", hexHash("5")
	e := materialEvidence(3, domain.EvidenceDeposited)
	fulfilled, err := domain.SupplyMaterial(&b, domain.MaterialRef{Material: domain.MaterialAddressProof, EvidenceID: e.ID}, &e, late)
	require.NoError(t, err)
	require.False(t, fulfilled)
	require.Equal(t, domain.PledgeBroken, b.Pledge.Status)
	require.Equal(t, []string{domain.MaterialAppointments}, b.Pledge.Missing)
	require.True(t, b.Materials[len(b.Materials)-1].Late)
	require.Equal(t, late.TxID, b.Materials[len(b.Materials)-1].TxID)

	e2 := materialEvidence(4, domain.EvidenceDeposited)
	fulfilled, err = domain.SupplyMaterial(&b, domain.MaterialRef{Material: domain.MaterialAppointments, EvidenceID: e2.ID}, &e2, late)
	require.NoError(t, err)
	require.False(t, fulfilled, "a broken pledge is never fulfilled")
	require.Equal(t, domain.PledgeBroken, b.Pledge.Status)
	require.Empty(t, b.Pledge.Missing)
	require.True(t, b.Materials[len(b.Materials)-1].Late)
	// The pledge still records when and why it broke.
	require.Equal(t, broken.ClosedAt, b.Pledge.ClosedAt)
	require.Equal(t, broken.ClosedTxID, b.Pledge.ClosedTxID)
	require.Equal(t, cr.ID, b.Pledge.CreditRecordID)
	require.Equal(t, domain.StatusSuspended, b.Status, "restoring the business is the registrar's status change")
}

func TestIsOverdue(t *testing.T) {
	open := &domain.Pledge{Status: domain.PledgeOpen, DueOn: "2026-03-03"}
	cases := []struct {
		name string
		p    *domain.Pledge
		at   string
		want bool
	}{
		{"nil pledge", nil, "2030-01-01T00:00:00Z", false},
		{"before the due date", open, "2026-03-02T10:00:00Z", false},
		{"due today (CST start)", open, "2026-03-02T16:00:00Z", false},
		{"due today (CST end)", open, "2026-03-03T15:59:59Z", false},
		{"day after the due date in CST", open, "2026-03-03T16:00:00Z", true},
		{"long after", open, "2027-01-01T00:00:00Z", true},
		{"fulfilled", &domain.Pledge{Status: domain.PledgeFulfilled, DueOn: "2026-03-03"}, "2027-01-01T00:00:00Z", false},
		{"broken", &domain.Pledge{Status: domain.PledgeBroken, DueOn: "2026-03-03"}, "2027-01-01T00:00:00Z", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := domain.IsOverdue(c.p, c.at)
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
	_, err := domain.IsOverdue(open, "2026-03-04")
	require.Equal(t, domain.CodeInvalid, domain.ErrorCode(err), "%v", err)
}

func TestCreditRecordID(t *testing.T) {
	tx := "0123456789abcdef0123456789abcdef" + "fedcba9876543210fedcba9876543210"
	require.Equal(t, "0123456789abcdef0123456789abcdef-91430111MA4L41YT1U", domain.CreditRecordID(tx, "91430111MA4L41YT1U"))
	require.NotEqual(t, domain.CreditRecordID(tx, "91430111MA4L41YT1U"), domain.CreditRecordID(tx, "91430111MA4L41YT1W"))
}

func TestBreakPledgeActive(t *testing.T) {
	b := pledgedBusiness(t)
	madePledge := *b.Pledge
	cr, err := domain.BreakPledge(&b, checker) // 2026-01-20T16:00Z is 2026-01-21 in CST; due 2026-01-20
	require.NoError(t, err)

	desc := "pledge of 2026-01-02 to supply registered_address_proof, appointment_documents by 2026-01-20 was not kept"
	id := domain.CreditRecordID(checker.TxID, b.USCC)
	require.Equal(t, hexHash("3")[:32]+"-91430111MA4L41YT1U", id)
	require.Equal(t, domain.CreditRecord{
		ID:           id,
		USCC:         b.USCC,
		BusinessName: b.Name,
		Kind:         domain.CreditPledgeBroken,
		Description:  desc,
		Missing:      []string{domain.MaterialAddressProof, domain.MaterialAppointments},
		DueOn:        "2026-01-20",
		PledgedBy:    madePledge.PledgedBy,
		Statement:    madePledge.Statement,
		PledgeTxID:   registrar.TxID,
		Consequence:  domain.StatusSuspended,
		RecordMeta:   domain.NewRecordMeta(checker),
	}, cr)

	require.Equal(t, domain.StatusSuspended, b.Status)
	require.Contains(t, b.StatusReason, "告知承诺未履行")
	require.Contains(t, b.StatusReason, "pledge broken")
	require.Contains(t, b.StatusReason, desc)
	require.Equal(t, domain.PledgeBroken, b.Pledge.Status)
	require.Equal(t, checker.At, b.Pledge.ClosedAt)
	require.Equal(t, checker.TxID, b.Pledge.ClosedTxID)
	require.Equal(t, id, b.Pledge.CreditRecordID)
	require.Equal(t, madePledge.Missing, b.Pledge.Missing)
	require.Equal(t, checker.TxID, b.LastTxID)
	require.Equal(t, checker.At, b.UpdatedAt)

	// The credit record's list is its own.
	cr.Missing[0] = "changed"
	require.Equal(t, domain.MaterialAddressProof, b.Pledge.Missing[0])

	// Broken is final: a second check finds nothing overdue.
	again := checker
	again.TxID = hexHash("6")
	_, err = domain.BreakPledge(&b, again)
	require.Equal(t, domain.CodeConflict, domain.ErrorCode(err), "%v", err)
}

func TestBreakPledgeSuspended(t *testing.T) {
	b := pledgedBusiness(t)
	b.Status, b.StatusReason = domain.StatusSuspended, "现场检查"
	cr, err := domain.BreakPledge(&b, checker)
	require.NoError(t, err)
	require.Equal(t, "NONE", cr.Consequence)
	require.Equal(t, domain.StatusSuspended, b.Status)
	require.Equal(t, "现场检查", b.StatusReason)
	require.Equal(t, domain.PledgeBroken, b.Pledge.Status)
	require.Equal(t, cr.ID, b.Pledge.CreditRecordID)
}

// The description dates the pledge by the registration's date in China Standard Time, the
// calendar its due date was checked in, not by the UTC date of its timestamp.
func TestBreakPledgeDatesThePledgeInCST(t *testing.T) {
	r := twoPledgedRegistration()
	r.Pledge.DueOn = "2026-12-10"
	reg := registrar
	reg.At = "2026-11-27T17:00:00Z" // 2026-11-28 01:00 CST
	b := domain.NewBusiness(r, reg)
	ev := []domain.Evidence{materialEvidence(0, domain.EvidenceDeposited), materialEvidence(1, domain.EvidenceDeposited), materialEvidence(2, domain.EvidenceDeposited)}
	require.NoError(t, domain.AttachMaterials(&b, r, ev, reg))
	a := checker
	a.At = "2026-12-11T00:00:00Z"
	cr, err := domain.BreakPledge(&b, a)
	require.NoError(t, err)
	require.Equal(t, "pledge of 2026-11-28 to supply registered_address_proof, appointment_documents by 2026-12-10 was not kept", cr.Description)
}

func TestBreakPledgeRefusals(t *testing.T) {
	cases := []struct {
		name  string
		setup func(b *domain.Business)
		at    string
	}{
		{"not overdue: due today", func(b *domain.Business) {}, "2026-01-20T15:59:59Z"},
		{"not overdue: before", func(b *domain.Business) {}, "2026-01-10T00:00:00Z"},
		{"no pledge", func(b *domain.Business) { b.Pledge = nil }, "2027-01-01T00:00:00Z"},
		{"fulfilled", func(b *domain.Business) { b.Pledge.Status = domain.PledgeFulfilled }, "2027-01-01T00:00:00Z"},
		{"already broken", func(b *domain.Business) { b.Pledge.Status = domain.PledgeBroken }, "2027-01-01T00:00:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := pledgedBusiness(t)
			c.setup(&b)
			before := snapshot(t, b)
			a := checker
			a.At = c.at
			_, err := domain.BreakPledge(&b, a)
			require.Equal(t, domain.CodeConflict, domain.ErrorCode(err), "%v", err)
			require.ErrorContains(t, err, "business 91430111MA4L41YT1U has no overdue open pledge")
			require.Equal(t, before, snapshot(t, b))
		})
	}
	b := pledgedBusiness(t)
	a := checker
	a.At = "not a time"
	_, err := domain.BreakPledge(&b, a)
	require.Equal(t, domain.CodeInvalid, domain.ErrorCode(err), "%v", err)
}

func TestValidatePledgeFilter(t *testing.T) {
	cases := []struct {
		status, dueBefore string
		code              domain.Code
		contains          string
	}{
		{"", "", "", ""},
		{domain.PledgeOpen, "", "", ""},
		{domain.PledgeFulfilled, "", "", ""},
		{domain.PledgeBroken, "", "", ""},
		{"", "2026-01-31", "", ""},
		{domain.PledgeOpen, "2026-01-31", "", ""},
		{"open", "", domain.CodeInvalid, `status must be empty or one of OPEN, FULFILLED, BROKEN, got "open"`},
		{"CLOSED", "", domain.CodeInvalid, "status must be empty or one of"},
		{" OPEN", "", domain.CodeInvalid, "status must be empty or one of"},
		{"", "2026-1-31", domain.CodeInvalid, `due_before must be a date YYYY-MM-DD, got "2026-1-31"`},
		{"", "2026-02-30", domain.CodeInvalid, "due_before must be a date"},
		{"", " ", domain.CodeInvalid, "due_before must be a date"},
		{"BAD", "bad", domain.CodeInvalid, "status must be"},
	}
	for _, c := range cases {
		t.Run(c.status+"|"+c.dueBefore, func(t *testing.T) {
			err := domain.ValidatePledgeFilter(c.status, c.dueBefore)
			require.Equal(t, c.code, domain.ErrorCode(err), "%v", err)
			if c.contains != "" {
				require.ErrorContains(t, err, c.contains)
			}
		})
	}
	require.Equal(t, []string{domain.PledgeOpen, domain.PledgeFulfilled, domain.PledgeBroken}, domain.PledgeStatuses())
	for _, s := range domain.PledgeStatuses() {
		require.True(t, domain.IsPledgeStatus(s))
	}
	require.False(t, domain.IsPledgeStatus(""))
}
