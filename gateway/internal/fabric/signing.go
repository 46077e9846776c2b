package fabric

import (
	"context"
	"crypto/x509"
	"fmt"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/gateway/internal/txstore"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

var _ ledger.Signing = (*Ledger)(nil)

// SigningCertificate implements ledger.Signing.
func (l *Ledger) SigningCertificate(caller ledger.Caller) (*x509.Certificate, bool) {
	if c, ok := l.clientCerts[caller]; ok {
		return c, true
	}
	// An identity enrolled at runtime with its holder's CSR (AddIdentity without a key).
	if e, ok := l.enrolledOf(caller); ok && e.cert != nil {
		return e.cert, true
	}
	return nil, false
}

// signingConns lists the client-signed caller's gatewayConns in route order (own peer
// first): a signed proposal may be endorsed through any of them.
func (l *Ledger) signingConns(call ledger.Call) ([]*gatewayConn, error) {
	if _, ok := l.SigningCertificate(call.Caller); !ok {
		return nil, &ledger.Error{Kind: ledger.KindContract, Code: "FORBIDDEN", Message: "identity " + call.Caller.Label() + " signs on the server: write through the ordinary routes"}
	}
	c, err := l.connFor(call)
	if err != nil {
		return nil, err
	}
	var hops []conn
	if r, ok := c.(*route); ok {
		hops = r.hops
	} else {
		hops = []conn{c}
	}
	var out []*gatewayConn
	for _, h := range hops {
		if g, ok := h.(*gatewayConn); ok {
			out = append(out, g)
		}
	}
	if len(out) == 0 {
		return nil, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", Err: fmt.Errorf("no gateway connection for %s", call.Caller.Label())}
	}
	return out, nil
}

// Propose implements ledger.Signing: the proposal is built locally, nothing is sent.
func (l *Ledger) Propose(ctx context.Context, call ledger.Call) (*ledger.Unsigned, error) {
	if len(call.Transient) > 0 {
		return nil, &ledger.Error{Kind: ledger.KindContract, Code: "INVALID", Message: "calls with private (transient) data cannot be signed on the client"}
	}
	cs, err := l.signingConns(call)
	if err != nil {
		return nil, err
	}
	p, err := cs[0].contract(call.Contract).NewProposal(call.Function, proposalOptions(call)...)
	if err != nil {
		return nil, classify(err, phaseEndorse)
	}
	raw, err := p.Bytes()
	if err != nil {
		return nil, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", Err: err}
	}
	pt := &gateway.ProposedTransaction{}
	if err := proto.Unmarshal(raw, pt); err != nil {
		return nil, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", Err: err}
	}
	return &ledger.Unsigned{TxID: p.TransactionID(), Bytes: raw, Digest: p.Digest(), Message: pt.GetProposal().GetProposalBytes()}, nil
}

// EndorseSigned implements ledger.Signing: through the identity's own peer, then (when it
// is unreachable or its chaincode down) the next peers of its route, as route does.
func (l *Ledger) EndorseSigned(ctx context.Context, call ledger.Call, proposal, signature []byte) (*ledger.Unsigned, error) {
	cs, err := l.signingConns(call)
	if err != nil {
		return nil, err
	}
	var last error
	for _, g := range cs {
		p, err := g.gw.NewSignedProposal(proposal, signature)
		if err != nil {
			return nil, &ledger.Error{Kind: ledger.KindContract, Code: "INVALID", Message: "the proposal cannot be read: " + err.Error()}
		}
		ectx, cancel := context.WithTimeout(ctx, l.cfg.Timeouts.Endorse)
		done := l.obs.start(string(phaseEndorse))
		tx, err := p.EndorseWithContext(ectx)
		cancel()
		err = classify(err, phaseEndorse)
		done(err)
		if err == nil {
			raw, err := tx.Bytes()
			if err != nil {
				return nil, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", TransactionID: tx.TransactionID(), Err: err}
			}
			pt := &gateway.PreparedTransaction{}
			if err := proto.Unmarshal(raw, pt); err != nil {
				return nil, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", TransactionID: tx.TransactionID(), Err: err}
			}
			return &ledger.Unsigned{TxID: tx.TransactionID(), Bytes: raw, Digest: tx.Digest(), Message: pt.GetEnvelope().GetPayload(), Result: tx.Result()}, nil
		}
		if le, ok := ledger.AsError(err); ok && le.TransactionID == "" {
			le.TransactionID = p.TransactionID()
		}
		last = err
		if !unreachableOrChaincodeDown(err) {
			return nil, err
		}
		l.log.Warn("endorsing a client-signed proposal through the next peer", "peer", g.peer(), "error", err)
	}
	return nil, last
}

// signedRecord persists a client-signed transaction as PENDING (never endorsed afresh by
// the gateway: it has no key) and runs the hooks, as prepare does.
func (l *Ledger) signedRecord(call ledger.Call, tx *ledger.Unsigned, signature []byte, hooks []ledger.PreparedHook) (*txstore.Record, error) {
	s := l.sub
	now := s.now().UTC()
	rec := &txstore.Record{
		TxID: tx.TxID, Org: call.Caller.Org, Role: call.Caller.Role, Name: call.Caller.Name,
		Contract: call.Contract, Function: call.Function, Args: call.Args, Orgs: call.Orgs,
		ClientSigned: true, TxBytes: tx.Bytes, Signature: signature, Result: tx.Result,
		Status: txstore.Pending, Attempt: 1, CreatedAt: now, Deadline: now.Add(s.PendingDeadline),
	}
	old, found, err := s.store.Get(tx.TxID)
	if err != nil {
		return nil, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", TransactionID: tx.TxID, Err: err}
	}
	if found {
		// Submitted before (the final step sent again): drive what is stored.
		rec = old
	} else if err := s.store.Put(rec); err != nil {
		return nil, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", TransactionID: tx.TxID, Err: err}
	}
	for _, h := range hooks {
		if err := h(rec.TxID); err != nil {
			if !found {
				s.finishWith(rec, ledger.StatusFailed, "aborted before submission")
			}
			return nil, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", TransactionID: rec.TxID, Err: err}
		}
	}
	return rec, nil
}

// SubmitSigned implements ledger.Signing: as Submit, but a conflict is not retried with a
// fresh transaction (only the client could sign one).
func (l *Ledger) SubmitSigned(ctx context.Context, call ledger.Call, tx *ledger.Unsigned, signature []byte, hooks ...ledger.PreparedHook) (*ledger.Committed, error) {
	if _, err := l.signingConns(call); err != nil {
		return nil, err
	}
	c, err := l.connFor(call)
	if err != nil {
		return nil, err
	}
	rec, err := l.signedRecord(call, tx, signature, hooks)
	if err != nil {
		return nil, err
	}
	ctx = context.WithoutCancel(ctx)
	deadline := l.sub.now().Add(l.cfg.Timeouts.WriteDeadline)
	if rec.IsFinal() {
		return finalOutcome(rec)
	}
	st, err := l.sub.drive(ctx, c, rec, deadline, l.sub.unreachable)
	if err != nil {
		if !rec.IsFinal() {
			l.worker.adopt(rec)
		}
		return nil, err
	}
	l.sub.finish(rec, st, "")
	return finalOutcome(rec)
}

// finalOutcome is the answer for a final client-signed record.
func finalOutcome(rec *txstore.Record) (*ledger.Committed, error) {
	switch rec.Status {
	case ledger.StatusValid:
		return &ledger.Committed{TransactionID: rec.TxID, BlockNumber: rec.BlockNumber, Result: rec.Result}, nil
	case ledger.StatusExpired, ledger.StatusFailed:
		return nil, &ledger.Error{Kind: ledger.KindSubmit, Message: "the transaction was not committed: " + rec.Status + " " + rec.Message, TransactionID: rec.TxID}
	}
	return nil, commitError(rec.TxID, peer.TxValidationCode(rec.Code), rec.BlockNumber)
}

// SubmitSignedAsync implements ledger.Signing.
func (l *Ledger) SubmitSignedAsync(ctx context.Context, call ledger.Call, tx *ledger.Unsigned, signature []byte, hooks ...ledger.PreparedHook) (string, error) {
	if _, err := l.signingConns(call); err != nil {
		return "", err
	}
	rec, err := l.signedRecord(call, tx, signature, hooks)
	if err != nil {
		return "", err
	}
	if !rec.IsFinal() {
		l.worker.adopt(rec)
	}
	return rec.TxID, nil
}
