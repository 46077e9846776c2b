package httpapi

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/clientsign"
	"github.com/govchain/govchain/internal/domain"
)

// Client-side signing: an identity configured with signing: client writes in three steps,
// each answered with what its key must sign next (ECDSA P-256 over the SHA-256 digest, ASN.1
// DER, base64). The gateway checks every signature against the identity's certificate before
// passing it on, and normalises a high S to the low S Fabric requires.
//
//	POST /signing/proposals {"method","path","body"}     → 201 {transaction_id, digest, message, expires_at}
//	POST /signing/proposals/{tx}/endorsement {signature}  → 200 {transaction_id, digest, message, expires_at, result}
//	POST /signing/transactions/{tx} {signature}           → the write's usual answer (?async=true, Idempotency-Key)
//
// The call is given as the ordinary write request it stands for; the route's own handler
// validates it and builds the chaincode call, so a client-signed write obeys exactly the
// rules of the ordinary route. Steps are kept in memory: an unsigned step expires after
// timeouts.signing (410 SIGNING_EXPIRED; a restart forgets it: 404) and only the API key
// that began it may continue it (any other: 404).

// Error codes of client-side signing.
const (
	codeBadSignature   = "BAD_SIGNATURE"
	codeSigningExpired = "SIGNING_EXPIRED"
)

func init() {
	statusByCode[codeBadSignature] = http.StatusBadRequest
	statusByCode[codeSigningExpired] = http.StatusGone
}

// signingTTL is how long an unsigned step waits for its signature, unless
// Config.SigningTimeout says otherwise (timeouts.signing).
const signingTTL = 5 * time.Minute

// signingForget is how long an expired step is still answered 410 (then 404).
const signingForget = time.Hour

// Stages of a client-signed write.
const (
	stageProposed  = iota + 1 // waiting for the proposal's signature
	stageEndorsed             // waiting for the transaction's signature
	stageSubmitted            // signed and handed to the submit logic
)

type signingStep struct {
	keyHash string
	call    ledger.Call
	success int // the ordinary route's success status
	stage   int
	busy    bool // a request is acting on it
	prop    *ledger.Unsigned
	tx      *ledger.Unsigned
	txSig   []byte
	expires time.Time
}

// signingSteps holds the client-signed writes in progress, by transaction id.
type signingSteps struct {
	mu  sync.Mutex
	m   map[string]*signingStep
	now func() time.Time
	ttl time.Duration
}

func newSigningSteps() *signingSteps {
	return &signingSteps{m: map[string]*signingStep{}, now: time.Now, ttl: signingTTL}
}

// add stores a new step, forgetting those long expired.
func (ss *signingSteps) add(txID string, st *signingStep) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	for id, o := range ss.m {
		if o.stage != stageSubmitted && now.After(o.expires.Add(signingForget)) ||
			o.stage == stageSubmitted && now.After(o.expires.Add(24*time.Hour)) {
			delete(ss.m, id)
		}
	}
	st.expires = now.Add(ss.ttl)
	ss.m[txID] = st
}

// take claims txID's step for keyHash at one of the stages.
func (ss *signingSteps) take(txID, keyHash string, stages ...int) (*signingStep, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	st, ok := ss.m[txID]
	if !ok || st.keyHash != keyHash {
		return nil, domain.Errorf(domain.CodeNotFound, "no client-signed write %s in progress for this API key", txID)
	}
	if st.stage != stageSubmitted && ss.now().After(st.expires) {
		return nil, &httpError{Code: codeSigningExpired, Message: "the unsigned step of " + txID + " expired (signatures are awaited " + ss.ttl.String() + "); start again with POST " + APIPrefix + "/signing/proposals", TransactionID: txID}
	}
	if st.busy {
		return nil, domain.Errorf(domain.CodeConflict, "a request for %s is still being processed; retry later", txID)
	}
	for _, want := range stages {
		if st.stage == want {
			st.busy = true
			return st, nil
		}
	}
	switch st.stage {
	case stageProposed:
		return nil, domain.Errorf(domain.CodeConflict, "%s is waiting for the proposal's signature: POST %s/signing/proposals/%s/endorsement first", txID, APIPrefix, txID)
	default:
		return nil, domain.Errorf(domain.CodeConflict, "the proposal of %s is endorsed already: sign the transaction digest and POST %s/signing/transactions/%s", txID, APIPrefix, txID)
	}
}

// done releases a step taken with take, at stage next (0: unchanged), with a fresh expiry.
func (ss *signingSteps) done(st *signingStep, next int) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	st.busy = false
	if next != 0 && next != st.stage {
		st.stage = next
		st.expires = ss.now().Add(ss.ttl)
	}
}

// signingSink, in a request's context, turns the ordinary write handler into a proposal
// builder: it validates the request and hands over the chaincode call instead of writing.
type signingSink struct {
	call    ledger.Call
	success int
	ok      bool
}

type signingSinkKey struct{}

func sinkFrom(c *gin.Context) *signingSink {
	s, _ := c.Request.Context().Value(signingSinkKey{}).(*signingSink)
	return s
}

// notSignable refuses, inside a proposal, a route that is not a signable write.
func (s *Server) notSignable(next gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if sinkFrom(c) != nil {
			s.fail(c, invalid("%s %s is not a write that can be signed on the client", clip(c.Request.Method), clip(c.Request.URL.Path)))
			return
		}
		next(c)
	}
}

// signing is the ledger's client-side signing for the principal, or a refusal.
func (s *Server) signing(c *gin.Context) (ledger.Signing, *ecdsa.PublicKey, error) {
	p := principal(c)
	sg, ok := s.cfg.Ledger.(ledger.Signing)
	if !ok {
		return nil, nil, &httpError{Code: codeUnavailable, Message: "this gateway does not support client-side signing"}
	}
	cert, ok := sg.SigningCertificate(p.Caller())
	if !ok || !p.ClientSigned {
		return nil, nil, domain.Errorf(domain.CodeForbidden, "identity %s signs on the server: write through the ordinary routes", p.Caller().Label())
	}
	pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok {
		return nil, nil, &httpError{Code: codeInternal, Message: "internal error"}
	}
	return sg, pub, nil
}

type proposalRequest struct {
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Body   json.RawMessage `json:"body"`
}

type unsignedAnswer struct {
	TransactionID string          `json:"transaction_id"`
	Digest        string          `json:"digest"`
	Message       string          `json:"message"`
	ExpiresAt     time.Time       `json:"expires_at"`
	Result        json.RawMessage `json:"result,omitempty"`
}

type signatureRequest struct {
	Signature string `json:"signature"`
}

// POST /signing/proposals: the ordinary write request, validated by its own route, becomes
// an unsigned proposal.
func (s *Server) createProposal(c *gin.Context) {
	sg, _, err := s.signing(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req proposalRequest
	if err := decode(c, "proposal", &req); err != nil {
		s.fail(c, err)
		return
	}
	req.Method = strings.ToUpper(req.Method)
	switch {
	case req.Method != http.MethodPost && req.Method != http.MethodPatch && req.Method != http.MethodDelete && req.Method != http.MethodPut:
		s.fail(c, invalid("method: want the write's method, POST, PUT, PATCH or DELETE"))
		return
	case !strings.HasPrefix(req.Path, APIPrefix+"/") || strings.HasPrefix(req.Path, APIPrefix+"/signing/") || strings.ContainsAny(req.Path, "?#"):
		s.fail(c, invalid("path: want the write's path under %s/ (no query), e.g. %s/businesses", APIPrefix, APIPrefix))
		return
	}
	body := []byte(req.Body)
	if len(body) == 0 || string(body) == "null" {
		body = nil
	}
	sink := &signingSink{}
	inner, err := http.NewRequestWithContext(context.WithValue(c.Request.Context(), signingSinkKey{}, sink), req.Method, req.Path, bytes.NewReader(body))
	if err != nil {
		s.fail(c, invalid("path: %v", err))
		return
	}
	inner.Header.Set("X-API-Key", c.GetHeader("X-API-Key"))
	if body != nil {
		inner.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	s.engine.ServeHTTP(rec, inner)
	if !sink.ok {
		// The route refused the request (or it is no signable write): its answer stands.
		if rec.Code < 400 {
			s.fail(c, invalid("%s %s is not a write that can be signed on the client", req.Method, clip(req.Path)))
			return
		}
		c.Data(rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes())
		c.Abort()
		return
	}
	ctx, cancel := s.readContext(c)
	defer cancel()
	u, err := sg.Propose(ctx, sink.call)
	if err != nil {
		s.fail(c, err)
		return
	}
	st := &signingStep{keyHash: principal(c).KeyHash, call: sink.call, success: sink.success, stage: stageProposed, prop: u}
	s.steps.add(u.TxID, st)
	c.Set(ctxTxID, u.TxID)
	c.Header("Location", APIPrefix+"/signing/proposals/"+u.TxID)
	c.JSON(http.StatusCreated, unsignedAnswer{TransactionID: u.TxID, Digest: base64.StdEncoding.EncodeToString(u.Digest),
		Message: base64.StdEncoding.EncodeToString(u.Message), ExpiresAt: st.expires.UTC()})
}

// signatureParam reads and verifies the request's signature over digest.
func (s *Server) signatureParam(c *gin.Context, pub *ecdsa.PublicKey, digest []byte) ([]byte, error) {
	var req signatureRequest
	if err := decode(c, "signature", &req); err != nil {
		return nil, err
	}
	if req.Signature == "" {
		return nil, invalid("signature: required (base64 of the ASN.1 DER ECDSA signature of the digest)")
	}
	der, err := base64.StdEncoding.DecodeString(req.Signature)
	if err != nil {
		if der, err = base64.RawStdEncoding.DecodeString(req.Signature); err != nil {
			return nil, &httpError{Code: codeBadSignature, Message: "signature: not base64"}
		}
	}
	low, err := clientsign.Verify(pub, digest, der)
	if err != nil {
		return nil, &httpError{Code: codeBadSignature, Message: "signature: " + err.Error()}
	}
	return low, nil
}

// POST /signing/proposals/{tx_id}/endorsement {signature}: the signed proposal is endorsed;
// the answer is the transaction's digest to sign.
func (s *Server) endorseProposal(c *gin.Context) {
	sg, pub, err := s.signing(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	txID := c.Param("tx_id")
	c.Set(ctxTxID, txID)
	st, err := s.steps.take(txID, principal(c).KeyHash, stageProposed)
	if err != nil {
		s.fail(c, err)
		return
	}
	next := 0
	defer func() { s.steps.done(st, next) }()
	sig, err := s.signatureParam(c, pub, st.prop.Digest)
	if err != nil {
		s.fail(c, err)
		return
	}
	tx, err := sg.EndorseSigned(c.Request.Context(), st.call, st.prop.Bytes, sig)
	if err != nil {
		s.fail(c, err)
		return
	}
	st.tx = tx
	next = stageEndorsed
	ans := unsignedAnswer{TransactionID: tx.TxID, Digest: base64.StdEncoding.EncodeToString(tx.Digest),
		Message: base64.StdEncoding.EncodeToString(tx.Message), ExpiresAt: s.steps.now().Add(s.steps.ttl).UTC()}
	if json.Valid(tx.Result) {
		ans.Result = tx.Result
	}
	c.JSON(http.StatusOK, ans)
}

// POST /signing/transactions/{tx_id} {signature}: the signed transaction is submitted and
// answered as the ordinary write (sync, ?async=true, Idempotency-Key; the same signed
// transaction is resubmitted on orderer failures). Sending it again is safe: the gateway
// drives the one stored transaction.
func (s *Server) submitSignedTransaction(c *gin.Context) {
	_, pub, err := s.signing(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	txID := c.Param("tx_id")
	c.Set(ctxTxID, txID)
	st, err := s.steps.take(txID, principal(c).KeyHash, stageEndorsed, stageSubmitted)
	if err != nil {
		s.fail(c, err)
		return
	}
	next := 0
	defer func() { s.steps.done(st, next) }()
	sig, err := s.signatureParam(c, pub, st.tx.Digest)
	if err != nil {
		s.fail(c, err)
		return
	}
	if st.stage == stageSubmitted && !bytes.Equal(sig, st.txSig) {
		// Another valid signature of the same transaction: submit the stored one.
		sig = st.txSig
	}
	st.txSig = sig
	next = stageSubmitted
	s.submitWrite(c, &write{call: st.call, success: st.success, signed: &signedTx{tx: st.tx, sig: sig}})
}

// signedTx is a client-signed transaction a write submits instead of endorsing one.
type signedTx struct {
	tx  *ledger.Unsigned
	sig []byte
}
