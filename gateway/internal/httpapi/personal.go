package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/domain"
)

// Personal data never travels as a chaincode argument: the gateway draws a salt per value
// and sends values and salts as transient data to the owner agency's peer only (Call.Orgs),
// where personal:Stage writes them into the owner's private collection. A second,
// ordinarily endorsed transaction binds the stage into the public record by hash. Reads and
// verifications first commit an access record, then ask the owner's peer alone.

// registrationBody is the body of POST /businesses: the registration and, optionally, the
// legal representative's personal data.
type registrationBody struct {
	domain.RegisterBusinessRequest
	Personal *domain.PersonalData `json:"personal,omitempty"`
}

// Validate checks the registration and the personal data.
func (b *registrationBody) Validate() error {
	if err := b.RegisterBusinessRequest.Validate(); err != nil {
		return err
	}
	if b.Personal != nil {
		return b.Personal.Validate()
	}
	return nil
}

// personalWrite is the saga of a write that carries personal data: stage the values through
// the owner's peer, then submit bind(stageID) (the public transaction the answer is about),
// then purge what the public record does not bind: the whole stage when the binding
// definitely failed, and after an amendment (supersedes) the values it replaced.
func (s *Server) personalWrite(c *gin.Context, uscc string, values domain.PersonalData, success int, fingerprinted ledger.Call, supersedes bool, bind func(stageID string) ledger.Call) *write {
	p := principal(c)
	owner := p.MSPID
	w := &write{call: fingerprinted, success: success, private: mustJSON(values)}
	w.before = func(ctx context.Context) (ledger.Call, error) {
		stageID, err := s.stage(ctx, p.Caller(), owner, uscc, values)
		if err != nil {
			return ledger.Call{}, err
		}
		return bind(stageID), nil
	}
	w.after = func(_ *ledger.Committed, err error) {
		if le, ok := ledger.AsError(err); ok && le.Kind == ledger.KindTimeout {
			return // the binding may still commit: leave the stage for it
		}
		if err != nil || supersedes {
			s.prune(p.Caller(), owner, uscc, c.GetString(ctxRequestID))
		}
	}
	return w
}

// stage writes values into the owner's private collection and returns the stage id.
func (s *Server) stage(ctx context.Context, caller ledger.Caller, owner, uscc string, values domain.PersonalData) (string, error) {
	in := domain.StageInput{}
	for _, fv := range values.Values() {
		in[fv.Field] = domain.SaltedValue{Value: fv.Value, Salt: newSalt()}
	}
	res, err := s.cfg.Ledger.Submit(ctx, ledger.Call{
		Caller: caller, Contract: domain.ContractPersonal, Function: "Stage", Args: []string{uscc},
		Transient: map[string][]byte{"personal": mustJSON(in)}, Orgs: []string{owner},
	})
	if err != nil {
		return "", err
	}
	var st domain.StageResult
	if err := json.Unmarshal(res.Result, &st); err != nil || st.StageID == "" {
		return "", &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", TransactionID: res.TransactionID, Err: err}
	}
	return st.StageID, nil
}

// prune purges, in the background, the private values the public record of uscc does not
// bind. It is best effort: a failure leaves unbound values for the next prune, never a
// readable one.
func (s *Server) prune(caller ledger.Caller, owner, uscc, requestID string) {
	call := ledger.Call{Caller: caller, Contract: domain.ContractPersonal, Function: "Prune", Args: []string{uscc}, Orgs: []string{owner}}
	if _, err := s.cfg.Ledger.SubmitAsync(context.Background(), call); err != nil {
		s.log.Warn("cannot purge unbound personal data", "request_id", requestID, "uscc", uscc, "error", clipTo(err.Error(), maxErrorText))
	}
}

func newSalt() string {
	b := make([]byte, domain.SaltLength/2)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// PATCH /businesses/{uscc}/personal → personal:Stage, business:AmendPersonal, personal:Prune.
func (s *Server) amendPersonal(c *gin.Context) {
	uscc, err := usccParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req domain.PersonalChange
	if err := decodeChecked(c, "personal data amendment", &req); err != nil {
		s.fail(c, err)
		return
	}
	fp := businessCall("AmendPersonal", uscc, req.Reason)
	s.submitWrite(c, s.personalWrite(c, uscc, req.Changes, http.StatusOK, fp, true, func(stageID string) ledger.Call {
		return businessCall("AmendPersonal", uscc, arg(domain.PersonalAmendRequest{StageID: stageID, Reason: req.Reason}))
	}))
}

// DELETE /businesses/{uscc}/personal → business:ErasePersonal (unless already marked), then
// personal:Erase on the owner's peer. Answers the business record.
func (s *Server) erasePersonal(c *gin.Context) {
	uscc, err := usccParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req domain.ReasonRequest
	if err := decodeChecked(c, "erasure", &req); err != nil {
		s.fail(c, err)
		return
	}
	p := principal(c)
	ctx := c.Request.Context()
	rctx, cancel := s.readContext(c)
	raw, err := s.cfg.Ledger.Evaluate(rctx, ledger.Call{Caller: p.Caller(), Contract: domain.ContractBusiness, Function: "Get", Args: []string{uscc}})
	cancel()
	if err != nil {
		s.fail(c, err)
		return
	}
	var b domain.Business
	if err := json.Unmarshal(raw, &b); err != nil {
		s.fail(c, err)
		return
	}
	txID, block := b.LastTxID, uint64(0)
	if b.Personal == nil || b.Personal.Erased == nil {
		res, err := s.cfg.Ledger.Submit(ctx, ledger.Call{Caller: p.Caller(), Contract: domain.ContractBusiness, Function: "ErasePersonal", Args: []string{uscc, req.Reason}})
		if err != nil {
			s.fail(c, err)
			return
		}
		raw, txID, block = res.Result, res.TransactionID, res.BlockNumber
		c.Set(ctxTxID, txID)
	}
	// The record says erased: purge the values from the owner's peers. CONFLICT here means
	// nothing is left to purge (an earlier erasure did it).
	if _, err := s.cfg.Ledger.Submit(ctx, ledger.Call{Caller: p.Caller(), Contract: domain.ContractPersonal, Function: "Erase",
		Args: []string{uscc}, Orgs: []string{b.OwnerOrg}}); err != nil {
		if le, ok := ledger.AsError(err); !ok || le.Kind != ledger.KindContract || le.Code != string(domain.CodeConflict) {
			s.fail(c, err)
			return
		}
	}
	raw2 := recordWithTx(raw, txID, block)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json; charset=utf-8", raw2)
}

// GET /businesses/{uscc}/personal?purpose=&fields=&purpose_detail= → access:RecordRead (a
// committed write, denials too), then personal:Read on the owner's peer only.
func (s *Server) readPersonal(c *gin.Context) {
	uscc, err := usccParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	req := domain.ReadAccessRequest{Record: uscc, Purpose: c.Query("purpose"), PurposeDetail: c.Query("purpose_detail")}
	if f := strings.TrimSpace(c.Query("fields")); f != "" {
		req.Fields = strings.Split(f, ",")
	}
	if err := req.Validate(); err != nil {
		s.fail(c, err)
		return
	}
	s.deliver(c, accessCall("RecordRead", arg(req)), func(rec domain.AccessRecord) ledger.Call {
		return ledger.Call{Contract: domain.ContractPersonal, Function: "Read", Args: []string{rec.ID}}
	})
}

// verifyBody is the body of POST /businesses/{uscc}/personal/verify.
type verifyBody struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// POST /businesses/{uscc}/personal/verify → access:RecordVerify, then personal:Verify on
// the owner's peer with the value as transient data: {match, access_id}, nothing else.
func (s *Server) verifyPersonal(c *gin.Context) {
	uscc, err := usccParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var body verifyBody
	if err := decode(c, "verification", &body); err != nil {
		s.fail(c, err)
		return
	}
	req := domain.VerifyAccessRequest{Record: uscc, Field: body.Field}
	if err := req.Validate(); err != nil {
		s.fail(c, err)
		return
	}
	// A malformed value cannot match; say so instead of recording an access for it.
	if err := domain.ValidatePersonalValue(body.Field, body.Value); err != nil {
		s.fail(c, err)
		return
	}
	s.deliver(c, accessCall("RecordVerify", arg(req)), func(rec domain.AccessRecord) ledger.Call {
		return ledger.Call{Contract: domain.ContractPersonal, Function: "Verify", Args: []string{rec.ID},
			Transient: map[string][]byte{"value": []byte(body.Value)}}
	})
}

// deliver commits the access record of record, then (if granted) asks the record owner's
// peer, and only it, for the answer of deliver(rec). The answer carries the access record's
// transaction; a denial is 403 NO_GRANT with the recorded access's id.
func (s *Server) deliver(c *gin.Context, record ledger.Call, deliver func(domain.AccessRecord) ledger.Call) {
	p := principal(c)
	record.Caller = p.Caller()
	res, err := s.cfg.Ledger.Submit(c.Request.Context(), record)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(ctxTxID, res.TransactionID)
	var rec domain.AccessRecord
	if err := json.Unmarshal(res.Result, &rec); err != nil {
		s.fail(c, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", TransactionID: res.TransactionID, Err: err})
		return
	}
	if rec.Outcome != domain.AccessGranted {
		s.fail(c, &httpError{Code: codeNoGrant, Message: rec.DenyReason + "; this attempt is recorded", AccessID: rec.ID, TransactionID: res.TransactionID})
		return
	}
	call := deliver(rec)
	call.Caller, call.Orgs = p.Caller(), []string{rec.OwnerOrg}
	ctx, cancel := s.readContext(c)
	defer cancel()
	answer, err := s.cfg.Ledger.Evaluate(ctx, call)
	if err != nil {
		s.fail(c, withAccess(err, rec.ID))
		return
	}
	c.Header("Cache-Control", "no-store")
	raw(c, http.StatusOK, recordWithTx(answer, res.TransactionID, res.BlockNumber))
}

// withAccess names the recorded access in a failed delivery's error.
func withAccess(err error, accessID string) error {
	if le, ok := ledger.AsError(err); ok && le.TransactionID == "" {
		le.TransactionID = accessID
	}
	return err
}

func accessCall(fn string, args ...string) ledger.Call {
	return ledger.Call{Contract: domain.ContractAccess, Function: fn, Args: args}
}
