package httpapi

import (
	"errors"
	"net/http"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/domain"
)

// Error codes of the gateway's own refusals, besides the domain codes (INVALID,
// UNPROCESSABLE, FORBIDDEN, NOT_FOUND, CONFLICT).
const (
	codeUnauthenticated  = "UNAUTHENTICATED"
	codeMethodNotAllowed = "METHOD_NOT_ALLOWED"
	codeUnsupportedMedia = "UNSUPPORTED_MEDIA_TYPE"
	codeInternal         = "INTERNAL"
	codeEndorsement      = "ENDORSEMENT_FAILED"
	codeSubmit           = "SUBMIT_FAILED"
	codeUnavailable      = "UNAVAILABLE"
	codeTimeout          = "TIMEOUT"
	// codeNoGrant refuses a personal-data read without a grant in force; the refused attempt
	// is on the ledger (access_id).
	codeNoGrant = "NO_GRANT"
	// codeCAFailed: the org's Fabric CA refused or failed a request of the gateway.
	codeCAFailed = "CA_FAILED"
)

// statusByCode is the one table from error codes to HTTP statuses.
var statusByCode = map[string]int{
	string(domain.CodeInvalid):       http.StatusBadRequest,
	string(domain.CodeUnprocessable): http.StatusUnprocessableEntity,
	string(domain.CodeForbidden):     http.StatusForbidden,
	string(domain.CodeNotFound):      http.StatusNotFound,
	string(domain.CodeConflict):      http.StatusConflict,
	codeUnauthenticated:              http.StatusUnauthorized,
	codeMethodNotAllowed:             http.StatusMethodNotAllowed,
	codeUnsupportedMedia:             http.StatusUnsupportedMediaType,
	codeInternal:                     http.StatusInternalServerError,
	codeEndorsement:                  http.StatusBadGateway,
	codeSubmit:                       http.StatusBadGateway,
	codeUnavailable:                  http.StatusServiceUnavailable,
	codeTimeout:                      http.StatusGatewayTimeout,
	codeNoGrant:                      http.StatusForbidden,
	codeCAFailed:                     http.StatusBadGateway,
}

// httpError is a refusal of the gateway itself that is not a domain error (401, 405, 415,
// NO_GRANT).
type httpError struct {
	Code          string
	Message       string
	AccessID      string // the recorded access a refusal refers to
	TransactionID string
}

func (e *httpError) Error() string { return e.Code + ": " + e.Message }

// errorBody is the JSON body of every error answer.
type errorBody struct {
	Error errorPayload `json:"error"`
}

type errorPayload struct {
	Code          string        `json:"code"`
	Message       string        `json:"message"`
	TransactionID string        `json:"transaction_id,omitempty"`
	AccessID      string        `json:"access_id,omitempty"`
	Details       []errorDetail `json:"details,omitempty"`
}

type errorDetail struct {
	Org     string `json:"org"`
	Message string `json:"message"`
}

// toHTTP is THE function that maps every failure to an HTTP status and an error body:
// domain errors (the gateway's own validation), ledger errors (the chaincode's prefixed
// errors, endorsement, availability, timeouts, commit failures) and the gateway's own
// refusals. A 5xx never carries more than a generic message and the per-peer messages.
func toHTTP(err error) (int, errorBody) {
	var (
		de *domain.Error
		he *httpError
		le *ledger.Error
	)
	switch {
	case errors.As(err, &le):
		return ledgerToHTTP(le)
	case errors.As(err, &de):
		return bodyFor(string(de.Code), de.Message)
	case errors.As(err, &he):
		status, b := bodyFor(he.Code, he.Message)
		b.Error.AccessID, b.Error.TransactionID = he.AccessID, he.TransactionID
		return status, b
	}
	return bodyFor(codeInternal, "internal error")
}

func ledgerToHTTP(le *ledger.Error) (int, errorBody) {
	var status int
	var b errorBody
	switch le.Kind {
	case ledger.KindContract:
		status, b = bodyFor(le.Code, le.Message)
	case ledger.KindNotFound:
		status, b = bodyFor(string(domain.CodeNotFound), le.Message)
	case ledger.KindEndorsement:
		status, b = bodyFor(codeEndorsement, le.Message)
		b.Error.Details = details(le.Details)
	case ledger.KindSubmit:
		status, b = bodyFor(codeSubmit, le.Message)
		b.Error.Details = details(le.Details)
	case ledger.KindUnavailable:
		status, b = bodyFor(codeUnavailable, le.Message)
		b.Error.Details = details(le.Details)
	case ledger.KindTimeout:
		status, b = bodyFor(codeTimeout, le.Message)
	case ledger.KindCommit:
		// MVCC_READ_CONFLICT / PHANTOM_READ_CONFLICT after the retries: the state changed
		// under the request, a conflict the client may retry. Anything else is the network's.
		status = http.StatusBadGateway
		if le.Code == "MVCC_READ_CONFLICT" || le.Code == "PHANTOM_READ_CONFLICT" {
			status = http.StatusConflict
		}
		b = errorBody{Error: errorPayload{Code: le.Code, Message: le.Message}}
	default:
		status, b = bodyFor(codeInternal, "internal error")
	}
	b.Error.TransactionID = le.TransactionID
	return status, b
}

func bodyFor(code, message string) (int, errorBody) {
	status, ok := statusByCode[code]
	if !ok {
		status, code, message = http.StatusInternalServerError, codeInternal, "internal error"
	}
	return status, errorBody{Error: errorPayload{Code: code, Message: message}}
}

func details(ds []ledger.PeerDetail) []errorDetail {
	out := make([]errorDetail, 0, len(ds))
	for _, d := range ds {
		out = append(out, errorDetail{Org: d.MSPID, Message: d.Message})
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// invalid is a 400 refusal of a malformed request.
func invalid(format string, args ...any) error {
	return domain.Errorf(domain.CodeInvalid, format, args...)
}
