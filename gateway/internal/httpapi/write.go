package httpapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/gateway/internal/idempotency"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/domain"
)

// query evaluates a read as the request's principal and answers the chaincode's JSON as it is.
func (s *Server) query(c *gin.Context, call ledger.Call) {
	call.Caller = principal(c).Caller()
	if res, ok := s.evaluate(c, call); ok {
		raw(c, http.StatusOK, res)
	}
}

// evaluate evaluates call (its Caller set) within the read timeout; on an error it answers
// the request and reports false.
func (s *Server) evaluate(c *gin.Context, call ledger.Call) ([]byte, bool) {
	ctx, cancel := s.readContext(c)
	defer cancel()
	res, err := s.cfg.Ledger.Evaluate(ctx, call)
	if err != nil {
		s.fail(c, err)
		return nil, false
	}
	return res, true
}

// submit runs a write: early permission check, Idempotency-Key handling, then either a
// synchronous submit (answer success with the record, transaction_id and block_number) or
// ?async=true (202 with the transaction id). The request must be fully validated already.
func (s *Server) submit(c *gin.Context, call ledger.Call, success int) {
	s.submitWrite(c, &write{call: call, success: success})
}

// submitWrite runs w (its call, success status and optional saga steps) for the request.
func (s *Server) submitWrite(c *gin.Context, w *write) {
	p := principal(c)
	w.call.Caller = p.Caller()
	w.s, w.c, w.p = s, c, p
	if sink := sinkFrom(c); sink != nil {
		// Building a client-signed proposal: the request is validated, hand over the call.
		if w.before != nil {
			s.fail(c, invalid("a write with personal data cannot be signed on the client: its private part goes to the owner's peer as transient data, staged by the gateway"))
			return
		}
		sink.call, sink.success, sink.ok = w.call, w.success, true
		c.Status(http.StatusNoContent)
		return
	}
	if p.ClientSigned && w.signed == nil {
		s.fail(c, domain.Errorf(domain.CodeForbidden, "identity %s signs on the client: the gateway holds no key for it; write through POST %s/signing/proposals", p.Caller().Label(), APIPrefix))
		return
	}
	async, err := asyncParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if async && w.before != nil {
		s.fail(c, invalid("personal data is written synchronously only: leave out async=true"))
		return
	}
	w.async = async
	if key := c.GetHeader("Idempotency-Key"); key != "" {
		if !idempotency.ValidKey(key) {
			s.fail(c, invalid("Idempotency-Key must be 1 to 255 printable ASCII characters"))
			return
		}
		if s.cfg.Idempotency == nil {
			s.fail(c, invalid("Idempotency-Key is not supported by this gateway"))
			return
		}
		w.key = key
		if !w.begin() {
			return
		}
		// Whatever happens below (even a panic), the key is not left owned by a request that
		// has gone; after Complete or Abort this does nothing.
		defer w.release()
	}
	w.run()
}

// write is one write request in progress.
type write struct {
	s       *Server
	c       *gin.Context
	p       Principal
	call    ledger.Call
	async   bool
	success int
	key     string            // Idempotency-Key, if any
	tok     idempotency.Token // this request's claim of key
	txID    string            // last transaction prepared for it
	signed  *signedTx         // a client-signed transaction to submit (no endorsement)

	// A write that carries personal data runs as a short saga: before writes the private
	// part (through the owner's peer only) and returns the public call that binds it; after
	// sees the public call's outcome (to purge what it left unbound). private is the personal
	// input, which the idempotency fingerprint covers through a keyed hash.
	private []byte
	before  func(ctx context.Context) (ledger.Call, error)
	after   func(res *ledger.Committed, err error)
}

// begin claims the idempotency key, or answers from it. It reports whether to go on.
func (w *write) begin() bool {
	fp := fingerprint(w.c, w.call, w.s.fpKey, w.private)
	outcome, e, tok, err := w.s.cfg.Idempotency.Begin(w.p.KeyHash, w.key, idempotency.Entry{
		Fingerprint: fp, Async: w.async, SuccessStatus: w.success,
	})
	if err != nil {
		w.s.fail(w.c, err)
		return false
	}
	w.tok = tok
	switch outcome {
	case idempotency.Started:
		return true
	case idempotency.Replay:
		w.c.Header("Idempotent-Replayed", "true")
		if e.TxID != "" {
			w.c.Set(ctxTxID, e.TxID)
		}
		w.c.Data(e.Status, e.ContentType, e.Body)
	case idempotency.Mismatch:
		w.s.fail(w.c, domain.Errorf(domain.CodeUnprocessable, "Idempotency-Key %q was already used with a different request", w.key))
	case idempotency.InFlight:
		w.s.fail(w.c, &ledger.Error{Kind: ledger.KindContract, Code: string(domain.CodeConflict),
			Message: "a request with this Idempotency-Key is still being processed; retry later", TransactionID: e.TxID})
	case idempotency.Orphaned:
		defer w.release()
		w.resolve(e)
	}
	return false
}

// release gives up this request's claim of its key, if it still holds it.
func (w *write) release() {
	w.s.cfg.Idempotency.Release(w.p.KeyHash, w.key, w.tok)
}

// resolve answers a request whose transaction was submitted by an earlier request with the
// same key that never answered (restart, or its deadline passed), from the transaction.
func (w *write) resolve(e *idempotency.Entry) {
	w.c.Header("Idempotent-Replayed", "true")
	if e.Async {
		w.s.answer(w.c, http.StatusAccepted, "application/json; charset=utf-8", mustJSON(acceptedFor(e.TxID)), w.complete)
		return
	}
	ctx, cancel := w.s.readContext(w.c)
	defer cancel()
	txID := e.TxID
	var tx *ledger.Transaction
	for hops := 0; hops < 10; hops++ {
		t, err := w.s.cfg.Ledger.Transaction(ctx, w.p.Caller(), txID)
		if err != nil {
			w.s.fail(w.c, err)
			return
		}
		tx = t
		if t.SupersededBy == "" {
			break
		}
		txID = t.SupersededBy
	}
	w.c.Set(ctxTxID, tx.TransactionID)
	switch tx.Status {
	case ledger.StatusPending:
		w.s.fail(w.c, &ledger.Error{Kind: ledger.KindContract, Code: string(domain.CodeConflict),
			Message: "a request with this Idempotency-Key is still being processed; retry later", TransactionID: tx.TransactionID})
	case ledger.StatusValid:
		var block uint64
		if tx.BlockNumber != nil {
			block = *tx.BlockNumber
		}
		w.s.answer(w.c, e.SuccessStatus, "application/json; charset=utf-8", recordWithTx(tx.Result, tx.TransactionID, block), w.complete)
	default:
		// Final and not committed: nothing happened, the key is free again.
		err := &ledger.Error{Kind: ledger.KindCommit, Code: tx.Status, Message: "the transaction was not committed: " + tx.Status, TransactionID: tx.TransactionID}
		if tx.Status == ledger.StatusExpired || tx.Status == ledger.StatusFailed {
			err = &ledger.Error{Kind: ledger.KindSubmit, Message: "the transaction was not committed: " + tx.Status, TransactionID: tx.TransactionID}
		}
		_ = w.s.cfg.Idempotency.Abort(w.p.KeyHash, w.key, w.tok)
		w.s.fail(w.c, err)
	}
}

func (w *write) hook(txID string) error {
	w.txID = txID
	w.c.Set(ctxTxID, txID)
	if w.key == "" {
		return nil
	}
	// Fails (and so stops the write before anything is ordered) unless this request still
	// owns the key.
	return w.s.cfg.Idempotency.SetTx(w.p.KeyHash, w.key, w.tok, txID)
}

func (w *write) run() {
	ctx := w.c.Request.Context()
	if w.signed != nil {
		w.runSigned(ctx)
		return
	}
	if w.async {
		txID, err := w.s.cfg.Ledger.SubmitAsync(ctx, w.call, w.hook)
		if err != nil {
			w.failed(err)
			return
		}
		w.accepted(txID)
		return
	}
	if w.before != nil {
		call, err := w.before(ctx)
		if err != nil {
			w.failed(err)
			return
		}
		call.Caller = w.call.Caller
		w.call = call
	}
	res, err := w.s.cfg.Ledger.Submit(ctx, w.call, w.hook)
	if w.after != nil {
		w.after(res, err)
	}
	if err != nil {
		w.failed(err)
		return
	}
	w.committed(res)
}

// runSigned submits a client-signed transaction, answered as run answers.
func (w *write) runSigned(ctx context.Context) {
	sg := w.s.cfg.Ledger.(ledger.Signing) // checked by the handler
	if w.async {
		txID, err := sg.SubmitSignedAsync(ctx, w.call, w.signed.tx, w.signed.sig, w.hook)
		if err != nil {
			w.failed(err)
			return
		}
		w.accepted(txID)
		return
	}
	res, err := sg.SubmitSigned(ctx, w.call, w.signed.tx, w.signed.sig, w.hook)
	if err != nil {
		w.failed(err)
		return
	}
	w.committed(res)
}

// accepted answers an asynchronous write: 202 with the transaction to poll.
func (w *write) accepted(txID string) {
	w.c.Set(ctxTxID, txID)
	w.c.Header("Location", APIPrefix+"/transactions/"+txID)
	w.s.answer(w.c, http.StatusAccepted, "application/json; charset=utf-8", mustJSON(acceptedFor(txID)), w.complete)
}

// committed answers a committed write: the record with its transaction and block.
func (w *write) committed(res *ledger.Committed) {
	w.c.Set(ctxTxID, res.TransactionID)
	w.s.answer(w.c, w.success, "application/json; charset=utf-8", recordWithTx(res.Result, res.TransactionID, res.BlockNumber), w.complete)
}

// failed answers a failed write and settles its idempotency key: a deterministic refusal
// (4xx other than a commit conflict) is remembered; a write whose transaction may still
// commit keeps the key busy (later requests resolve it from the transaction); anything else
// committed nothing and frees the key for a retry.
func (w *write) failed(err error) {
	status, body := toHTTP(err)
	w.s.noteError(w.c, err, status, body)
	if w.key != "" {
		le, isLedger := ledger.AsError(err)
		switch {
		case isLedger && le.Kind == ledger.KindTimeout && w.txID != "":
			w.release()
		case status < 500 && !(isLedger && le.Kind == ledger.KindCommit):
			w.complete(status, "application/json; charset=utf-8", mustJSON(body))
		default:
			_ = w.s.cfg.Idempotency.Abort(w.p.KeyHash, w.key, w.tok)
		}
	}
	w.c.AbortWithStatusJSON(status, body)
}

func (w *write) complete(status int, contentType string, body []byte) {
	if w.key == "" {
		return
	}
	if err := w.s.cfg.Idempotency.Complete(w.p.KeyHash, w.key, w.tok, status, contentType, body); err != nil {
		w.s.log.Error("cannot store the idempotent answer", "request_id", w.c.GetString(ctxRequestID), "error", err)
	}
}

// answer writes a response and hands it to remember (to store an idempotent answer).
func (s *Server) answer(c *gin.Context, status int, contentType string, body []byte, remember func(int, string, []byte)) {
	remember(status, contentType, body)
	c.Data(status, contentType, body)
}

// fingerprint identifies a request for idempotency: method, path, sorted query and the
// chaincode call it makes (function and arguments, built from the validated body). So the
// same request with another JSON layout, or the same file in another multipart envelope,
// is the same request. Personal input (private) enters as an HMAC under key: the stored
// fingerprint reveals nothing that could be tested against guessed ID numbers.
func fingerprint(c *gin.Context, call ledger.Call, key, private []byte) string {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(c.Request.Method)
	field(c.Request.URL.Path)
	field(c.Request.URL.Query().Encode())
	field(call.Name())
	for _, a := range call.Args {
		field(a)
	}
	if private != nil {
		mac := hmac.New(sha256.New, key)
		mac.Write(private)
		field(string(mac.Sum(nil)))
	}
	return hex.EncodeToString(h.Sum(nil))
}
