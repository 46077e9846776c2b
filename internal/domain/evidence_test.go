package domain_test

import (
	"strings"
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

func validDeposit(hash string) domain.DepositRequest {
	return domain.DepositRequest{
		Hash: hash, HashAlgorithm: "sha256", FileName: "contract.pdf", MediaType: "application/pdf",
		SizeBytes: 1024, Category: "contract", Description: "signed lease",
	}
}

func hexHash(c string) string { return strings.Repeat(c, 64) }

func TestEvidenceID(t *testing.T) {
	// sha256("tx1:0") = 96595c20ce1655dadd29c0300f9b56cf… (computed independently)
	id := domain.EvidenceID("tx1", 0)
	require.Equal(t, "96595c20ce1655dadd29c0300f9b56cf", id)
	require.NoError(t, domain.ValidateEvidenceID(id))
	require.Equal(t, id, domain.EvidenceID("tx1", 0), "deterministic")
	require.NotEqual(t, id, domain.EvidenceID("tx1", 1))
	require.NotEqual(t, id, domain.EvidenceID("tx2", 0))
}

func TestValidateEvidenceID(t *testing.T) {
	for _, bad := range []string{"", "abc", strings.Repeat("A", 32), strings.Repeat("g", 32), strings.Repeat("a", 33)} {
		t.Run(bad, func(t *testing.T) {
			require.Equal(t, domain.CodeInvalid, domain.ErrorCode(domain.ValidateEvidenceID(bad)))
		})
	}
}

func TestDepositRequestNormalize(t *testing.T) {
	cases := []struct {
		name     string
		mutate   func(r *domain.DepositRequest)
		code     domain.Code
		contains string
	}{
		{"valid", func(r *domain.DepositRequest) {}, "", ""},
		{"location optional", func(r *domain.DepositRequest) { r.Location = "" }, "", ""},
		{"bad algorithm", func(r *domain.DepositRequest) { r.HashAlgorithm = "md5" }, domain.CodeInvalid, "hash_algorithm"},
		{"short hash", func(r *domain.DepositRequest) { r.Hash = "abc" }, domain.CodeInvalid, "hash must be 64"},
		{"missing file name", func(r *domain.DepositRequest) { r.FileName = "" }, domain.CodeInvalid, "file_name is required"},
		{"file name with an ID number", func(r *domain.DepositRequest) { r.FileName = "张三_11010519491231002X.pdf" }, domain.CodeUnprocessable, "file_name appears to contain a personal ID"},
		{"media type without slash", func(r *domain.DepositRequest) { r.MediaType = "pdf" }, domain.CodeInvalid, "type/subtype"},
		{"missing category", func(r *domain.DepositRequest) { r.Category = "" }, domain.CodeInvalid, "category"},
		{"missing description", func(r *domain.DepositRequest) { r.Description = "" }, domain.CodeInvalid, "description"},
		{"blank location", func(r *domain.DepositRequest) { r.Location = " " }, domain.CodeInvalid, "location must not be blank"},
		{"negative size", func(r *domain.DepositRequest) { r.SizeBytes = -1 }, domain.CodeUnprocessable, "size_bytes"},
		{"size above the cap", func(r *domain.DepositRequest) { r.SizeBytes = domain.MaxSizeBytes + 1 }, domain.CodeUnprocessable, "size_bytes is 1000000000000001; at most 1000000000000000 (1 PB) allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := validDeposit(hexHash("a"))
			c.mutate(&r)
			err := r.Normalize()
			require.Equal(t, c.code, domain.ErrorCode(err), "%v", err)
			if c.contains != "" {
				require.ErrorContains(t, err, c.contains)
			}
		})
	}
	t.Run("upper case hash and algorithm are normalised", func(t *testing.T) {
		r := validDeposit(hexHash("A"))
		r.HashAlgorithm = "SM3"
		require.NoError(t, r.Normalize())
		require.Equal(t, hexHash("a"), r.Hash)
		require.Equal(t, "sm3", r.HashAlgorithm)
	})
}

func TestDepositBatchRequestNormalize(t *testing.T) {
	many := func(n int) []domain.DepositRequest {
		out := make([]domain.DepositRequest, n)
		for i := range out {
			h := []byte(hexHash("0"))
			copy(h[60:], []byte{byte('0' + i/1000%10), byte('0' + i/100%10), byte('0' + i/10%10), byte('0' + i%10)})
			out[i] = validDeposit(string(h))
		}
		return out
	}
	cases := []struct {
		name     string
		items    []domain.DepositRequest
		code     domain.Code
		contains string
	}{
		{"one", many(1), "", ""},
		{"500", many(500), "", ""},
		{"none", nil, domain.CodeInvalid, "1 to 500"},
		{"501", many(501), domain.CodeInvalid, "got 501"},
		{"invalid item names its index", append(many(2), domain.DepositRequest{}), domain.CodeInvalid, "items[2].hash_algorithm"},
		{"same hash twice, differing only in case", []domain.DepositRequest{validDeposit(hexHash("b")), validDeposit(hexHash("c")), validDeposit(hexHash("B"))}, domain.CodeConflict, "items[2] repeats the sha256 hash " + hexHash("b") + " of items[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := domain.DepositBatchRequest{Items: c.items}
			err := r.Normalize()
			require.Equal(t, c.code, domain.ErrorCode(err), "%v", err)
			if c.contains != "" {
				require.ErrorContains(t, err, c.contains)
			}
		})
	}
	t.Run("same hash under different algorithms is fine", func(t *testing.T) {
		a, b := validDeposit(hexHash("d")), validDeposit(hexHash("d"))
		b.HashAlgorithm = "sm3"
		require.NoError(t, (&domain.DepositBatchRequest{Items: []domain.DepositRequest{a, b}}).Normalize())
	})
}

func TestCertifyAndRevoke(t *testing.T) {
	owner := domain.Actor{Org: domain.MarketMSP, By: "depositor@market", At: "2026-04-01T00:00:00Z", TxID: "tx1"}
	notary := domain.Actor{Org: domain.NotaryMSP, By: "notary@notary", At: "2026-04-02T00:00:00Z", TxID: "tx2"}
	other := domain.Actor{Org: domain.TaxMSP, By: "depositor@tax", At: "2026-04-03T00:00:00Z", TxID: "tx3"}
	fresh := func() domain.Evidence {
		r := validDeposit(hexHash("e"))
		require.NoError(t, r.Normalize())
		return domain.NewEvidence(domain.EvidenceID("tx1", 0), r, owner)
	}

	t.Run("certify once, twice is CONFLICT", func(t *testing.T) {
		e := fresh()
		require.Equal(t, domain.EvidenceDeposited, e.Status)
		require.NoError(t, domain.CertifyEvidence(&e, domain.CertifyRequest{CertificateNumber: "(2026)闽厦证字第1号"}, notary))
		require.Equal(t, domain.EvidenceCertified, e.Status)
		require.Equal(t, "tx2", e.Certification.TxID)
		err := domain.CertifyEvidence(&e, domain.CertifyRequest{CertificateNumber: "2"}, notary)
		require.Equal(t, domain.CodeConflict, domain.ErrorCode(err))
		require.ErrorContains(t, err, "already certified as (2026)闽厦证字第1号 by NotaryMSP (CN=notary@notary)")
	})

	t.Run("revoke by another org is FORBIDDEN, by owner works, twice is CONFLICT, then certify is CONFLICT", func(t *testing.T) {
		e := fresh()
		err := domain.RevokeEvidence(&e, "mistake", other)
		require.Equal(t, domain.CodeForbidden, domain.ErrorCode(err))
		require.ErrorContains(t, err, "belongs to MarketMSP")
		require.Equal(t, domain.CodeInvalid, domain.ErrorCode(domain.RevokeEvidence(&e, "", owner)))

		require.NoError(t, domain.RevokeEvidence(&e, "mistake", owner))
		require.Equal(t, domain.EvidenceRevoked, e.Status)
		require.Equal(t, "mistake", e.Revocation.Reason)

		err = domain.RevokeEvidence(&e, "again", owner)
		require.Equal(t, domain.CodeConflict, domain.ErrorCode(err))
		require.ErrorContains(t, err, "already REVOKED")

		err = domain.CertifyEvidence(&e, domain.CertifyRequest{CertificateNumber: "1"}, notary)
		require.Equal(t, domain.CodeConflict, domain.ErrorCode(err))
		require.ErrorContains(t, err, "is REVOKED")
	})

	t.Run("certified evidence can be revoked and keeps its certification", func(t *testing.T) {
		e := fresh()
		require.NoError(t, domain.CertifyEvidence(&e, domain.CertifyRequest{CertificateNumber: "1"}, notary))
		require.NoError(t, domain.RevokeEvidence(&e, "withdrawn", owner))
		require.NotNil(t, e.Certification)
	})

	t.Run("certify request validation", func(t *testing.T) {
		require.Equal(t, domain.CodeInvalid, domain.ErrorCode((&domain.CertifyRequest{}).Validate()))
		require.Equal(t, domain.CodeInvalid, domain.ErrorCode((&domain.CertifyRequest{CertificateNumber: "1", Notes: "\x07"}).Validate()))
		require.NoError(t, (&domain.CertifyRequest{CertificateNumber: "1", Notes: "line1\nline2"}).Validate())
	})
}

func TestValidateDoesNotNormalize(t *testing.T) {
	r := validDeposit(hexHash("F"))
	require.NoError(t, r.Validate())
	require.Equal(t, hexHash("F"), r.Hash, "Validate leaves the request as it was")

	b := domain.DepositBatchRequest{Items: []domain.DepositRequest{validDeposit(hexHash("F")), validDeposit(hexHash("f"))}}
	require.Equal(t, domain.CodeConflict, domain.ErrorCode(b.Validate()), "case-insensitive duplicate")
	require.Equal(t, hexHash("F"), b.Items[0].Hash)
	require.NoError(t, (&domain.DepositBatchRequest{Items: []domain.DepositRequest{validDeposit(hexHash("F"))}}).Validate())

	bad := validDeposit("xyz")
	require.Equal(t, domain.CodeInvalid, domain.ErrorCode(bad.Validate()))
}
