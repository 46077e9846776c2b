package main

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

func TestPersonalDataGeneratorIsValid(t *testing.T) {
	g := NewGenerator(time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), 3, nil)
	for i := 0; i < 2000; i++ {
		id := g.IDNumber()
		require.NoError(t, domain.ValidateResidentID("id_number", id), id)
		require.NoError(t, domain.ValidatePersonalValue(domain.FieldMobile, g.Mobile()))
	}
	op, rec := g.PersonalRegisterOp()
	var body registerWithPersonal
	require.NoError(t, json.Unmarshal(op.Body, &body))
	require.Equal(t, rec.USCC, body.USCC)
	require.Equal(t, rec.Mobile, body.Personal.Mobile)
	require.NoError(t, body.Personal.Validate())
	require.NoError(t, body.RegisterBusinessRequest.Validate())
	require.Equal(t, "/businesses", op.Path)
}

func TestPersonalOps(t *testing.T) {
	g := NewGenerator(time.Now(), 3, nil)
	g.personal = []personalRecord{{USCC: g.USCC(), Mobile: g.Mobile()}}
	rec := g.personal[0]

	grant := GrantOp(rec, time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC))
	var gr domain.CreateGrantRequest
	require.NoError(t, json.Unmarshal(grant.Body, &gr))
	require.NoError(t, gr.Validate())
	require.Equal(t, []string{"market", domain.RoleRegistrar}, []string{grant.Org, grant.Role})
	require.Equal(t, domain.TaxMSP, gr.Grantee)

	read := g.PersonalOp()
	require.Equal(t, []string{"tax", domain.RoleFinance}, []string{read.Org, read.Role})
	u, err := url.Parse(read.Path)
	require.NoError(t, err)
	require.Equal(t, "/businesses/"+rec.USCC+"/personal", u.Path)
	require.Equal(t, readPurpose, u.Query().Get("purpose"))
	require.Equal(t, strings.Join(readFields, ","), u.Query().Get("fields"))
	require.False(t, read.Write)

	matches := 0
	for i := 0; i < 100; i++ {
		v := g.VerifyOp()
		require.Equal(t, "/businesses/"+rec.USCC+"/personal/verify", v.Path)
		var body map[string]string
		require.NoError(t, json.Unmarshal(v.Body, &body))
		require.Equal(t, domain.FieldMobile, body["field"])
		if body["value"] == rec.Mobile {
			matches++
		}
	}
	require.Greater(t, matches, 20, "about half the checks are of the registered number")
	require.Less(t, matches, 80, "about half the checks are of another number")
}

func TestPersonalWorkloadsAreHTTPOnly(t *testing.T) {
	_, err := parseFlags([]string{"-workload", "personal", "-path", "direct"}, nil)
	require.ErrorContains(t, err, "HTTP gateway only")
	o, err := parseFlags([]string{"-workload", "personal,verify,register", "-clients", "1,8"}, nil)
	require.NoError(t, err)
	require.Equal(t, []string{wlPersonal, wlVerify, wlRegister}, o.Workloads)
	require.True(t, httpOnly(wlPersonal) && httpOnly(wlVerify) && !httpOnly(wlRegister))
}
