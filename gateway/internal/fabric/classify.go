package fabric

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// phase names the step of the transaction flow an error came from.
type phase string

const (
	phaseEvaluate     phase = "evaluate"
	phaseEndorse      phase = "endorse"
	phaseSubmit       phase = "submit"
	phaseCommitStatus phase = "commit"
)

// ordererStatusRE finds the orderer's broadcast status in a submit failure.
var ordererStatusRE = regexp.MustCompile(`\b(BAD_REQUEST|FORBIDDEN|NOT_FOUND|REQUEST_ENTITY_TOO_LARGE|INTERNAL_SERVER_ERROR|SERVICE_UNAVAILABLE)\b`)

// parseContractError finds a chaincode error ("CODE: message") wherever Fabric embedded the
// chaincode's message: "chaincode response 500, CONFLICT: …", "error 500 returned from
// chaincode govchain on channel govchannel: NOT_FOUND: …", "evaluate call to endorser
// returned error: INVALID: …". domain.ParseError owns the prefixes.
func parseContractError(text string) (code, message string, ok bool) {
	e, ok := domain.ParseError(text)
	if !ok {
		return "", "", false
	}
	return string(e.Code), strings.TrimSpace(e.Message), true
}

// classify turns an error from fabric-gateway into a *ledger.Error. Errors that already are
// *ledger.Error pass unchanged.
func classify(err error, ph phase) error {
	if err == nil {
		return nil
	}
	if le, ok := ledger.AsError(err); ok {
		return le
	}
	out := &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", Err: err}

	out.TransactionID = transactionID(err)
	var commitErr *client.CommitError
	if errors.As(err, &commitErr) {
		return commitError(commitErr.TransactionID, commitErr.Code, 0)
	}

	st, isStatus := status.FromError(err)
	if isStatus {
		out.Details = peerDetails(st)
	}

	// A contract error wins over everything else: the chaincode ran and refused.
	if ph == phaseEvaluate || ph == phaseEndorse {
		texts := make([]string, 0, len(out.Details)+1)
		for _, d := range out.Details {
			texts = append(texts, d.Message)
		}
		if isStatus {
			texts = append(texts, st.Message())
		}
		for _, t := range texts {
			if code, msg, ok := parseContractError(t); ok {
				out.Kind, out.Code, out.Message, out.Details = ledger.KindContract, code, msg, nil
				return out
			}
		}
	}

	switch {
	case errors.Is(err, context.DeadlineExceeded) || (isStatus && st.Code() == codes.DeadlineExceeded):
		out.Kind, out.Message = ledger.KindTimeout, "the Fabric network did not answer in time"
	case errors.Is(err, context.Canceled) || (isStatus && st.Code() == codes.Canceled):
		out.Kind, out.Message = ledger.KindTimeout, "the request was cancelled before the Fabric network answered"
	case isStatus && (st.Code() == codes.Unavailable || st.Code() == codes.ResourceExhausted || (st.Code() == codes.FailedPrecondition && peersMissing(st.Message()))):
		out.Kind, out.Message = ledger.KindUnavailable, "no peer could be reached"
		if ph == phaseSubmit {
			out.Message = "no orderer could be reached"
		}
	case isStatus && ph == phaseSubmit:
		out.Kind, out.Message = ledger.KindSubmit, "the orderer refused the transaction"
		if m := ordererStatusRE.FindString(st.Message()); m != "" {
			out.Code = m
		}
	case isStatus && (ph == phaseEndorse || ph == phaseEvaluate):
		out.Kind, out.Message = ledger.KindEndorsement, "the peers did not endorse the transaction"
		if ph == phaseEvaluate {
			out.Message = "the peer could not evaluate the query"
		}
	case isStatus && ph == phaseCommitStatus:
		out.Kind, out.Message = ledger.KindUnavailable, "the commit status could not be obtained"
	}
	return out
}

// peersMissing recognises Fabric's FailedPrecondition answers that mean "not enough peers
// up" (other FailedPrecondition answers, e.g. an access denied, are endorsement failures).
func peersMissing(msg string) bool {
	for _, s := range []string{"no combination of peers", "no peers available", "no endorsers found", "no orderer nodes available"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// transactionID finds the transaction id of a fabric-gateway error. EndorseError, SubmitError
// and CommitStatusError embed *TransactionError, which errors.As does not see through.
func transactionID(err error) string {
	var (
		endorseErr *client.EndorseError
		submitErr  *client.SubmitError
		statusErr  *client.CommitStatusError
		txErr      *client.TransactionError
	)
	switch {
	case errors.As(err, &endorseErr):
		return endorseErr.TransactionID
	case errors.As(err, &submitErr):
		return submitErr.TransactionID
	case errors.As(err, &statusErr):
		return statusErr.TransactionID
	case errors.As(err, &txErr):
		return txErr.TransactionID
	}
	return ""
}

// peerDetails reads the per-peer ErrorDetail entries fabric-gateway puts in a status.
func peerDetails(st *status.Status) []ledger.PeerDetail {
	var out []ledger.PeerDetail
	for _, d := range st.Details() {
		if ed, ok := d.(*gateway.ErrorDetail); ok {
			out = append(out, ledger.PeerDetail{Address: ed.GetAddress(), MSPID: ed.GetMspId(), Message: ed.GetMessage()})
		}
	}
	return out
}

// commitError is the error for a transaction that committed with a code other than VALID.
func commitError(txID string, code peer.TxValidationCode, block uint64) *ledger.Error {
	name := peer.TxValidationCode_name[int32(code)]
	if name == "" {
		name = "INVALID_OTHER_REASON"
	}
	msg := "the transaction was not committed: " + name
	switch code {
	case peer.TxValidationCode_MVCC_READ_CONFLICT, peer.TxValidationCode_PHANTOM_READ_CONFLICT:
		msg = "the transaction conflicted with concurrent changes (" + name + ") and retries were exhausted; try again"
	case peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE:
		msg = "the transaction's endorsements do not satisfy the endorsement policy (ENDORSEMENT_POLICY_FAILURE)"
	}
	return &ledger.Error{Kind: ledger.KindCommit, Code: name, Message: msg, TransactionID: txID}
}

// transientCommit reports whether a commit failure is worth a retry with a fresh transaction.
func transientCommit(code peer.TxValidationCode) bool {
	return code == peer.TxValidationCode_MVCC_READ_CONFLICT || code == peer.TxValidationCode_PHANTOM_READ_CONFLICT
}

// transientSubmit reports whether resubmitting the same transaction may succeed.
func transientSubmit(err error) bool {
	le, ok := ledger.AsError(err)
	if !ok {
		return false
	}
	switch le.Kind {
	case ledger.KindUnavailable, ledger.KindTimeout:
		return true
	case ledger.KindSubmit:
		switch le.Code {
		case "BAD_REQUEST", "FORBIDDEN", "REQUEST_ENTITY_TOO_LARGE", "NOT_FOUND":
			return false
		}
		return true
	}
	return false
}
