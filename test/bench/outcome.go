package main

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Failure kinds. Only committed-VALID writes (and successful reads) count as done; every
// other outcome is counted under one of these.
const (
	failMVCC        = "mvcc"        // committed MVCC_READ_CONFLICT / PHANTOM_READ_CONFLICT
	failEndorsement = "endorsement" // endorsement failed (peers, policy, chaincode crash)
	failRejected    = "rejected"    // the chaincode or gateway refused the request (4xx, INVALID…CONFLICT)
	failSubmit      = "submit"      // the orderer did not accept it
	failInvalid     = "invalid"     // committed with another non-VALID validation code
	failTimeout     = "timeout"     // no answer before the deadline (504, context deadline)
	failUnavailable = "unavailable" // 503, gRPC Unavailable
	failTransport   = "transport"   // HTTP connection errors
	failOther       = "other"
)

var failKinds = []string{failMVCC, failEndorsement, failRejected, failSubmit, failInvalid, failTimeout, failUnavailable, failTransport, failOther}

// outcome is the result of one op: Fail is "" when it succeeded.
type outcome struct {
	Fail   string
	Detail string // first failure message of its kind, for the report
}

var ok = outcome{}

// contractError recognises the chaincode's prefixed errors ("CONFLICT: …").
var contractError = regexp.MustCompile(`\b(INVALID|UNPROCESSABLE|FORBIDDEN|NOT_FOUND|CONFLICT): `)

// validationFail classifies a committed, non-VALID validation code.
func validationFail(code peer.TxValidationCode) string {
	switch code {
	case peer.TxValidationCode_MVCC_READ_CONFLICT, peer.TxValidationCode_PHANTOM_READ_CONFLICT:
		return failMVCC
	}
	return failInvalid
}

// grpcText is the status message plus the per-peer details of a fabric-gateway error.
func grpcText(err error) string {
	st, _ := status.FromError(err)
	var b strings.Builder
	b.WriteString(st.Message())
	for _, d := range st.Details() {
		if ed, ok := d.(interface{ GetMessage() string }); ok {
			b.WriteString("; ")
			b.WriteString(ed.GetMessage())
		}
	}
	return b.String()
}

// classifyDirect maps a fabric-gateway error to a failure kind.
func classifyDirect(ctx context.Context, err error) outcome {
	if err == nil {
		return ok
	}
	var ce *client.CommitError
	if errors.As(err, &ce) {
		return outcome{validationFail(ce.Code), ce.Error()}
	}
	code := status.Code(err)
	text := grpcText(err)
	if code == codes.DeadlineExceeded || ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return outcome{failTimeout, text}
	}
	var ee *client.EndorseError
	var se *client.SubmitError
	var cse *client.CommitStatusError
	switch {
	case errors.As(err, &ee):
		if contractError.MatchString(text) {
			return outcome{failRejected, text}
		}
		if code == codes.Unavailable {
			return outcome{failUnavailable, text}
		}
		return outcome{failEndorsement, text}
	case errors.As(err, &se):
		return outcome{failSubmit, text}
	case errors.As(err, &cse):
		return outcome{failTimeout, text} // the commit status was never learnt
	}
	// Evaluate returns a bare gRPC status error.
	switch {
	case contractError.MatchString(text):
		return outcome{failRejected, text}
	case code == codes.Unavailable:
		return outcome{failUnavailable, text}
	}
	return outcome{failOther, err.Error()}
}

// classifyHTTP maps a gateway answer to a failure kind: 2xx is a committed VALID write or a
// successful read; errCode is the body's error.code.
func classifyHTTP(status int, errCode, msg string) outcome {
	switch {
	case status >= 200 && status < 300:
		return ok
	case errCode == "MVCC_READ_CONFLICT" || errCode == "PHANTOM_READ_CONFLICT":
		return outcome{failMVCC, msg}
	case status == 504 || errCode == "TIMEOUT":
		return outcome{failTimeout, msg}
	case status == 503:
		return outcome{failUnavailable, msg}
	case errCode == "ENDORSEMENT_FAILED":
		return outcome{failEndorsement, msg}
	case errCode == "SUBMIT_FAILED":
		return outcome{failSubmit, msg}
	case status == 502 && errCode != "":
		return outcome{failInvalid, errCode + ": " + msg} // another validation code
	case status >= 400 && status < 500:
		return outcome{failRejected, errCode + ": " + msg}
	}
	return outcome{failOther, errCode + ": " + msg}
}
