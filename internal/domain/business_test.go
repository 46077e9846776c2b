package domain_test

import (
	"strings"
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

var clerk = domain.Actor{Org: domain.MarketMSP, By: "registrar@market", At: "2026-01-02T03:04:05Z", TxID: "tx1"}

func validRegistration() domain.RegisterBusinessRequest {
	return domain.RegisterBusinessRequest{
		USCC:                  "91430111MA4L41YT1U",
		Name:                  "长沙示例科技有限公司",
		EntityType:            "有限责任公司",
		LegalRepresentative:   "张三",
		RegisteredCapitalFen:  100000000,
		Address:               "长沙市雨花区示例路1号",
		BusinessScope:         "软件开发；信息技术咨询",
		EstablishedOn:         "2016-05-20",
		RegistrationAuthority: "长沙市雨花区市场监督管理局",
	}
}

func TestRegisterBusinessRequestValidate(t *testing.T) {
	cases := []struct {
		name     string
		mutate   func(r *domain.RegisterBusinessRequest)
		code     domain.Code
		contains string
	}{
		{"valid", func(r *domain.RegisterBusinessRequest) {}, "", ""},
		{"zero capital is fine", func(r *domain.RegisterBusinessRequest) { r.RegisteredCapitalFen = 0 }, "", ""},
		{"wrong check character", func(r *domain.RegisterBusinessRequest) { r.USCC = "91430111MA4L41YT1W" }, domain.CodeUnprocessable, "check character is W, expected U"},
		{"bad USCC format", func(r *domain.RegisterBusinessRequest) { r.USCC = "123" }, domain.CodeInvalid, "uscc must be 18 characters"},
		{"missing name", func(r *domain.RegisterBusinessRequest) { r.Name = "" }, domain.CodeInvalid, "name is required"},
		{"blank name", func(r *domain.RegisterBusinessRequest) { r.Name = "   " }, domain.CodeInvalid, "name is required"},
		{"name with control character", func(r *domain.RegisterBusinessRequest) { r.Name = "a\x01b" }, domain.CodeInvalid, "control"},
		{"name too long", func(r *domain.RegisterBusinessRequest) { r.Name = strings.Repeat("名", 201) }, domain.CodeInvalid, "201 characters long; at most 200"},
		{"name not UTF-8", func(r *domain.RegisterBusinessRequest) { r.Name = "\xff" }, domain.CodeInvalid, "UTF-8"},
		{"missing entity type", func(r *domain.RegisterBusinessRequest) { r.EntityType = "" }, domain.CodeInvalid, "entity_type is required"},
		{"legal representative with ID number", func(r *domain.RegisterBusinessRequest) { r.LegalRepresentative = "张三 11010519491231002X" }, domain.CodeUnprocessable, "personal ID"},
		{"legal representative with digits", func(r *domain.RegisterBusinessRequest) { r.LegalRepresentative = "张三13800138000" }, domain.CodeUnprocessable, "name only"},
		{"missing legal representative", func(r *domain.RegisterBusinessRequest) { r.LegalRepresentative = "" }, domain.CodeInvalid, "legal_representative is required"},
		{"negative capital", func(r *domain.RegisterBusinessRequest) { r.RegisteredCapitalFen = -1 }, domain.CodeUnprocessable, "registered_capital_fen must not be negative"},
		{"capital at the cap is fine", func(r *domain.RegisterBusinessRequest) { r.RegisteredCapitalFen = domain.MaxMoneyFen }, "", ""},
		{"capital above the cap", func(r *domain.RegisterBusinessRequest) { r.RegisteredCapitalFen = domain.MaxMoneyFen + 1 }, domain.CodeUnprocessable, "registered_capital_fen is 1000000000000001 fen; at most 1000000000000000 fen"},
		{"capital above 2^53", func(r *domain.RegisterBusinessRequest) { r.RegisteredCapitalFen = 9007199254740993 }, domain.CodeUnprocessable, "at most 1000000000000000 fen"},
		{"missing address", func(r *domain.RegisterBusinessRequest) { r.Address = "" }, domain.CodeInvalid, "address is required"},
		{"missing scope", func(r *domain.RegisterBusinessRequest) { r.BusinessScope = "" }, domain.CodeInvalid, "business_scope is required"},
		{"multi-line scope is fine", func(r *domain.RegisterBusinessRequest) { r.BusinessScope = "a\nb" }, "", ""},
		{"bad date", func(r *domain.RegisterBusinessRequest) { r.EstablishedOn = "2016-5-20" }, domain.CodeInvalid, "established_on must be a date YYYY-MM-DD"},
		{"impossible date", func(r *domain.RegisterBusinessRequest) { r.EstablishedOn = "2016-02-30" }, domain.CodeInvalid, "established_on"},
		{"missing date", func(r *domain.RegisterBusinessRequest) { r.EstablishedOn = "" }, domain.CodeInvalid, "established_on is required"},
		{"missing authority", func(r *domain.RegisterBusinessRequest) { r.RegistrationAuthority = "" }, domain.CodeInvalid, "registration_authority is required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := validRegistration()
			c.mutate(&r)
			err := r.Validate()
			require.Equal(t, c.code, domain.ErrorCode(err), "%v", err)
			if c.contains != "" {
				require.ErrorContains(t, err, c.contains)
			}
		})
	}
}

func TestNewBusiness(t *testing.T) {
	b := domain.NewBusiness(validRegistration(), clerk)
	require.Equal(t, domain.StatusActive, b.Status)
	require.Empty(t, b.StatusReason)
	require.NotNil(t, b.Amendments, "amendments must encode as [], not null")
	require.Equal(t, domain.MarketMSP, b.OwnerOrg)
	require.Equal(t, "tx1", b.CreatedTxID)
	require.Equal(t, b.CreatedAt, b.UpdatedAt)
}

func ptr[T any](v T) *T { return &v }

func TestAmendBusinessRequestValidate(t *testing.T) {
	cases := []struct {
		name     string
		req      domain.AmendBusinessRequest
		code     domain.Code
		contains string
	}{
		{"one change", domain.AmendBusinessRequest{Changes: domain.BusinessChanges{Name: ptr("新名称")}, Reason: "更名"}, "", ""},
		{"no change", domain.AmendBusinessRequest{Reason: "x"}, domain.CodeInvalid, "at least one"},
		{"no reason", domain.AmendBusinessRequest{Changes: domain.BusinessChanges{Address: ptr("新地址")}}, domain.CodeInvalid, "reason is required"},
		{"empty name", domain.AmendBusinessRequest{Changes: domain.BusinessChanges{Name: ptr("")}, Reason: "x"}, domain.CodeInvalid, "name is required"},
		{"empty address", domain.AmendBusinessRequest{Changes: domain.BusinessChanges{Address: ptr("")}, Reason: "x"}, domain.CodeInvalid, "address is required"},
		{"empty scope", domain.AmendBusinessRequest{Changes: domain.BusinessChanges{BusinessScope: ptr("")}, Reason: "x"}, domain.CodeInvalid, "business_scope"},
		{"negative capital", domain.AmendBusinessRequest{Changes: domain.BusinessChanges{RegisteredCapitalFen: ptr(int64(-5))}, Reason: "x"}, domain.CodeUnprocessable, "negative"},
		{"capital above the cap", domain.AmendBusinessRequest{Changes: domain.BusinessChanges{RegisteredCapitalFen: ptr(int64(9007199254740993))}, Reason: "x"}, domain.CodeUnprocessable, "at most 1000000000000000 fen"},
		{"representative with ID", domain.AmendBusinessRequest{Changes: domain.BusinessChanges{LegalRepresentative: ptr("李四 110101198001010037")}, Reason: "x"}, domain.CodeUnprocessable, "personal ID"},
		{"reason with ID", domain.AmendBusinessRequest{Changes: domain.BusinessChanges{Name: ptr("n")}, Reason: "applicant 110101198001010037"}, domain.CodeUnprocessable, "reason appears to contain a personal ID"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.req.Validate()
			require.Equal(t, c.code, domain.ErrorCode(err), "%v", err)
			if c.contains != "" {
				require.ErrorContains(t, err, c.contains)
			}
		})
	}
}

func TestApplyAmendment(t *testing.T) {
	later := domain.Actor{Org: domain.MarketMSP, By: "r2", At: "2026-02-01T00:00:00Z", TxID: "tx2"}

	t.Run("records every change in fixed order", func(t *testing.T) {
		b := domain.NewBusiness(validRegistration(), clerk)
		req := domain.AmendBusinessRequest{Changes: domain.BusinessChanges{
			LegalRepresentative:  ptr("李四"),
			RegisteredCapitalFen: ptr(int64(200000000)),
			Name:                 ptr("长沙新名科技有限公司"),
			Address:              ptr("新地址"),
			BusinessScope:        ptr("新范围"),
		}, Reason: "股东会决议"}
		require.NoError(t, domain.ApplyAmendment(&b, req, later))
		require.Equal(t, "长沙新名科技有限公司", b.Name)
		require.Equal(t, int64(200000000), b.RegisteredCapitalFen)
		require.Len(t, b.Amendments, 1)
		a := b.Amendments[0]
		require.Equal(t, "tx2", a.TxID)
		require.Equal(t, "股东会决议", a.Reason)
		var fields []string
		for _, c := range a.Changes {
			fields = append(fields, c.Field)
		}
		require.Equal(t, []string{"name", "address", "business_scope", "registered_capital_fen", "legal_representative"}, fields)
		require.Equal(t, domain.FieldChange{Field: "registered_capital_fen", From: "100000000", To: "200000000"}, a.Changes[3])
		require.Equal(t, "tx2", b.LastTxID)
		require.Equal(t, "tx1", b.CreatedTxID)
	})

	sameValue := []struct {
		name    string
		changes domain.BusinessChanges
	}{
		{"name", domain.BusinessChanges{Name: ptr("长沙示例科技有限公司")}},
		{"capital", domain.BusinessChanges{RegisteredCapitalFen: ptr(int64(100000000))}},
		{"legal_representative", domain.BusinessChanges{LegalRepresentative: ptr("张三")}},
		{"address after a real change", domain.BusinessChanges{Name: ptr("新"), Address: ptr("长沙市雨花区示例路1号")}},
	}
	for _, c := range sameValue {
		t.Run("a change equal to the current "+c.name+" is refused and nothing changes", func(t *testing.T) {
			b := domain.NewBusiness(validRegistration(), clerk)
			before := b
			err := domain.ApplyAmendment(&b, domain.AmendBusinessRequest{Changes: c.changes, Reason: "x"}, later)
			require.Equal(t, domain.CodeUnprocessable, domain.ErrorCode(err))
			require.ErrorContains(t, err, "already")
			require.Equal(t, before, b)
		})
	}

	for _, st := range []string{domain.StatusRevoked, domain.StatusDeregistered} {
		t.Run("a "+st+" business cannot be amended", func(t *testing.T) {
			b := domain.NewBusiness(validRegistration(), clerk)
			b.Status = st
			err := domain.ApplyAmendment(&b, domain.AmendBusinessRequest{Changes: domain.BusinessChanges{Name: ptr("n")}, Reason: "x"}, later)
			require.Equal(t, domain.CodeConflict, domain.ErrorCode(err))
			require.ErrorContains(t, err, "is "+st)
		})
	}
}

func TestStatusTransitionsAllPairs(t *testing.T) {
	legal := map[[2]string]bool{
		{domain.StatusActive, domain.StatusSuspended}:       true,
		{domain.StatusActive, domain.StatusRevoked}:         true,
		{domain.StatusActive, domain.StatusDeregistered}:    true,
		{domain.StatusSuspended, domain.StatusActive}:       true,
		{domain.StatusSuspended, domain.StatusRevoked}:      true,
		{domain.StatusSuspended, domain.StatusDeregistered}: true,
	}
	for _, from := range domain.BusinessStatuses() {
		for _, to := range domain.BusinessStatuses() {
			t.Run(from+" to "+to, func(t *testing.T) {
				require.Equal(t, legal[[2]string{from, to}], domain.CanTransition(from, to))
				b := domain.NewBusiness(validRegistration(), clerk)
				b.Status = from
				err := domain.ChangeBusinessStatus(&b, to, "reason", clerk)
				if legal[[2]string{from, to}] {
					require.NoError(t, err)
					require.Equal(t, to, b.Status)
					require.Equal(t, "reason", b.StatusReason)
					return
				}
				require.Equal(t, domain.CodeConflict, domain.ErrorCode(err))
				require.ErrorContains(t, err, "is "+from+"; it cannot change to "+to)
				require.Equal(t, from, b.Status)
			})
		}
	}
}

func TestChangeBusinessStatusRefusesBadInput(t *testing.T) {
	b := domain.NewBusiness(validRegistration(), clerk)
	err := domain.ChangeBusinessStatus(&b, "CLOSED", "x", clerk)
	require.Equal(t, domain.CodeInvalid, domain.ErrorCode(err))
	err = domain.ChangeBusinessStatus(&b, domain.StatusSuspended, "", clerk)
	require.Equal(t, domain.CodeInvalid, domain.ErrorCode(err))
	require.Equal(t, domain.StatusActive, b.Status)
}

func TestOrgs(t *testing.T) {
	require.True(t, domain.IsMemberOrg(domain.AuditMSP))
	require.False(t, domain.IsAgencyOrg(domain.AuditMSP))
	require.True(t, domain.IsAgencyOrg(domain.NotaryMSP))
	require.False(t, domain.IsMemberOrg("Org1MSP"))
}
