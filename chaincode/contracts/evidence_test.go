package contracts_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

func TestDeposit(t *testing.T) {
	h := newHarness(t)
	e := h.deposit(taxDepositor, hashOf('A')) // upper case is normalised
	require.Equal(t, domain.EvidenceID(txIDFor(1), 0), e.ID)
	require.Equal(t, hashOf('a'), e.Hash)
	require.Equal(t, domain.EvidenceDeposited, e.Status)
	require.Equal(t, domain.TaxMSP, e.OwnerOrg)
	require.Nil(t, e.Certification)
	require.Nil(t, e.Revocation)

	t.Run("VerifyByHash returns the record with deposit transaction and time", func(t *testing.T) {
		for _, q := range []struct{ alg, hash string }{{"sha256", hashOf('a')}, {"SHA256", hashOf('A')}} {
			got := decode[domain.Evidence](t, h.call(auditor, "evidence:VerifyByHash", q.alg, q.hash).ok(t))
			require.Equal(t, e, got)
			require.Equal(t, txIDFor(1), got.CreatedTxID)
			require.Equal(t, at(1), got.CreatedAt)
		}
		h.call(auditor, "evidence:VerifyByHash", "sm3", hashOf('a')).fails(t, domain.CodeNotFound, "no evidence with sm3 hash")
		h.call(auditor, "evidence:VerifyByHash", "md5", hashOf('a')).fails(t, domain.CodeInvalid, "algorithm")
		h.call(auditor, "evidence:VerifyByHash", "sm3", "abc").fails(t, domain.CodeInvalid, "hash")
	})
	t.Run("Get", func(t *testing.T) {
		require.Equal(t, e, decode[domain.Evidence](t, h.call(marketAdmin, "evidence:Get", e.ID).ok(t)))
		h.call(auditor, "evidence:Get", strings.Repeat("0", 32)).fails(t, domain.CodeNotFound, "does not exist")
		h.call(auditor, "evidence:Get", "XYZ").fails(t, domain.CodeInvalid)
	})
	t.Run("the same hash again is refused pointing at the existing record", func(t *testing.T) {
		h.call(notaryDepositor, "evidence:Deposit", mustJSON(t, depositRequest(hashOf('a')))).fails(t, domain.CodeConflict,
			"sha256 hash "+hashOf('a')+" is already deposited as evidence "+e.ID)
	})
	t.Run("the same hash under the other algorithm is a different digest", func(t *testing.T) {
		r := depositRequest(hashOf('a'))
		r.HashAlgorithm = "sm3"
		h.call(notaryDepositor, "evidence:Deposit", mustJSON(t, r)).ok(t)
	})
	t.Run("request refusals", func(t *testing.T) {
		bad := depositRequest(hashOf('b'))
		bad.SizeBytes = -1
		h.call(marketDepositor, "evidence:Deposit", mustJSON(t, bad)).fails(t, domain.CodeUnprocessable, "size_bytes")
		h.call(marketDepositor, "evidence:Deposit", `{"hash":"`+hashOf('b')+`","file":"x"}`).fails(t, domain.CodeInvalid, `unknown field "file"`)
	})
}

func TestDepositBatch(t *testing.T) {
	h := newHarness(t)
	existing := h.deposit(marketDepositor, hashOf('1')) // tx1

	batch := func(hashes ...string) string {
		r := domain.DepositBatchRequest{}
		for _, x := range hashes {
			r.Items = append(r.Items, depositRequest(x))
		}
		return mustJSON(t, r)
	}

	t.Run("all records get ids by index and are stored", func(t *testing.T) {
		res := decode[domain.EvidenceBatch](t, h.call(notaryDepositor, "evidence:DepositBatch", batch(hashOf('2'), hashOf('3'), hashOf('4'))).ok(t)) // tx2
		require.Len(t, res.Records, 3)
		for i, e := range res.Records {
			require.Equal(t, domain.EvidenceID(txIDFor(2), i), e.ID)
			require.Equal(t, domain.NotaryMSP, e.OwnerOrg)
			require.Equal(t, e, decode[domain.Evidence](t, h.call(auditor, "evidence:VerifyByHash", "sha256", e.Hash).ok(t)))
		}
	})
	t.Run("a duplicate inside the batch refuses the whole batch", func(t *testing.T) {
		h.call(notaryDepositor, "evidence:DepositBatch", batch(hashOf('5'), hashOf('6'), hashOf('5'))).fails(t, domain.CodeConflict,
			"items[2] repeats the sha256 hash "+hashOf('5')+" of items[0]")
		h.call(auditor, "evidence:VerifyByHash", "sha256", hashOf('5')).fails(t, domain.CodeNotFound)
	})
	t.Run("a hash already on the ledger refuses the whole batch", func(t *testing.T) {
		h.call(taxDepositor, "evidence:DepositBatch", batch(hashOf('7'), hashOf('1'))).fails(t, domain.CodeConflict,
			"items[1]: sha256 hash "+hashOf('1')+" is already deposited as evidence "+existing.ID)
		h.call(auditor, "evidence:VerifyByHash", "sha256", hashOf('7')).fails(t, domain.CodeNotFound)
	})
	t.Run("size limits", func(t *testing.T) {
		h.call(taxDepositor, "evidence:DepositBatch", `{"items":[]}`).fails(t, domain.CodeInvalid, "1 to 500")
		var many []string
		for i := 0; i < 501; i++ {
			many = append(many, fmt.Sprintf("%063df", i))
		}
		h.call(taxDepositor, "evidence:DepositBatch", batch(many...)).fails(t, domain.CodeInvalid, "got 501")
		res := decode[domain.EvidenceBatch](t, h.call(taxDepositor, "evidence:DepositBatch", batch(many[:500]...)).ok(t))
		require.Len(t, res.Records, 500)
	})
	t.Run("an invalid item is named", func(t *testing.T) {
		h.call(taxDepositor, "evidence:DepositBatch", `{"items":[{"hash":"x"}]}`).fails(t, domain.CodeInvalid, "items[0].hash_algorithm")
	})
}

func TestCertifyAndRevoke(t *testing.T) {
	h := newHarness(t)
	e := h.deposit(marketDepositor, hashOf('c')) // tx1
	certify := `{"certificate_number":"(2026)闽厦鹭江证经字第001号","notes":"现场核验"}`

	got := decode[domain.Evidence](t, h.call(notary, "evidence:Certify", e.ID, certify).ok(t)) // tx2
	require.Equal(t, domain.EvidenceCertified, got.Status)
	require.Equal(t, &domain.Certification{CertificateNumber: "(2026)闽厦鹭江证经字第001号", Notes: "现场核验", Org: domain.NotaryMSP, By: "notary@notary", At: at(2), TxID: txIDFor(2)}, got.Certification)
	require.Equal(t, domain.MarketMSP, got.OwnerOrg, "certification does not change the owner")

	t.Run("certify twice is refused", func(t *testing.T) {
		h.call(notary, "evidence:Certify", e.ID, certify).fails(t, domain.CodeConflict, "already certified as (2026)闽厦鹭江证经字第001号 by NotaryMSP (CN=notary@notary) at "+at(2))
	})
	t.Run("certify request and id refusals", func(t *testing.T) {
		h.call(notary, "evidence:Certify", e.ID, `{}`).fails(t, domain.CodeInvalid, "certificate_number is required")
		h.call(notary, "evidence:Certify", "nope", certify).fails(t, domain.CodeInvalid, "evidence id")
		h.call(notary, "evidence:Certify", strings.Repeat("a", 32), certify).fails(t, domain.CodeNotFound, "does not exist")
		h.call(notary, "evidence:Certify", e.ID, `{"certificate_number":"1","seal":"x"}`).fails(t, domain.CodeInvalid, "unknown field")
	})
	t.Run("revoke by a depositor of another org is refused", func(t *testing.T) {
		h.call(taxDepositor, "evidence:Revoke", e.ID, "不是我的").fails(t, domain.CodeForbidden, "belongs to MarketMSP", "caller is TaxMSP")
	})
	t.Run("revoke needs a reason and a valid id", func(t *testing.T) {
		h.call(marketDepositor, "evidence:Revoke", e.ID, "").fails(t, domain.CodeInvalid, "reason")
		h.call(marketDepositor, "evidence:Revoke", "x", "r").fails(t, domain.CodeInvalid)
	})

	var revokedAt string
	t.Run("revoke by a depositor of the owner org", func(t *testing.T) {
		id2 := identity{domain.MarketMSP, "depositor2@market", domain.RoleDepositor}
		r := decode[domain.Evidence](t, h.call(id2, "evidence:Revoke", e.ID, "文件有误").ok(t))
		require.Equal(t, domain.EvidenceRevoked, r.Status)
		require.Equal(t, "depositor2@market", r.Revocation.By)
		require.NotNil(t, r.Certification)
		revokedAt = r.Revocation.At
	})
	t.Run("revoke twice is refused", func(t *testing.T) {
		h.call(marketDepositor, "evidence:Revoke", e.ID, "again").fails(t, domain.CodeConflict, "already REVOKED")
	})
	t.Run("certify a revoked record is refused", func(t *testing.T) {
		e2 := h.deposit(taxDepositor, hashOf('d'))
		h.call(taxDepositor, "evidence:Revoke", e2.ID, "撤回").ok(t)
		h.call(notary, "evidence:Certify", e2.ID, certify).fails(t, domain.CodeConflict, "evidence "+e2.ID+" is REVOKED")
	})
	t.Run("the revoked hash stays taken and verifiable", func(t *testing.T) {
		v := decode[domain.Evidence](t, h.call(auditor, "evidence:VerifyByHash", "sha256", hashOf('c')).ok(t))
		require.Equal(t, domain.EvidenceRevoked, v.Status)
		require.Equal(t, revokedAt, v.Revocation.At)
		h.call(marketDepositor, "evidence:Deposit", mustJSON(t, depositRequest(hashOf('c')))).fails(t, domain.CodeConflict, e.ID)
	})
	t.Run("history shows deposit, certification and revocation with their submitters", func(t *testing.T) {
		p := decode[domain.HistoryPage](t, h.call(auditor, "evidence:History", e.ID, "0", "").ok(t))
		require.Equal(t, 3, p.Fetched)
		var who []string
		for _, en := range p.Entries {
			who = append(who, en.SubmitterOrg+"/"+en.Submitter)
		}
		require.Equal(t, []string{"MarketMSP/depositor2@market", "NotaryMSP/notary@notary", "MarketMSP/depositor@market"}, who)
		h.call(auditor, "evidence:History", "x", "0", "").fails(t, domain.CodeInvalid)
	})
}
