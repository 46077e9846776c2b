package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// EvidenceIDLength is the length of an evidence id (hex characters).
const EvidenceIDLength = 32

// EvidenceID is the deterministic id of the index-th record deposited in transaction txID:
// the first 32 hex characters of SHA-256(txID + ":" + index).
func EvidenceID(txID string, index int) string {
	sum := sha256.Sum256([]byte(txID + ":" + strconv.Itoa(index)))
	return hex.EncodeToString(sum[:])[:EvidenceIDLength]
}

// ValidateEvidenceID checks that id is 32 lowercase hex characters (INVALID otherwise).
func ValidateEvidenceID(id string) error {
	if len(id) != EvidenceIDLength || strings.ToLower(id) != id {
		return Errorf(CodeInvalid, "evidence id must be %d lowercase hex characters, got %q", EvidenceIDLength, id)
	}
	if _, err := hex.DecodeString(id); err != nil {
		return Errorf(CodeInvalid, "evidence id must be %d lowercase hex characters, got %q", EvidenceIDLength, id)
	}
	return nil
}

// Validate checks a deposit request without changing it (upper-case hashes are accepted).
func (r *DepositRequest) Validate() error {
	c := *r
	return c.Normalize()
}

// Validate checks a batch request without changing it.
func (r *DepositBatchRequest) Validate() error {
	c := DepositBatchRequest{Items: append([]DepositRequest(nil), r.Items...)}
	return c.Normalize()
}

// Normalize lower-cases the hash and algorithm in place and validates the request.
func (r *DepositRequest) Normalize() error {
	return r.normalize("")
}

func (r *DepositRequest) normalize(prefix string) error {
	alg, err := NormalizeHashAlgorithm(prefix+"hash_algorithm", r.HashAlgorithm)
	if err != nil {
		return err
	}
	h, err := NormalizeHash(prefix+"hash", r.Hash)
	if err != nil {
		return err
	}
	rules := []struct {
		rule  textRule
		value string
	}{
		{textRule{field: prefix + "file_name", max: MaxFileNameLen, required: true}, r.FileName},
		{textRule{field: prefix + "media_type", max: MaxMediaTypeLen, required: true}, r.MediaType},
		{textRule{field: prefix + "category", max: MaxShortTextLen, required: true}, r.Category},
		{textRule{field: prefix + "description", max: MaxLongTextLen, required: true, multiline: true}, r.Description},
		{textRule{field: prefix + "location", max: MaxAddressLen}, r.Location},
	}
	for _, c := range rules {
		if err := c.rule.check(c.value); err != nil {
			return err
		}
	}
	if !strings.Contains(r.MediaType, "/") {
		return Errorf(CodeInvalid, "%smedia_type must look like type/subtype, got %q", prefix, r.MediaType)
	}
	if r.SizeBytes < 0 {
		return Errorf(CodeUnprocessable, "%ssize_bytes must not be negative, got %d", prefix, r.SizeBytes)
	}
	if r.SizeBytes > MaxSizeBytes {
		return Errorf(CodeUnprocessable, "%ssize_bytes is %d; at most %d (1 PB) allowed", prefix, r.SizeBytes, MaxSizeBytes)
	}
	r.HashAlgorithm, r.Hash = alg, h
	return nil
}

// Normalize validates every item (errors name items[i]), lower-cases hashes and refuses a
// hash that appears twice in the batch (CONFLICT). The batch must hold 1..500 items.
func (r *DepositBatchRequest) Normalize() error {
	if len(r.Items) == 0 || len(r.Items) > MaxBatchItems {
		return Errorf(CodeInvalid, "items must hold 1 to %d deposits, got %d", MaxBatchItems, len(r.Items))
	}
	for i := range r.Items {
		if err := r.Items[i].normalize("items[" + strconv.Itoa(i) + "]."); err != nil {
			return err
		}
		for j := 0; j < i; j++ {
			if r.Items[j].HashAlgorithm == r.Items[i].HashAlgorithm && r.Items[j].Hash == r.Items[i].Hash {
				return Errorf(CodeConflict, "items[%d] repeats the %s hash %s of items[%d]", i, r.Items[i].HashAlgorithm, r.Items[i].Hash, j)
			}
		}
	}
	return nil
}

// Validate checks a certification request.
func (r *CertifyRequest) Validate() error {
	if err := (textRule{field: "certificate_number", max: MaxReferenceLen, required: true}).check(r.CertificateNumber); err != nil {
		return err
	}
	return textRule{field: "notes", max: MaxLongTextLen, multiline: true}.check(r.Notes)
}

// NewEvidence builds the record of a normalised deposit with the given id, created by a
// and owned by a's organisation.
func NewEvidence(id string, r DepositRequest, a Actor) Evidence {
	return Evidence{
		ID:            id,
		Hash:          r.Hash,
		HashAlgorithm: r.HashAlgorithm,
		FileName:      r.FileName,
		MediaType:     r.MediaType,
		SizeBytes:     r.SizeBytes,
		Category:      r.Category,
		Description:   r.Description,
		Location:      r.Location,
		Status:        EvidenceDeposited,
		RecordMeta:    NewRecordMeta(a),
	}
}

// CertifyEvidence certifies e. A revoked or already certified record is CONFLICT.
func CertifyEvidence(e *Evidence, r CertifyRequest, a Actor) error {
	switch e.Status {
	case EvidenceRevoked:
		return Errorf(CodeConflict, "evidence %s is REVOKED (at %s); it cannot be certified", e.ID, e.Revocation.At)
	case EvidenceCertified:
		c := e.Certification
		return Errorf(CodeConflict, "evidence %s is already certified as %s by %s (CN=%s) at %s", e.ID, c.CertificateNumber, c.Org, c.By, c.At)
	}
	e.Status = EvidenceCertified
	e.Certification = &Certification{CertificateNumber: r.CertificateNumber, Notes: r.Notes, Org: a.Org, By: a.By, At: a.At, TxID: a.TxID}
	e.Touch(a)
	return nil
}

// RevokeEvidence revokes e. Only the owning organisation may revoke (FORBIDDEN otherwise);
// a revoked record is CONFLICT; a reason is required. A certified record may be revoked;
// its certification stays visible.
func RevokeEvidence(e *Evidence, reason string, a Actor) error {
	if err := checkReason(reason); err != nil {
		return err
	}
	if e.OwnerOrg != a.Org {
		return Errorf(CodeForbidden, "evidence %s belongs to %s; only a depositor of %s may revoke it (caller is %s)", e.ID, e.OwnerOrg, e.OwnerOrg, a.Org)
	}
	if e.Status == EvidenceRevoked {
		r := e.Revocation
		return Errorf(CodeConflict, "evidence %s is already REVOKED by %s (CN=%s) at %s", e.ID, r.Org, r.By, r.At)
	}
	e.Status = EvidenceRevoked
	e.Revocation = &Revocation{Reason: reason, Org: a.Org, By: a.By, At: a.At, TxID: a.TxID}
	e.Touch(a)
	return nil
}
