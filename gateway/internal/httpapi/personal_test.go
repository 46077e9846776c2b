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
	personalID     = "11010519491231002X"
	personalMobile = "13912345678"
	withPersonal   = `{"uscc":"91430111MA4L41YT1U","name":"长沙示例科技有限公司","entity_type":"有限责任公司","legal_representative":"张三",
"registered_capital_fen":100000000,"address":"长沙市雨花区示例路1号","business_scope":"软件开发","established_on":"2016-05-20",
"registration_authority":"长沙市雨花区市场监督管理局","personal":{"id_number":"11010519491231002X","mobile":"13912345678"}}`
	stageID = "2222222222222222222222222222222222222222222222222222222222222222"
)

// personalLedger answers personal:Stage with a stage result and access records as given.
func personalLedger(outcome string) *fakeLedger {
	f := &fakeLedger{}
	f.submit = func(call ledger.Call, hooks []ledger.PreparedHook) (*ledger.Committed, error) {
		tx := f.nextTx()
		for _, h := range hooks {
			if err := h(tx); err != nil {
				return nil, err
			}
		}
		switch call.Name() {
		case "personal:Stage":
			return &ledger.Committed{TransactionID: tx, BlockNumber: 5, Result: []byte(`{"uscc":"` + uscc + `","stage_id":"` + stageID + `","hashes":{}}`)}, nil
		case "access:RecordRead", "access:RecordVerify":
			rec := domain.AccessRecord{ID: tx, Record: uscc, OwnerOrg: "MarketMSP", Outcome: outcome, DenyReason: "TaxMSP holds no grant"}
			b, _ := json.Marshal(rec)
			return &ledger.Committed{TransactionID: tx, BlockNumber: 6, Result: b}, nil
		}
		return &ledger.Committed{TransactionID: tx, BlockNumber: 7, Result: []byte(`{"uscc":"` + uscc + `"}`)}, nil
	}
	return f
}

func names(calls []ledger.Call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Name())
	}
	return out
}

func TestRegisterWithPersonalData(t *testing.T) {
	t.Run("values go as transient data to the owner's peer only, then the registration binds the stage", func(t *testing.T) {
		h := newHarness(t, personalLedger(""))
		w := h.do(request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: withPersonal})
		require.Equal(t, http.StatusCreated, w.Code, w.Body.String())
		calls := h.ledger.Calls()
		require.Equal(t, []string{"personal:Stage", "business:RegisterWithPersonal"}, names(calls), "a bound stage leaves nothing to purge")
		st := calls[0]
		require.Equal(t, []string{uscc}, st.Args)
		require.Equal(t, []string{"MarketMSP"}, st.Orgs)
		var in domain.StageInput
		require.NoError(t, json.Unmarshal(st.Transient["personal"], &in))
		require.Equal(t, personalID, in[domain.FieldIDNumber].Value)
		require.Len(t, in[domain.FieldIDNumber].Salt, 64)
		require.NotEqual(t, in[domain.FieldIDNumber].Salt, in[domain.FieldMobile].Salt, "a salt per value")
		bind := calls[1]
		require.Empty(t, bind.Orgs, "the binding is endorsed as usual")
		require.Nil(t, bind.Transient)
		require.Equal(t, stageID, bind.Args[1])
		for _, c := range calls[1:] {
			require.NotContains(t, strings.Join(c.Args, " "), personalID, "no value in any argument")
			require.NotContains(t, strings.Join(c.Args, " "), personalMobile)
		}
		require.NotContains(t, h.logs.String(), personalID)
	})
	t.Run("refusals before anything reaches the ledger", func(t *testing.T) {
		for _, c := range []struct {
			name, body, query string
			status            int
			code              string
		}{
			{"wrong ID check character", strings.Replace(withPersonal, personalID, "110105194912310021", 1), "", 422, "UNPROCESSABLE"},
			{"empty personal object", strings.Replace(withPersonal, `"personal":{"id_number":"11010519491231002X","mobile":"13912345678"}`, `"personal":{}`, 1), "", 400, "INVALID"},
			{"unknown personal field", strings.Replace(withPersonal, `"mobile":`, `"email":`, 1), "", 400, "INVALID"},
			{"asynchronously", withPersonal, "?async=true", 400, "INVALID"},
		} {
			t.Run(c.name, func(t *testing.T) {
				h := newHarness(t, personalLedger(""))
				w := h.do(request{method: "POST", path: "/api/v1/businesses" + c.query, key: keyRegistrar, body: c.body})
				require.Equal(t, c.status, w.Code, w.Body.String())
				require.Equal(t, c.code, errorOf(t, w).Code)
				require.NotContains(t, w.Body.String(), "110105194912310021", "a refusal never echoes a value")
				require.Empty(t, h.ledger.Calls())
			})
		}
	})
	t.Run("a failed stage stops the registration", func(t *testing.T) {
		f := &fakeLedger{submit: func(call ledger.Call, _ []ledger.PreparedHook) (*ledger.Committed, error) {
			return nil, &ledger.Error{Kind: ledger.KindUnavailable, Message: "no peer could be reached"}
		}}
		h := newHarness(t, f)
		w := h.do(request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: withPersonal})
		require.Equal(t, http.StatusServiceUnavailable, w.Code)
		require.Equal(t, []string{"personal:Stage"}, names(h.ledger.Calls()))
	})
	for _, c := range []struct {
		name   string
		err    *ledger.Error
		status int
		prune  bool
	}{
		{"a refused registration purges its stage", &ledger.Error{Kind: ledger.KindContract, Code: "CONFLICT", Message: "already registered"}, 409, true},
		{"a registration whose fate is unknown keeps its stage", &ledger.Error{Kind: ledger.KindTimeout, Message: "not confirmed in time"}, 504, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := personalLedger("")
			inner := f.submit
			f.submit = func(call ledger.Call, hooks []ledger.PreparedHook) (*ledger.Committed, error) {
				if call.Function == "RegisterWithPersonal" {
					return nil, c.err
				}
				return inner(call, hooks)
			}
			h := newHarness(t, f)
			w := h.do(request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: withPersonal})
			require.Equal(t, c.status, w.Code, w.Body.String())
			want := []string{"personal:Stage", "business:RegisterWithPersonal"}
			if c.prune {
				want = append(want, "personal:Prune")
			}
			require.Equal(t, want, names(h.ledger.Calls()))
		})
	}
	t.Run("an idempotency key covers the personal data", func(t *testing.T) {
		h := newHarness(t, personalLedger(""))
		hdr := map[string]string{"Idempotency-Key": "reg-1"}
		first := h.do(request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: withPersonal, header: hdr})
		require.Equal(t, http.StatusCreated, first.Code)
		again := h.do(request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: withPersonal, header: hdr})
		require.Equal(t, http.StatusCreated, again.Code)
		require.Equal(t, "true", again.Header().Get("Idempotent-Replayed"))
		other := h.do(request{method: "POST", path: "/api/v1/businesses", key: keyRegistrar, body: strings.Replace(withPersonal, personalMobile, "13812345678", 1), header: hdr})
		require.Equal(t, http.StatusUnprocessableEntity, other.Code, "another mobile number is another request")
	})
}

func TestReadPersonalData(t *testing.T) {
	t.Run("granted: the access is committed, then the owner's peer answers", func(t *testing.T) {
		f := personalLedger(domain.AccessGranted)
		f.evaluate = func(call ledger.Call) ([]byte, error) {
			return []byte(`{"record":"` + uscc + `","fields":{"mobile":{"value":"13912345678"}}}`), nil
		}
		h := newHarness(t, f)
		w := h.do(request{method: "GET", path: "/api/v1/businesses/" + uscc + "/personal?purpose=TAX_IDENTITY_CHECK&fields=mobile,id_number", key: keyIssuer})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		require.Equal(t, "no-store", w.Header().Get("Cache-Control"))
		calls := h.ledger.Calls()
		require.Equal(t, []string{"access:RecordRead", "personal:Read"}, names(calls))
		var req domain.ReadAccessRequest
		require.NoError(t, json.Unmarshal([]byte(calls[0].Args[0]), &req))
		require.Equal(t, []string{"mobile", "id_number"}, req.Fields)
		require.Empty(t, calls[0].Orgs)
		require.Equal(t, []string{"MarketMSP"}, calls[1].Orgs, "only the owner's peer is asked")
		m := jsonOf(t, w)
		require.Equal(t, calls[1].Args[0], m["transaction_id"], "the answer carries the access record's transaction")
		require.NotContains(t, h.logs.String(), personalMobile)
	})
	t.Run("denied: 403 NO_GRANT with the recorded access", func(t *testing.T) {
		h := newHarness(t, personalLedger(domain.AccessDenied))
		w := h.do(request{method: "GET", path: "/api/v1/businesses/" + uscc + "/personal?purpose=TAX_IDENTITY_CHECK&fields=mobile", key: keyIssuer})
		require.Equal(t, http.StatusForbidden, w.Code)
		e := errorOf(t, w)
		require.Equal(t, "NO_GRANT", e.Code)
		require.Len(t, e.AccessID, 64)
		require.Contains(t, e.Message, "this attempt is recorded")
		require.Equal(t, []string{"access:RecordRead"}, names(h.ledger.Calls()))
	})
	t.Run("the owner's peer unreachable: 503, nothing from elsewhere", func(t *testing.T) {
		f := personalLedger(domain.AccessGranted)
		f.evaluate = func(ledger.Call) ([]byte, error) {
			return nil, &ledger.Error{Kind: ledger.KindUnavailable, Message: "no peer could be reached"}
		}
		h := newHarness(t, f)
		w := h.do(request{method: "GET", path: "/api/v1/businesses/" + uscc + "/personal?purpose=TAX_IDENTITY_CHECK&fields=mobile", key: keyIssuer})
		require.Equal(t, http.StatusServiceUnavailable, w.Code)
		require.Len(t, errorOf(t, w).TransactionID, 64, "names the recorded access")
	})
	for _, q := range []string{"?fields=mobile", "?purpose=TAX_IDENTITY_CHECK", "?purpose=GOSSIP&fields=mobile", "?purpose=AUDIT&fields=email", "?purpose=AUDIT&fields=mobile,mobile"} {
		t.Run("bad query "+q, func(t *testing.T) {
			h := newHarness(t, personalLedger(domain.AccessGranted))
			w := h.do(request{method: "GET", path: "/api/v1/businesses/" + uscc + "/personal" + q, key: keyIssuer})
			require.Equal(t, http.StatusBadRequest, w.Code, w.Body.String())
			require.Empty(t, h.ledger.Calls())
		})
	}
}

func TestVerifyPersonalData(t *testing.T) {
	f := personalLedger(domain.AccessGranted)
	f.evaluate = func(call ledger.Call) ([]byte, error) {
		return []byte(`{"record":"` + uscc + `","field":"id_number","match":true,"access_id":"` + call.Args[0] + `"}`), nil
	}
	h := newHarness(t, f)
	w := h.do(request{method: "POST", path: "/api/v1/businesses/" + uscc + "/personal/verify", key: keyAuditor, body: `{"field":"id_number","value":"` + personalID + `"}`})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	require.Equal(t, true, jsonOf(t, w)["match"])
	calls := h.ledger.Calls()
	require.Equal(t, []string{"access:RecordVerify", "personal:Verify"}, names(calls))
	require.NotContains(t, calls[0].Args[0], personalID, "the value is not in the access record")
	require.Equal(t, personalID, string(calls[1].Transient["value"]))
	require.Equal(t, []string{"MarketMSP"}, calls[1].Orgs)

	for _, c := range []struct{ name, body string }{
		{"malformed value", `{"field":"id_number","value":"110105194912310021"}`},
		{"unknown field", `{"field":"email","value":"a@b"}`},
		{"extra field", `{"field":"mobile","value":"13912345678","purpose":"x"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, personalLedger(domain.AccessGranted))
			w := h.do(request{method: "POST", path: "/api/v1/businesses/" + uscc + "/personal/verify", key: keyAuditor, body: c.body})
			require.Contains(t, []int{400, 422}, w.Code, w.Body.String())
			require.Empty(t, h.ledger.Calls())
		})
	}
}

func TestAmendAndErasePersonalData(t *testing.T) {
	t.Run("amend: stage, bind, purge what is superseded", func(t *testing.T) {
		h := newHarness(t, personalLedger(""))
		w := h.do(request{method: "PATCH", path: "/api/v1/businesses/" + uscc + "/personal", key: keyRegistrar, body: `{"changes":{"mobile":"13812345678"},"reason":"换号"}`})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		calls := h.ledger.Calls()
		require.Equal(t, []string{"personal:Stage", "business:AmendPersonal", "personal:Prune"}, names(calls))
		require.JSONEq(t, `{"stage_id":"`+stageID+`","reason":"换号"}`, calls[1].Args[1])
	})
	t.Run("amend by another role is refused before the body is read", func(t *testing.T) {
		h := newHarness(t, personalLedger(""))
		w := h.do(request{method: "PATCH", path: "/api/v1/businesses/" + uscc + "/personal", key: keyFinance, body: `{"changes":{"mobile":"13812345678"},"reason":"x"}`})
		require.Equal(t, http.StatusForbidden, w.Code)
		require.Empty(t, h.ledger.Calls())
	})
	t.Run("erase: mark the record, then purge on the owner's peer", func(t *testing.T) {
		f := personalLedger("")
		f.evaluate = func(ledger.Call) ([]byte, error) {
			return []byte(`{"uscc":"` + uscc + `","owner_org":"MarketMSP","personal":{"fields":[],"erased":null}}`), nil
		}
		h := newHarness(t, f)
		w := h.do(request{method: "DELETE", path: "/api/v1/businesses/" + uscc + "/personal", key: keyRegistrar, body: `{"reason":"注销后删除"}`})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		calls := h.ledger.Calls()
		require.Equal(t, []string{"business:Get", "business:ErasePersonal", "personal:Erase"}, names(calls))
		require.Equal(t, []string{"MarketMSP"}, calls[2].Orgs)
	})
	t.Run("erase again only purges", func(t *testing.T) {
		f := personalLedger("")
		f.evaluate = func(ledger.Call) ([]byte, error) {
			return []byte(`{"uscc":"` + uscc + `","owner_org":"MarketMSP","personal":{"fields":[],"erased":{"at":"2026-12-01T00:00:00Z"}}}`), nil
		}
		h := newHarness(t, f)
		w := h.do(request{method: "DELETE", path: "/api/v1/businesses/" + uscc + "/personal", key: keyRegistrar, body: `{"reason":"再次"}`})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		require.Equal(t, []string{"business:Get", "personal:Erase"}, names(h.ledger.Calls()))
	})
	t.Run("erase when nothing is left to purge answers the record", func(t *testing.T) {
		f := personalLedger("")
		f.evaluate = func(ledger.Call) ([]byte, error) {
			return []byte(`{"uscc":"` + uscc + `","owner_org":"MarketMSP","personal":{"fields":[],"erased":{"at":"2026-12-01T00:00:00Z"}}}`), nil
		}
		f.submit = func(call ledger.Call, _ []ledger.PreparedHook) (*ledger.Committed, error) {
			return nil, &ledger.Error{Kind: ledger.KindContract, Code: "CONFLICT", Message: "nothing to purge"}
		}
		h := newHarness(t, f)
		w := h.do(request{method: "DELETE", path: "/api/v1/businesses/" + uscc + "/personal", key: keyRegistrar, body: `{"reason":"再次"}`})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	})
	t.Run("erase without a reason", func(t *testing.T) {
		h := newHarness(t, personalLedger(""))
		w := h.do(request{method: "DELETE", path: "/api/v1/businesses/" + uscc + "/personal", key: keyRegistrar, body: `{}`})
		require.Equal(t, http.StatusBadRequest, w.Code)
		require.Empty(t, h.ledger.Calls())
	})
}

func TestGrantAndAccessLogRoutes(t *testing.T) {
	grant := `{"record":"` + uscc + `","grantee":"TaxMSP","fields":["id_number"],"purpose":"TAX_IDENTITY_CHECK","purpose_detail":"核验","expires_at":"2027-06-30T00:00:00Z"}`
	cases := []struct {
		name, method, path, key, body string
		status                        int
		call                          string
	}{
		{"create", "POST", "/api/v1/grants", keyRegistrar, grant, 201, "grant:Create"},
		{"create by the auditor", "POST", "/api/v1/grants", keyAuditor, grant, 403, ""},
		{"create with a past-format expiry", "POST", "/api/v1/grants", keyRegistrar, strings.Replace(grant, "2027-06-30T00:00:00Z", "tomorrow", 1), 400, ""},
		{"revoke", "DELETE", "/api/v1/grants/0123456789abcdef0123456789abcdef", keyRegistrar, `{"reason":"结束"}`, 200, "grant:Revoke"},
		{"revoke without reason", "DELETE", "/api/v1/grants/0123456789abcdef0123456789abcdef", keyRegistrar, `{}`, 400, ""},
		{"get", "GET", "/api/v1/grants/0123456789abcdef0123456789abcdef", keyIssuer, "", 200, "grant:Get"},
		{"get a malformed id", "GET", "/api/v1/grants/xyz", keyIssuer, "", 400, ""},
		{"list", "GET", "/api/v1/grants?record=" + uscc + "&grantee=TaxMSP", keyAuditor, "", 200, "grant:List"},
		{"list an unknown grantee", "GET", "/api/v1/grants?grantee=Org9MSP", keyAuditor, "", 400, ""},
		{"history", "GET", "/api/v1/grants/0123456789abcdef0123456789abcdef/history", keyAuditor, "", 200, "grant:History"},
		{"access log", "GET", "/api/v1/access-log?record=" + uscc + "&from=2026-12-01T08:00:00%2B08:00", keyAuditor, "", 200, "access:List"},
		{"access log with a bad period", "GET", "/api/v1/access-log?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", keyAuditor, "", 400, ""},
		{"one access", "GET", "/api/v1/access-log/" + txID, keyAuditor, "", 200, "access:Get"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, nil)
			w := h.do(request{method: c.method, path: c.path, key: c.key, body: c.body})
			require.Equal(t, c.status, w.Code, w.Body.String())
			calls := h.ledger.Calls()
			if c.call == "" {
				require.Empty(t, calls)
				return
			}
			require.Equal(t, []string{c.call}, names(calls))
			if c.call == "access:List" {
				require.Equal(t, "2026-12-01T00:00:00Z", calls[0].Args[2], "times reach the chaincode in UTC")
			}
		})
	}
}
