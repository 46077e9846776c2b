package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/domain"
)

func evidenceCall(fn string, args ...string) ledger.Call {
	return ledger.Call{Contract: domain.ContractEvidence, Function: fn, Args: args}
}

// depositFields are the form fields of a multipart deposit besides the file.
var depositFields = []string{"hash_algorithm", "file_name", "media_type", "category", "description", "location"}

// POST /evidence → evidence:Deposit (201). JSON with the hash, or a multipart upload whose
// file the gateway hashes (sha256 unless hash_algorithm=sm3) and forgets; file_name and
// media_type default to the upload's.
func (s *Server) depositEvidence(c *gin.Context) {
	var req domain.DepositRequest
	if isMultipart(c.Request) {
		u, err := readUpload(c.Request, depositFields...)
		if err != nil {
			s.fail(c, err)
			return
		}
		alg := u.fields["hash_algorithm"]
		if alg == "" {
			alg = domain.HashSHA256
		}
		if alg, err = domain.NormalizeHashAlgorithm("hash_algorithm", alg); err != nil {
			s.fail(c, err)
			return
		}
		req = domain.DepositRequest{
			Hash: u.digest(alg), HashAlgorithm: alg,
			FileName: firstNonEmpty(u.fields["file_name"], u.fileName), MediaType: firstNonEmpty(u.fields["media_type"], u.mediaType),
			SizeBytes: u.size, Category: u.fields["category"], Description: u.fields["description"], Location: u.fields["location"],
		}
	} else if err := decode(c, "evidence", &req); err != nil {
		s.fail(c, err)
		return
	}
	if err := req.Normalize(); err != nil {
		s.fail(c, err)
		return
	}
	s.submit(c, evidenceCall("Deposit", arg(req)), http.StatusCreated)
}

// POST /evidence/batch → evidence:DepositBatch (201, all or nothing).
func (s *Server) depositEvidenceBatch(c *gin.Context) {
	var req domain.DepositBatchRequest
	if err := decode(c, "evidence batch", &req); err != nil {
		s.fail(c, err)
		return
	}
	if err := req.Normalize(); err != nil {
		s.fail(c, err)
		return
	}
	s.submit(c, evidenceCall("DepositBatch", arg(req)), http.StatusCreated)
}

// verifyRequest is the JSON body of POST /evidence/verify.
type verifyRequest struct {
	Hash          string `json:"hash"`
	HashAlgorithm string `json:"hash_algorithm"`
}

// POST /evidence/verify → evidence:VerifyByHash. JSON with the hash, or a file upload.
// Always 200 for a well-formed request: found true with the record, or found false.
func (s *Server) verifyEvidence(c *gin.Context) {
	var req verifyRequest
	if isMultipart(c.Request) {
		u, err := readUpload(c.Request, "hash_algorithm")
		if err != nil {
			s.fail(c, err)
			return
		}
		req.HashAlgorithm = firstNonEmpty(u.fields["hash_algorithm"], domain.HashSHA256)
		alg, err := domain.NormalizeHashAlgorithm("hash_algorithm", req.HashAlgorithm)
		if err != nil {
			s.fail(c, err)
			return
		}
		req.HashAlgorithm, req.Hash = alg, u.digest(alg)
	} else if err := decode(c, "verification", &req); err != nil {
		s.fail(c, err)
		return
	}
	if req.HashAlgorithm == "" {
		req.HashAlgorithm = domain.HashSHA256
	}
	alg, err := domain.NormalizeHashAlgorithm("hash_algorithm", req.HashAlgorithm)
	if err != nil {
		s.fail(c, err)
		return
	}
	h, err := domain.NormalizeHash("hash", req.Hash)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.readContext(c)
	defer cancel()
	res, err := s.cfg.Ledger.Evaluate(ctx, ledger.Call{Caller: principal(c).Caller(), Contract: domain.ContractEvidence, Function: "VerifyByHash", Args: []string{alg, h}})
	if le, ok := ledger.AsError(err); ok && le.Kind == ledger.KindContract && le.Code == string(domain.CodeNotFound) {
		raw(c, http.StatusOK, verifyAnswer(false, alg, h, nil))
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	raw(c, http.StatusOK, verifyAnswer(true, alg, h, res))
}

// verifyAnswer says whether a digest is on the ledger, with its record when it is.
func verifyAnswer(found bool, alg, hash string, record []byte) []byte {
	var rec json.RawMessage
	if found {
		rec = jsonOrNull(record)
	}
	return mustJSON(struct {
		Found         bool            `json:"found"`
		HashAlgorithm string          `json:"hash_algorithm"`
		Hash          string          `json:"hash"`
		Evidence      json.RawMessage `json:"evidence,omitempty"`
	}{found, alg, hash, rec})
}

// jsonOrNull is b if it is valid JSON, else null.
func jsonOrNull(b []byte) json.RawMessage {
	b = trimJSON(b)
	if len(b) == 0 || !json.Valid(b) {
		return json.RawMessage("null")
	}
	return json.RawMessage(b)
}

// GET /evidence/{id} → evidence:Get.
func (s *Server) getEvidence(c *gin.Context) {
	id, err := evidenceIDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.query(c, evidenceCall("Get", id))
}

// POST /evidence/{id}/certification → evidence:Certify.
func (s *Server) certifyEvidence(c *gin.Context) {
	id, err := evidenceIDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req domain.CertifyRequest
	if err := decodeChecked(c, "certification", &req); err != nil {
		s.fail(c, err)
		return
	}
	s.submit(c, evidenceCall("Certify", id, arg(req)), http.StatusOK)
}

// POST /evidence/{id}/revocation → evidence:Revoke(id, reason).
func (s *Server) revokeEvidence(c *gin.Context) {
	id, err := evidenceIDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req domain.ReasonRequest
	if err := decodeChecked(c, "revocation", &req); err != nil {
		s.fail(c, err)
		return
	}
	s.submit(c, evidenceCall("Revoke", id, req.Reason), http.StatusOK)
}

// GET /evidence/{id}/history → evidence:History.
func (s *Server) evidenceHistory(c *gin.Context) {
	id, err := evidenceIDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	size, bookmark, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.query(c, evidenceCall("History", id, size, bookmark))
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
