package contracts_test

import (
	"encoding/json"
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

func verify(t *testing.T, h *harness, req domain.VerifyLicenceRequest) domain.LicenceVerification {
	t.Helper()
	return decode[domain.LicenceVerification](t, h.call(auditor, "business:VerifyLicence", mustJSON(t, req)).ok(t))
}

func TestLicenceVersionsAndVerification(t *testing.T) {
	h := newHarness(t)
	uscc := usccFor(t, 1)
	b := h.register(uscc, "执照公司")
	require.NotNil(t, b.Licence)

	v1 := decode[domain.LicenceView](t, h.call(taxIssuer, "business:Licence", uscc, "0").ok(t))
	t.Run("registration issues version 1", func(t *testing.T) {
		l := v1.Licence
		require.Equal(t, 1, l.Version)
		require.Equal(t, uscc+"-001", l.LicenceNumber)
		require.Equal(t, "执照公司", l.Name)
		require.Equal(t, "厦门市市场监督管理局", l.IssuingAuthority)
		require.Equal(t, b.CreatedAt, l.IssuedAt, "issued at the transaction's time")
		require.Equal(t, domain.LicenceCode(l), l.VerificationCode)
		require.Equal(t, b.Licence.VerificationCode, l.VerificationCode, "the code is on the business record too")
		require.True(t, v1.Current)
		require.Nil(t, v1.SupersededBy)
		require.Equal(t, domain.StatusActive, v1.Status)
		require.Equal(t, domain.LicencePayload(l), v1.QRPayload)
		stored := decode[domain.Licence](t, string(h.ledger.state["lic~"+uscc+"~000001~"+b.CreatedTxID]))
		require.Equal(t, l, stored)
	})
	t.Run("the current version verifies, from JSON and from the QR payload", func(t *testing.T) {
		l := v1.Licence
		r := verify(t, h, domain.VerifyLicenceRequest{Licence: &l})
		require.True(t, r.Valid)
		require.True(t, r.Current)
		require.Equal(t, domain.LicenceResultValid, r.Result)
		require.Equal(t, domain.StatusActive, r.Status)
		r = verify(t, h, domain.VerifyLicenceRequest{Payload: v1.QRPayload})
		require.Equal(t, domain.LicenceResultValid, r.Result)
	})

	h.call(registrar, "business:Amend", uscc, `{"changes":{"address":"厦门市湖里区新址2号"},"reason":"迁址"}`).ok(t)
	v2 := decode[domain.LicenceView](t, h.call(taxIssuer, "business:Licence", uscc, "0").ok(t))
	t.Run("an amendment issues version 2 and supersedes version 1", func(t *testing.T) {
		require.Equal(t, 2, v2.Licence.Version)
		require.Equal(t, "厦门市湖里区新址2号", v2.Licence.Address)
		require.NotEqual(t, v1.Licence.VerificationCode, v2.Licence.VerificationCode)
		old := decode[domain.LicenceView](t, h.call(taxIssuer, "business:Licence", uscc, "1").ok(t))
		require.Equal(t, v1.Licence, old.Licence, "old versions stay on record")
		require.False(t, old.Current)
		require.Equal(t, 2, *old.SupersededBy)

		l := v1.Licence
		r := verify(t, h, domain.VerifyLicenceRequest{Licence: &l})
		require.True(t, r.Valid)
		require.False(t, r.Current)
		require.Equal(t, domain.LicenceResultSuperseded, r.Result)
		require.Equal(t, 2, *r.SupersededBy)
		r = verify(t, h, domain.VerifyLicenceRequest{Payload: v1.QRPayload})
		require.Equal(t, domain.LicenceResultSuperseded, r.Result)
	})
	t.Run("tampering is reported field by field", func(t *testing.T) {
		l := v2.Licence
		l.RegisteredCapitalFen *= 10
		r := verify(t, h, domain.VerifyLicenceRequest{Licence: &l})
		require.False(t, r.Valid)
		require.Equal(t, domain.LicenceResultTampered, r.Result)
		require.Equal(t, []string{"registered_capital_fen"}, r.TamperedFields)

		l = v2.Licence
		l.Name = "冒名公司"
		l.VerificationCode = domain.LicenceCode(l) // a consistent forgery is still not the record
		r = verify(t, h, domain.VerifyLicenceRequest{Licence: &l})
		require.Equal(t, []string{"name", "verification_code"}, r.TamperedFields)

		forged := v2.QRPayload[:len(v2.QRPayload)-1] + "0"
		if forged == v2.QRPayload {
			forged = v2.QRPayload[:len(v2.QRPayload)-1] + "1"
		}
		r = verify(t, h, domain.VerifyLicenceRequest{Payload: forged})
		require.Equal(t, domain.LicenceResultTampered, r.Result)
		require.Equal(t, []string{"verification_code"}, r.TamperedFields)
	})
	t.Run("unknown businesses and versions are answers, not errors", func(t *testing.T) {
		l := v2.Licence
		l.Version = 7
		r := verify(t, h, domain.VerifyLicenceRequest{Licence: &l})
		require.Equal(t, domain.LicenceResultUnknown, r.Result)
		require.False(t, r.Valid)
		require.Equal(t, domain.StatusActive, r.Status)
		l.USCC, l.Version = usccFor(t, 8), 1
		r = verify(t, h, domain.VerifyLicenceRequest{Licence: &l})
		require.Equal(t, domain.LicenceResultUnknown, r.Result)
		require.Empty(t, r.Status)
		h.call(auditor, "business:Licence", uscc, "3").fails(t, domain.CodeNotFound, "no licence version 3", "current version is 2")
		h.call(auditor, "business:Licence", uscc, "-1").fails(t, domain.CodeInvalid)
		h.call(auditor, "business:VerifyLicence", `{"payload":"https://example.com"}`).fails(t, domain.CodeInvalid, "not a govchain licence")
		h.call(auditor, "business:VerifyLicence", `{}`).fails(t, domain.CodeInvalid, "exactly one")
	})
	t.Run("a status change changes the standing, not the licence", func(t *testing.T) {
		h.call(registrar, "business:ChangeStatus", uscc, domain.StatusRevoked, "虚假登记").ok(t)
		view := decode[domain.LicenceView](t, h.call(auditor, "business:Licence", uscc, "0").ok(t))
		require.Equal(t, v2.Licence, view.Licence)
		require.Equal(t, domain.StatusRevoked, view.Status)
		require.Equal(t, "虚假登记", view.StatusReason)
		l := v2.Licence
		r := verify(t, h, domain.VerifyLicenceRequest{Licence: &l})
		require.True(t, r.Valid)
		require.True(t, r.Current)
		require.Equal(t, domain.StatusRevoked, r.Status)
		require.Contains(t, r.Message, "REVOKED")
	})
}

func TestIssueLicenceForEarlierRegistrations(t *testing.T) {
	h := newHarness(t)
	uscc := usccFor(t, 1)
	b := h.register(uscc, "老登记公司")
	// A business registered by the chaincode before licences: no licence on record.
	b.Licence = nil
	raw, err := json.Marshal(b)
	require.NoError(t, err)
	h.ledger.state["biz~"+uscc] = raw
	delete(h.ledger.state, "lic~"+uscc+"~000001~"+b.CreatedTxID)

	h.call(auditor, "business:Licence", uscc, "0").fails(t, domain.CodeNotFound, "no electronic licence yet")
	r := verify(t, h, domain.VerifyLicenceRequest{Payload: domain.LicencePayloadPrefix + uscc + ":1:" + hashOf('a')})
	require.Equal(t, domain.LicenceResultUnknown, r.Result)

	h.call(taxRegistrar, "business:IssueLicence", uscc).fails(t, domain.CodeForbidden)
	view := decode[domain.LicenceView](t, h.call(registrar, "business:IssueLicence", uscc).ok(t))
	require.Equal(t, 1, view.Licence.Version)
	require.True(t, view.Current)
	name, _ := h.lastEvent(t)
	require.Equal(t, domain.EventLicenceIssued, name)
	h.call(registrar, "business:IssueLicence", uscc).fails(t, domain.CodeConflict, "already has licence")

	other := usccFor(t, 2)
	h.register(other, "已注销公司")
	h.call(registrar, "business:ChangeStatus", other, domain.StatusDeregistered, "注销").ok(t)
	h.call(registrar, "business:IssueLicence", other).fails(t, domain.CodeConflict, "already has licence")
}
