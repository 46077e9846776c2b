package ledger

import (
	"errors"
	"fmt"
)

// Kind classifies a ledger failure; the HTTP layer turns kinds into statuses.
type Kind int

// Kinds of failure.
const (
	KindInternal    Kind = iota // anything else
	KindContract                // the chaincode refused: Code is its prefix (INVALID, CONFLICT…)
	KindEndorsement             // endorsement failed without a contract error (per-peer details)
	KindUnavailable             // no peer (or orderer) could be reached
	KindTimeout                 // a deadline passed; a write's status may still be unknown
	KindCommit                  // the transaction committed with a validation code other than VALID
	KindNotFound                // e.g. an unknown transaction id
	KindSubmit                  // the orderer refused the transaction
)

func (k Kind) String() string {
	switch k {
	case KindContract:
		return "contract"
	case KindEndorsement:
		return "endorsement"
	case KindUnavailable:
		return "unavailable"
	case KindTimeout:
		return "timeout"
	case KindCommit:
		return "commit"
	case KindNotFound:
		return "not_found"
	case KindSubmit:
		return "submit"
	}
	return "internal"
}

// Error is the ledger's typed error. Message and Details are safe to show to a client;
// Err (the cause) is for logs only.
type Error struct {
	Kind          Kind
	Code          string // contract prefix (KindContract) or validation code name (KindCommit)
	Message       string
	TransactionID string
	Details       []PeerDetail
	Err           error
}

// PeerDetail is one peer's (or orderer's) own account of a failure.
type PeerDetail struct {
	Address string
	MSPID   string
	Message string
}

func (e *Error) Error() string {
	s := e.Kind.String()
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.TransactionID != "" {
		s += " (transaction " + e.TransactionID + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// AsError returns err's *Error, if it has one.
func AsError(err error) (*Error, bool) {
	var le *Error
	ok := errors.As(err, &le)
	return le, ok
}

// Errorf is a shorthand for an *Error of the given kind.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}
