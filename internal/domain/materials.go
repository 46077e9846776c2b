package domain

import "strings"

// Material codes of the registration catalogues.
const (
	MaterialArticles         = "articles_of_association"       // 公司章程
	MaterialLegalRepIdentity = "legal_representative_identity" // 法定代表人身份证明
	MaterialAddressProof     = "registered_address_proof"      // 住所（经营场所）使用证明
	MaterialResolution       = "shareholders_resolution"       // 股东会决议或股东决定
	MaterialAppointments     = "appointment_documents"         // 董事、监事、经理任职文件
	MaterialOperatorIdentity = "operator_identity"             // 经营者身份证明
	MaterialMembersList      = "members_list"                  // 成员名册
	MaterialFoundingMeeting  = "founding_meeting_minutes"      // 设立大会纪要
)

// MaterialSpec is one document of a registration catalogue.
type MaterialSpec struct {
	Code string `json:"code"`
	Name string `json:"name"` // the document's name as the bureau's checklist prints it
	// Pledgeable materials may be promised under 告知承诺制 instead of supplied at once.
	// Identity documents never are.
	Pledgeable bool `json:"pledgeable"`
}

// MaterialCatalogue lists the documents a registration of one entity type needs.
type MaterialCatalogue struct {
	EntityType string `json:"entity_type"`
	// Aliases are the other spellings of the entity type that registrations use.
	Aliases   []string       `json:"aliases"`
	Materials []MaterialSpec `json:"materials"`
}

// materialCatalogues is THE catalogue: every document each entity type needs, and which may
// be pledged. An identity document is never pledgeable (tested).
var materialCatalogues = []MaterialCatalogue{
	{
		EntityType: "有限责任公司",
		Aliases:    []string{"limited company", "limited liability company"},
		Materials: []MaterialSpec{
			{Code: MaterialArticles, Name: "公司章程 (articles of association)"},
			{Code: MaterialLegalRepIdentity, Name: "法定代表人身份证明 (legal representative's identity)"},
			{Code: MaterialAddressProof, Name: "住所使用证明 (proof of the registered address)", Pledgeable: true},
			{Code: MaterialResolution, Name: "股东会决议或股东决定 (shareholders' resolution)", Pledgeable: true},
			{Code: MaterialAppointments, Name: "董事、监事、经理任职文件 (appointment documents)", Pledgeable: true},
		},
	},
	{
		EntityType: "股份有限公司",
		Aliases:    []string{"joint stock company", "company limited by shares"},
		Materials: []MaterialSpec{
			{Code: MaterialArticles, Name: "公司章程 (articles of association)"},
			{Code: MaterialLegalRepIdentity, Name: "法定代表人身份证明 (legal representative's identity)"},
			{Code: MaterialFoundingMeeting, Name: "设立大会纪要 (minutes of the founding meeting)"},
			{Code: MaterialAddressProof, Name: "住所使用证明 (proof of the registered address)", Pledgeable: true},
			{Code: MaterialAppointments, Name: "董事、监事、经理任职文件 (appointment documents)", Pledgeable: true},
		},
	},
	{
		EntityType: "个体工商户",
		Aliases:    []string{"individual business"},
		Materials: []MaterialSpec{
			{Code: MaterialOperatorIdentity, Name: "经营者身份证明 (operator's identity)"},
			{Code: MaterialAddressProof, Name: "经营场所使用证明 (proof of the business premises)", Pledgeable: true},
		},
	},
	{
		EntityType: "农民专业合作社",
		Aliases:    []string{"farmers' cooperative", "farmers cooperative"},
		Materials: []MaterialSpec{
			{Code: MaterialArticles, Name: "合作社章程 (articles of the cooperative)"},
			{Code: MaterialLegalRepIdentity, Name: "法定代表人身份证明 (legal representative's identity)"},
			{Code: MaterialMembersList, Name: "成员名册 (list of members)"},
			{Code: MaterialAddressProof, Name: "住所使用证明 (proof of the registered address)", Pledgeable: true},
			{Code: MaterialFoundingMeeting, Name: "设立大会纪要 (minutes of the founding meeting)", Pledgeable: true},
		},
	},
}

// identityMaterials may never be pledged, whatever a catalogue says.
var identityMaterials = []string{MaterialLegalRepIdentity, MaterialOperatorIdentity}

// MaterialCatalogues returns every catalogue, in a fixed order (a copy).
func MaterialCatalogues() []MaterialCatalogue {
	out := make([]MaterialCatalogue, len(materialCatalogues))
	for i, c := range materialCatalogues {
		out[i] = MaterialCatalogue{
			EntityType: c.EntityType,
			Aliases:    append([]string{}, c.Aliases...),
			Materials:  append([]MaterialSpec{}, c.Materials...),
		}
	}
	return out
}

// CatalogueFor returns the catalogue of an entity type, matched on its name or an alias
// (aliases case-insensitively, surrounding spaces ignored).
func CatalogueFor(entityType string) (MaterialCatalogue, bool) {
	t := strings.TrimSpace(entityType)
	for _, c := range MaterialCatalogues() {
		if c.EntityType == t {
			return c, true
		}
		for _, a := range c.Aliases {
			if strings.EqualFold(a, t) {
				return c, true
			}
		}
	}
	return MaterialCatalogue{}, false
}

// Spec returns the catalogue's entry for a material code.
func (c MaterialCatalogue) Spec(code string) (MaterialSpec, bool) {
	for _, m := range c.Materials {
		if m.Code == code {
			return m, true
		}
	}
	return MaterialSpec{}, false
}

// Codes lists the catalogue's material codes in order.
func (c MaterialCatalogue) Codes() []string {
	out := make([]string, len(c.Materials))
	for i, m := range c.Materials {
		out[i] = m.Code
	}
	return out
}

// IsIdentityMaterial reports whether code is an identity document (never pledgeable).
func IsIdentityMaterial(code string) bool { return contains(identityMaterials, code) }

// CatalogueEntityTypes lists the entity types that have a material catalogue, in order.
func CatalogueEntityTypes() []string {
	var out []string
	for _, c := range materialCatalogues {
		out = append(out, c.EntityType)
	}
	return out
}
