package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

const (
	evidenceID2 = "fedcba9876543210fedcba9876543210"

	// pledgedRegisterBody registers a limited company that supplies its articles and the legal
	// representative's identity and pledges the three pledgeable materials (告知承诺制).
	pledgedRegisterBody = `{"uscc":"91430111MA4L41YT1U","name":"长沙示例科技有限公司","entity_type":"有限责任公司","legal_representative":"张三",
"registered_capital_fen":100000000,"address":"长沙市雨花区示例路1号","business_scope":"软件开发","established_on":"2016-05-20",
"registration_authority":"长沙市雨花区市场监督管理局",
"materials":[{"material":"articles_of_association","evidence_id":"` + evidenceID + `"},{"material":"legal_representative_identity","evidence_id":"` + evidenceID2 + `"}],
"pledge":{"missing":["registered_address_proof","shareholders_resolution","appointment_documents"],"statement":"本人承诺在期限内补齐材料","pledged_by":"张三","due_on":"2026-04-01"}}`

	supplyBody = `{"material":"registered_address_proof","evidence_id":"` + evidenceID + `"}`
)

func TestPledgeRoutes(t *testing.T) {
	cases := []routeCase{
		{"supply a pledged material", request{method: "POST", path: "/api/v1/businesses/" + uscc + "/materials", key: keyRegistrar, body: supplyBody}, 200, "", "business:SupplyMaterial", []string{uscc, supplyBody}},
		{"supply with a malformed evidence id", request{method: "POST", path: "/api/v1/businesses/" + uscc + "/materials", key: keyRegistrar, body: `{"material":"registered_address_proof","evidence_id":"XYZ"}`}, 400, "INVALID", "", nil},
		{"supply without a material", request{method: "POST", path: "/api/v1/businesses/" + uscc + "/materials", key: keyRegistrar, body: `{"evidence_id":"` + evidenceID + `"}`}, 400, "INVALID", "", nil},
		{"supply with an unknown field", request{method: "POST", path: "/api/v1/businesses/" + uscc + "/materials", key: keyRegistrar, body: `{"material":"x","evidence_id":"` + evidenceID + `","note":1}`}, 400, "INVALID", "", nil},
		{"supply to a malformed USCC", request{method: "POST", path: "/api/v1/businesses/123/materials", key: keyRegistrar, body: supplyBody}, 400, "INVALID", "", nil},
		{"only the market registrar supplies materials", request{method: "POST", path: "/api/v1/businesses/" + uscc + "/materials", key: keyFinance, body: supplyBody}, 403, "FORBIDDEN", "", nil},
		{"the audit office may not supply materials", request{method: "POST", path: "/api/v1/businesses/" + uscc + "/materials", key: keyAuditor, body: supplyBody}, 403, "FORBIDDEN", "", nil},

		{"overdue check without a body", request{method: "POST", path: "/api/v1/pledges/overdue-check", key: keyRegistrar}, 200, "", "business:CheckOverduePledges", []string{}},
		{"overdue check with {}", request{method: "POST", path: "/api/v1/pledges/overdue-check", key: keyRegistrar, body: `{}`}, 200, "", "business:CheckOverduePledges", []string{}},
		{"overdue check with arguments", request{method: "POST", path: "/api/v1/pledges/overdue-check", key: keyRegistrar, body: `{"as_of":"2026-05-01"}`}, 400, "INVALID", "", nil},
		{"overdue check by the tax bureau", request{method: "POST", path: "/api/v1/pledges/overdue-check", key: keyIssuer}, 403, "FORBIDDEN", "", nil},

		{"list pledges", request{method: "GET", path: "/api/v1/pledges?status=OPEN&due_before=2026-04-01&page_size=10&bookmark=bm", key: keyAuditor}, 200, "", "business:ListPledges", []string{"OPEN", "2026-04-01", "10", "bm"}},
		{"list pledges with defaults", request{method: "GET", path: "/api/v1/pledges", key: keyIssuer}, 200, "", "business:ListPledges", []string{"", "", "0", ""}},
		{"list pledges with a bad status", request{method: "GET", path: "/api/v1/pledges?status=open", key: keyAuditor}, 400, "INVALID", "", nil},
		{"list pledges with a bad date", request{method: "GET", path: "/api/v1/pledges?due_before=2026-13-01", key: keyAuditor}, 400, "INVALID", "", nil},
		{"list pledges with a bad page size", request{method: "GET", path: "/api/v1/pledges?page_size=500", key: keyAuditor}, 400, "INVALID", "", nil},

		{"credit records", request{method: "GET", path: "/api/v1/businesses/" + uscc + "/credit?page_size=5&bookmark=b", key: keyIssuer}, 200, "", "business:Credit", []string{uscc, "5", "b"}},
		{"credit records with defaults", request{method: "GET", path: "/api/v1/businesses/" + uscc + "/credit", key: keyAuditor}, 200, "", "business:Credit", []string{uscc, "0", ""}},
		{"credit records of a malformed USCC", request{method: "GET", path: "/api/v1/businesses/nope/credit", key: keyAuditor}, 400, "INVALID", "", nil},
		{"credit records need an API key", request{method: "GET", path: "/api/v1/businesses/" + uscc + "/credit"}, 401, "UNAUTHENTICATED", "", nil},

		{"register with materials and a pledge", request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: pledgedRegisterBody}, 201, "", "business:Register", nil},
		{"register pledging an identity document", request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar,
			body: strings.Replace(pledgedRegisterBody, `"registered_address_proof","shareholders_resolution"`, `"registered_address_proof","legal_representative_identity","shareholders_resolution"`, 1)}, 422, "UNPROCESSABLE", "", nil},
		{"register with incomplete materials", request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar,
			body: strings.Replace(pledgedRegisterBody, `"registered_address_proof",`, ``, 1)}, 422, "UNPROCESSABLE", "", nil},
		{"register with an empty pledge", request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar,
			body: strings.Replace(pledgedRegisterBody, `["registered_address_proof","shareholders_resolution","appointment_documents"]`, `[]`, 1)}, 400, "INVALID", "", nil},
		{"register with a material of another catalogue", request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar,
			body: strings.Replace(pledgedRegisterBody, `"appointment_documents"]`, `"appointment_documents","members_list"]`, 1)}, 422, "UNPROCESSABLE", "", nil},
		{"register with a pledge without a due date", request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar,
			body: strings.Replace(pledgedRegisterBody, `"due_on":"2026-04-01"`, `"due_on":""`, 1)}, 400, "INVALID", "", nil},
		{"register with an unknown pledge field", request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar,
			body: strings.Replace(pledgedRegisterBody, `"due_on":"2026-04-01"`, `"due_on":"2026-04-01","grace":7`, 1)}, 400, "INVALID", "", nil},
	}
	runRouteCases(t, cases)
}

// The materials and the pledge of a registration reach the chaincode, through the plain
// registration and through the one with personal data.
func TestRegistrationCarriesMaterialsAndPledge(t *testing.T) {
	check := func(t *testing.T, arg string) {
		t.Helper()
		var sent domain.RegisterBusinessRequest
		require.NoError(t, domain.DecodeValid("sent", []byte(arg), &sent))
		require.Equal(t, []domain.MaterialRef{
			{Material: domain.MaterialArticles, EvidenceID: evidenceID},
			{Material: domain.MaterialLegalRepIdentity, EvidenceID: evidenceID2},
		}, sent.Materials)
		require.NotNil(t, sent.Pledge)
		require.Equal(t, []string{domain.MaterialAddressProof, domain.MaterialResolution, domain.MaterialAppointments}, sent.Pledge.Missing)
		require.Equal(t, "2026-04-01", sent.Pledge.DueOn)
		require.Equal(t, "张三", sent.Pledge.PledgedBy)
	}
	t.Run("plain", func(t *testing.T) {
		h := newHarness(t, nil)
		w := h.do(request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: pledgedRegisterBody})
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
		calls := h.ledger.Calls()
		require.Len(t, calls, 1)
		check(t, calls[0].Args[0])
	})
	t.Run("with personal data", func(t *testing.T) {
		h := newHarness(t, &fakeLedger{submit: func(call ledger.Call, hooks []ledger.PreparedHook) (*ledger.Committed, error) {
			res := []byte(`{"uscc":"` + uscc + `"}`)
			if call.Name() == "personal:Stage" {
				res = mustJSON(domain.StageResult{USCC: uscc, StageID: txID})
			}
			return &ledger.Committed{TransactionID: txID, BlockNumber: 3, Result: res}, nil
		}})
		body := strings.TrimSuffix(pledgedRegisterBody, "}") + `,"personal":{"mobile":"13812345678"}}`
		w := h.do(request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: body})
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
		var bind *ledger.Call
		for _, c := range h.ledger.Calls() {
			if c.Name() == "business:RegisterWithPersonal" {
				bind = &c
			}
		}
		require.NotNil(t, bind, "calls: %v", h.ledger.Calls())
		check(t, bind.Args[0])
		require.NotContains(t, bind.Args[0], "13812345678", "personal data never in an argument")
	})
}

func TestMaterialCatalogue(t *testing.T) {
	h := newHarness(t, nil)
	t.Run("every catalogue", func(t *testing.T) {
		w := h.do(request{method: "GET", path: "/api/v1/materials/catalogue", key: keyIssuer})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		var got []domain.MaterialCatalogue
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
		require.Equal(t, domain.MaterialCatalogues(), got)
	})
	t.Run("one, by name or alias", func(t *testing.T) {
		for _, q := range []string{"%E6%9C%89%E9%99%90%E8%B4%A3%E4%BB%BB%E5%85%AC%E5%8F%B8", "Limited%20Company"} {
			w := h.do(request{method: "GET", path: "/api/v1/materials/catalogue?entity_type=" + q, key: keyAuditor})
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			var got domain.MaterialCatalogue
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
			require.Equal(t, "有限责任公司", got.EntityType)
			require.Contains(t, got.Codes(), domain.MaterialAddressProof)
		}
	})
	t.Run("an entity type without a catalogue is 404 naming the catalogued ones", func(t *testing.T) {
		w := h.do(request{method: "GET", path: "/api/v1/materials/catalogue?entity_type=partnership", key: keyAuditor})
		require.Equal(t, http.StatusNotFound, w.Code)
		e := errorOf(t, w)
		require.Equal(t, "NOT_FOUND", e.Code)
		require.Contains(t, e.Message, "partnership")
		for _, c := range domain.MaterialCatalogues() {
			require.Contains(t, e.Message, c.EntityType)
		}
	})
	t.Run("an absurdly long entity type is 400", func(t *testing.T) {
		w := h.do(request{method: "GET", path: "/api/v1/materials/catalogue?entity_type=" + strings.Repeat("x", 300), key: keyAuditor})
		require.Equal(t, http.StatusBadRequest, w.Code)
	})
	t.Run("authenticated", func(t *testing.T) {
		w := h.do(request{method: "GET", path: "/api/v1/materials/catalogue"})
		require.Equal(t, http.StatusUnauthorized, w.Code)
	})
	require.Empty(t, h.ledger.Calls(), "the catalogue is not read from the ledger")
}
