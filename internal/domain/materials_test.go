package domain_test

import (
	"strings"
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

// materialEvidenceID is the id of the i-th document deposited for a registration's materials.
func materialEvidenceID(i int) string { return domain.EvidenceID("tx-deposit", i) }

// pledgedRegistration is a complete 有限责任公司 registration: articles and the legal
// representative's identity supplied, the other three materials pledged.
func pledgedRegistration() domain.RegisterBusinessRequest {
	r := validRegistration()
	r.Materials = []domain.MaterialRef{
		{Material: domain.MaterialArticles, EvidenceID: materialEvidenceID(0)},
		{Material: domain.MaterialLegalRepIdentity, EvidenceID: materialEvidenceID(1)},
	}
	r.Pledge = &domain.PledgeRequest{
		Missing:   []string{domain.MaterialAddressProof, domain.MaterialResolution, domain.MaterialAppointments},
		Statement: "本人承诺在期限内补交住所使用证明、股东会决议和任职文件，所填信息真实有效。",
		PledgedBy: "张三",
		DueOn:     "2026-02-01",
	}
	return r
}

func TestMaterialCataloguesIdentityNeverPledgeable(t *testing.T) {
	cats := domain.MaterialCatalogues()
	require.NotEmpty(t, cats)
	for _, c := range cats {
		t.Run(c.EntityType, func(t *testing.T) {
			identities := 0
			for _, m := range c.Materials {
				if domain.IsIdentityMaterial(m.Code) {
					identities++
					require.False(t, m.Pledgeable, "identity material %s must not be pledgeable", m.Code)
				}
			}
			require.Equal(t, 1, identities, "every catalogue needs exactly one identity material")
		})
	}
}

func TestIsIdentityMaterial(t *testing.T) {
	require.True(t, domain.IsIdentityMaterial(domain.MaterialLegalRepIdentity))
	require.True(t, domain.IsIdentityMaterial(domain.MaterialOperatorIdentity))
	for _, code := range []string{domain.MaterialArticles, domain.MaterialAddressProof, domain.MaterialResolution,
		domain.MaterialAppointments, domain.MaterialMembersList, domain.MaterialFoundingMeeting, "", "identity"} {
		require.False(t, domain.IsIdentityMaterial(code), code)
	}
}

func TestMaterialCataloguesWellFormed(t *testing.T) {
	seenType := map[string]bool{}
	for _, c := range domain.MaterialCatalogues() {
		t.Run(c.EntityType, func(t *testing.T) {
			require.NotEmpty(t, c.EntityType)
			require.False(t, seenType[c.EntityType], "entity type listed twice")
			seenType[c.EntityType] = true
			require.NotEmpty(t, c.Materials)
			seen := map[string]bool{}
			pledgeable := 0
			for _, m := range c.Materials {
				require.NotEmpty(t, m.Code)
				require.NotEmpty(t, m.Name, m.Code)
				require.False(t, seen[m.Code], "material %s listed twice", m.Code)
				seen[m.Code] = true
				if m.Pledgeable {
					pledgeable++
				}
				spec, ok := c.Spec(m.Code)
				require.True(t, ok)
				require.Equal(t, m, spec)
			}
			require.Positive(t, pledgeable, "a catalogue without a pledgeable material makes pledges pointless")
			require.Len(t, c.Codes(), len(c.Materials))
			for i, code := range c.Codes() {
				require.Equal(t, c.Materials[i].Code, code, "codes in catalogue order")
			}
			_, ok := c.Spec("no_such_material")
			require.False(t, ok)
		})
	}
}

func TestCatalogueFor(t *testing.T) {
	cases := []struct {
		in   string
		want string // "" for no catalogue
	}{
		{"有限责任公司", "有限责任公司"},
		{"  有限责任公司\t", "有限责任公司"},
		{"limited company", "有限责任公司"},
		{"Limited Company", "有限责任公司"},
		{"LIMITED LIABILITY COMPANY", "有限责任公司"},
		{"股份有限公司", "股份有限公司"},
		{"Joint Stock Company", "股份有限公司"},
		{" company limited by shares ", "股份有限公司"},
		{"个体工商户", "个体工商户"},
		{"Individual Business", "个体工商户"},
		{"农民专业合作社", "农民专业合作社"},
		{"Farmers' Cooperative", "农民专业合作社"},
		{"farmers cooperative\n", "农民专业合作社"},
		{"合伙企业", ""},
		{"", ""},
		{"   ", ""},
		{"limited", ""},
		{"limited  company", ""},
		{"有限责任公司有限责任公司", ""},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			cat, ok := domain.CatalogueFor(c.in)
			if c.want == "" {
				require.False(t, ok)
				require.Equal(t, domain.MaterialCatalogue{}, cat)
				return
			}
			require.True(t, ok)
			require.Equal(t, c.want, cat.EntityType)
		})
	}
	// Every name and alias finds its own catalogue.
	for _, c := range domain.MaterialCatalogues() {
		for _, name := range append([]string{c.EntityType}, c.Aliases...) {
			got, ok := domain.CatalogueFor(name)
			require.True(t, ok, name)
			require.Equal(t, c, got, name)
		}
	}
}

func TestMaterialCataloguesReturnsACopy(t *testing.T) {
	before := domain.MaterialCatalogues()
	mutated := domain.MaterialCatalogues()
	mutated[0].EntityType = "changed"
	mutated[0].Aliases[0] = "changed"
	mutated[0].Materials[0].Pledgeable = true
	mutated[0].Materials[0].Code = "changed"
	for i := range mutated {
		for j := range mutated[i].Materials {
			mutated[i].Materials[j].Pledgeable = true
		}
	}
	mutated = append(mutated[:1], mutated[2:]...) // also disturbs the backing array
	_ = mutated

	require.Equal(t, before, domain.MaterialCatalogues())
	cat, ok := domain.CatalogueFor(before[0].EntityType)
	require.True(t, ok)
	spec, ok := cat.Spec(domain.MaterialLegalRepIdentity)
	require.True(t, ok)
	require.False(t, spec.Pledgeable)

	// Catalogues handed out by CatalogueFor are copies too.
	cat.Materials[0].Pledgeable = true
	cat.Aliases[0] = "changed"
	again, _ := domain.CatalogueFor(before[0].EntityType)
	require.Equal(t, before[0], again)
}

func TestRegisterBusinessRequestValidateMaterials(t *testing.T) {
	missing := func(codes ...string) func(r *domain.RegisterBusinessRequest) {
		return func(r *domain.RegisterBusinessRequest) { r.Pledge.Missing = codes }
	}
	cases := []struct {
		name     string
		base     func() domain.RegisterBusinessRequest
		mutate   func(r *domain.RegisterBusinessRequest)
		code     domain.Code
		contains []string
	}{
		{"neither materials nor pledge", validRegistration, func(r *domain.RegisterBusinessRequest) {}, "", nil},
		{"uncatalogued type without materials", validRegistration, func(r *domain.RegisterBusinessRequest) { r.EntityType = "合伙企业" }, "", nil},
		{"empty (non-nil) materials, no pledge", validRegistration, func(r *domain.RegisterBusinessRequest) {
			r.EntityType = "合伙企业"
			r.Materials = []domain.MaterialRef{}
		}, "", nil},
		{"complete: some supplied, rest pledged", pledgedRegistration, func(r *domain.RegisterBusinessRequest) {}, "", nil},
		{"complete via an alias", pledgedRegistration, func(r *domain.RegisterBusinessRequest) { r.EntityType = " Limited Company " }, "", nil},
		{"complete: all supplied, no pledge", pledgedRegistration, func(r *domain.RegisterBusinessRequest) {
			for i, code := range r.Pledge.Missing {
				r.Materials = append(r.Materials, domain.MaterialRef{Material: code, EvidenceID: materialEvidenceID(10 + i)})
			}
			r.Pledge = nil
		}, "", nil},
		{"complete: one pledged, rest supplied", pledgedRegistration, func(r *domain.RegisterBusinessRequest) {
			r.Materials = append(r.Materials,
				domain.MaterialRef{Material: domain.MaterialAddressProof, EvidenceID: materialEvidenceID(2)},
				domain.MaterialRef{Material: domain.MaterialResolution, EvidenceID: materialEvidenceID(3)})
			r.Pledge.Missing = []string{domain.MaterialAppointments}
		}, "", nil},
		{"complete individual business", validRegistration, func(r *domain.RegisterBusinessRequest) {
			r.EntityType = "个体工商户"
			r.Materials = []domain.MaterialRef{{Material: domain.MaterialOperatorIdentity, EvidenceID: materialEvidenceID(0)}}
			r.Pledge = &domain.PledgeRequest{Missing: []string{domain.MaterialAddressProof}, Statement: "承诺补交", PledgedBy: "李四", DueOn: "2026-02-01"}
		}, "", nil},
		{"multi-line statement is fine", pledgedRegistration, func(r *domain.RegisterBusinessRequest) { r.Pledge.Statement = "第一条\n第二条\t完" }, "", nil},
		{"uncatalogued type with a pledge", pledgedRegistration, func(r *domain.RegisterBusinessRequest) { r.EntityType = "合伙企业" },
			domain.CodeUnprocessable, []string{`entity type "合伙企业" has no material catalogue`, "有限责任公司"}},
		{"uncatalogued type with materials only", pledgedRegistration, func(r *domain.RegisterBusinessRequest) {
			r.EntityType = "合伙企业"
			r.Pledge = nil
		}, domain.CodeUnprocessable, []string{"has no material catalogue"}},
		{"unknown material code", pledgedRegistration, func(r *domain.RegisterBusinessRequest) { r.Materials[1].Material = "business_plan" },
			domain.CodeUnprocessable, []string{`materials[1].material: "business_plan" is not a material of the 有限责任公司 catalogue`}},
		{"material of another catalogue", pledgedRegistration, func(r *domain.RegisterBusinessRequest) { r.Materials[0].Material = domain.MaterialMembersList },
			domain.CodeUnprocessable, []string{`materials[0].material: "members_list" is not a material`}},
		{"unknown pledged code", pledgedRegistration, missing("business_plan", domain.MaterialAddressProof),
			domain.CodeUnprocessable, []string{`pledge.missing[0]: "business_plan" is not a material`}},
		{"duplicate material", pledgedRegistration, func(r *domain.RegisterBusinessRequest) {
			r.Materials = append(r.Materials, domain.MaterialRef{Material: domain.MaterialArticles, EvidenceID: materialEvidenceID(5)})
		}, domain.CodeInvalid, []string{"materials[2].material articles_of_association is already listed in materials[0]"}},
		{"material supplied and pledged", pledgedRegistration, func(r *domain.RegisterBusinessRequest) {
			r.Materials = append(r.Materials, domain.MaterialRef{Material: domain.MaterialResolution, EvidenceID: materialEvidenceID(5)})
		}, domain.CodeInvalid, []string{"pledge.missing[1]: shareholders_resolution is already listed in materials[2]", "either supplied or pledged"}},
		{"material pledged twice", pledgedRegistration, missing(domain.MaterialAddressProof, domain.MaterialResolution, domain.MaterialAppointments, domain.MaterialAddressProof),
			domain.CodeInvalid, []string{"pledge.missing[3]: registered_address_proof is already listed in pledge.missing[0]"}},
		{"empty pledge.missing", pledgedRegistration, missing(),
			domain.CodeInvalid, []string{"pledge.missing must list at least one material"}},
		{"nil pledge.missing", pledgedRegistration, missing(nil...),
			domain.CodeInvalid, []string{"pledge.missing must list at least one material"}},
		{"legal representative's identity pledged", pledgedRegistration, func(r *domain.RegisterBusinessRequest) {
			r.Materials = r.Materials[:1]
			r.Pledge.Missing = append(r.Pledge.Missing, domain.MaterialLegalRepIdentity)
		}, domain.CodeUnprocessable, []string{"pledge.missing[3]: legal_representative_identity", "may never be pledged"}},
		{"operator's identity pledged", validRegistration, func(r *domain.RegisterBusinessRequest) {
			r.EntityType = "个体工商户"
			r.Materials = []domain.MaterialRef{{Material: domain.MaterialAddressProof, EvidenceID: materialEvidenceID(0)}}
			r.Pledge = &domain.PledgeRequest{Missing: []string{domain.MaterialOperatorIdentity}, Statement: "承诺补交", PledgedBy: "李四", DueOn: "2026-02-01"}
		}, domain.CodeUnprocessable, []string{"pledge.missing[0]: operator_identity", "may never be pledged"}},
		{"identity pledged although also supplied", pledgedRegistration, func(r *domain.RegisterBusinessRequest) {
			r.Pledge.Missing = append(r.Pledge.Missing, domain.MaterialLegalRepIdentity)
		}, domain.CodeUnprocessable, []string{"may never be pledged"}},
		{"articles pledged", pledgedRegistration, func(r *domain.RegisterBusinessRequest) {
			r.Materials = r.Materials[1:]
			r.Pledge.Missing = append(r.Pledge.Missing, domain.MaterialArticles)
		}, domain.CodeUnprocessable, []string{"pledge.missing[3]: articles_of_association", "may not be pledged for a 有限责任公司"}},
		{"founding minutes not pledgeable for a joint stock company", validRegistration, func(r *domain.RegisterBusinessRequest) {
			r.EntityType = "股份有限公司"
			r.Materials = []domain.MaterialRef{
				{Material: domain.MaterialArticles, EvidenceID: materialEvidenceID(0)},
				{Material: domain.MaterialLegalRepIdentity, EvidenceID: materialEvidenceID(1)},
			}
			r.Pledge = &domain.PledgeRequest{Missing: []string{domain.MaterialFoundingMeeting, domain.MaterialAddressProof, domain.MaterialAppointments},
				Statement: "承诺补交", PledgedBy: "王五", DueOn: "2026-02-01"}
		}, domain.CodeUnprocessable, []string{"founding_meeting_minutes", "may not be pledged for a 股份有限公司"}},
		{"founding minutes pledgeable for a cooperative", validRegistration, func(r *domain.RegisterBusinessRequest) {
			r.EntityType = "农民专业合作社"
			r.Materials = []domain.MaterialRef{
				{Material: domain.MaterialArticles, EvidenceID: materialEvidenceID(0)},
				{Material: domain.MaterialLegalRepIdentity, EvidenceID: materialEvidenceID(1)},
				{Material: domain.MaterialMembersList, EvidenceID: materialEvidenceID(2)},
			}
			r.Pledge = &domain.PledgeRequest{Missing: []string{domain.MaterialFoundingMeeting, domain.MaterialAddressProof},
				Statement: "承诺补交", PledgedBy: "王五", DueOn: "2026-02-01"}
		}, "", nil},
		{"missing statement", pledgedRegistration, func(r *domain.RegisterBusinessRequest) { r.Pledge.Statement = "" },
			domain.CodeInvalid, []string{"pledge.statement is required"}},
		{"blank statement", pledgedRegistration, func(r *domain.RegisterBusinessRequest) { r.Pledge.Statement = " \n " },
			domain.CodeInvalid, []string{"pledge.statement is required"}},
		{"statement too long", pledgedRegistration, func(r *domain.RegisterBusinessRequest) {
			r.Pledge.Statement = strings.Repeat("诺", domain.MaxLongTextLen+1)
		},
			domain.CodeInvalid, []string{"pledge.statement is"}},
		{"statement with a personal ID number", pledgedRegistration, func(r *domain.RegisterBusinessRequest) {
			r.Pledge.Statement = "承诺人张三 11010519491231002X 承诺补交"
		},
			domain.CodeUnprocessable, []string{"pledge.statement appears to contain a personal ID number"}},
		{"missing pledged_by", pledgedRegistration, func(r *domain.RegisterBusinessRequest) { r.Pledge.PledgedBy = "" },
			domain.CodeInvalid, []string{"pledge.pledged_by is required"}},
		{"pledged_by with digits", pledgedRegistration, func(r *domain.RegisterBusinessRequest) { r.Pledge.PledgedBy = "张三13800138000" },
			domain.CodeUnprocessable, []string{"pledge.pledged_by must be the person's name only"}},
		{"missing due_on", pledgedRegistration, func(r *domain.RegisterBusinessRequest) { r.Pledge.DueOn = "" },
			domain.CodeInvalid, []string{"pledge.due_on is required"}},
		{"malformed due_on", pledgedRegistration, func(r *domain.RegisterBusinessRequest) { r.Pledge.DueOn = "2026-2-1" },
			domain.CodeInvalid, []string{`pledge.due_on must be a date YYYY-MM-DD, got "2026-2-1"`}},
		{"impossible due_on", pledgedRegistration, func(r *domain.RegisterBusinessRequest) { r.Pledge.DueOn = "2026-02-30" },
			domain.CodeInvalid, []string{"pledge.due_on must be a date"}},
		{"due_on with a time", pledgedRegistration, func(r *domain.RegisterBusinessRequest) { r.Pledge.DueOn = "2026-02-01T00:00:00Z" },
			domain.CodeInvalid, []string{"pledge.due_on must be a date"}},
		{"upper-case evidence id", pledgedRegistration, func(r *domain.RegisterBusinessRequest) {
			r.Materials[1].EvidenceID = strings.ToUpper(materialEvidenceID(1))
		},
			domain.CodeInvalid, []string{"materials[1].evidence_id: evidence id must be 32 lowercase hex characters"}},
		{"short evidence id", pledgedRegistration, func(r *domain.RegisterBusinessRequest) { r.Materials[0].EvidenceID = "abc" },
			domain.CodeInvalid, []string{"materials[0].evidence_id:"}},
		{"missing evidence id", pledgedRegistration, func(r *domain.RegisterBusinessRequest) { r.Materials[0].EvidenceID = "" },
			domain.CodeInvalid, []string{"materials[0].evidence_id:"}},
		{"incomplete: material neither supplied nor pledged", pledgedRegistration, missing(domain.MaterialAddressProof, domain.MaterialResolution),
			domain.CodeUnprocessable, []string{"materials are incomplete: appointment_documents", "neither supplied nor pledged",
				"articles_of_association, legal_representative_identity, registered_address_proof, shareholders_resolution, appointment_documents"}},
		{"incomplete without a pledge", pledgedRegistration, func(r *domain.RegisterBusinessRequest) { r.Pledge = nil },
			domain.CodeUnprocessable, []string{"materials are incomplete: registered_address_proof"}},
		{"incomplete: identity missing, nothing else", pledgedRegistration, func(r *domain.RegisterBusinessRequest) { r.Materials = r.Materials[:1] },
			domain.CodeUnprocessable, []string{"materials are incomplete: legal_representative_identity"}},
		{"pledge only, supplied nothing", pledgedRegistration, func(r *domain.RegisterBusinessRequest) { r.Materials = nil },
			domain.CodeUnprocessable, []string{"materials are incomplete: articles_of_association"}},
		{"basic fields are checked first", pledgedRegistration, func(r *domain.RegisterBusinessRequest) {
			r.Name = ""
			r.Pledge.Missing = nil
		}, domain.CodeInvalid, []string{"name is required"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.base()
			c.mutate(&r)
			err := r.Validate()
			require.Equal(t, c.code, domain.ErrorCode(err), "%v", err)
			for _, s := range c.contains {
				require.ErrorContains(t, err, s)
			}
		})
	}
}

func TestRegisterBusinessRequestValidateDoesNotChangeRequest(t *testing.T) {
	r := pledgedRegistration()
	r.EntityType = " limited company "
	want := pledgedRegistration()
	want.EntityType = " limited company "
	require.NoError(t, r.Validate())
	require.Equal(t, want, r)
}

func TestMaterialRefValidate(t *testing.T) {
	cases := []struct {
		name     string
		ref      domain.MaterialRef
		code     domain.Code
		contains string
	}{
		{"valid", domain.MaterialRef{Material: domain.MaterialAddressProof, EvidenceID: materialEvidenceID(0)}, "", ""},
		{"missing material", domain.MaterialRef{EvidenceID: materialEvidenceID(0)}, domain.CodeInvalid, "material is required"},
		{"control character", domain.MaterialRef{Material: "a\x00", EvidenceID: materialEvidenceID(0)}, domain.CodeInvalid, "control"},
		{"bad evidence id", domain.MaterialRef{Material: domain.MaterialAddressProof, EvidenceID: "x"}, domain.CodeInvalid, "evidence_id: evidence id must be 32"},
		{"missing evidence id", domain.MaterialRef{Material: domain.MaterialAddressProof}, domain.CodeInvalid, "evidence_id:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.ref.Validate()
			require.Equal(t, c.code, domain.ErrorCode(err), "%v", err)
			if c.contains != "" {
				require.ErrorContains(t, err, c.contains)
			}
		})
	}
}
