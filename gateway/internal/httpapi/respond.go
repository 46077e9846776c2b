package httpapi

import (
	"encoding/json"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/gateway/internal/ledger"
)

// context keys set by handlers and read by the logging middleware.
const (
	ctxPrincipal = "govchain.principal"
	ctxRequestID = "govchain.request_id"
	ctxTxID      = "govchain.tx_id"
	ctxErrorCode = "govchain.error_code"
)

// fail answers err through toHTTP and logs what the client is not shown.
func (s *Server) fail(c *gin.Context, err error) {
	status, body := toHTTP(err)
	s.noteError(c, err, status, body)
	c.AbortWithStatusJSON(status, body)
}

// noteError records an error answer for the request log: the code, the transaction id and,
// for a 5xx, the internal cause.
func (s *Server) noteError(c *gin.Context, err error, status int, body errorBody) {
	c.Set(ctxErrorCode, body.Error.Code)
	if body.Error.TransactionID != "" {
		c.Set(ctxTxID, body.Error.TransactionID)
	}
	if status >= 500 {
		s.log.Error("request failed", "request_id", c.GetString(ctxRequestID), "status", status,
			"code", body.Error.Code, "tx_id", body.Error.TransactionID, "error", clipTo(err.Error(), maxErrorText))
	}
}

// raw answers a JSON document as it is (the chaincode's own JSON).
func raw(c *gin.Context, status int, doc []byte) {
	c.Data(status, "application/json; charset=utf-8", doc)
}

// principal is the authenticated caller of the request.
func principal(c *gin.Context) Principal {
	p, _ := c.Get(ctxPrincipal)
	pr, _ := p.(Principal)
	return pr
}

// recordWithTx is the answer to a committed write: the record the chaincode returned, with
// transaction_id and block_number added as its last fields.
func recordWithTx(result []byte, txID string, block uint64) []byte {
	extra, _ := json.Marshal(struct {
		TransactionID string `json:"transaction_id"`
		BlockNumber   uint64 `json:"block_number"`
	}{txID, block})
	if out, ok := appendFields(result, extra); ok {
		return out
	}
	// Not an object: wrap it.
	obj := trimJSON(result)
	var r json.RawMessage = obj
	if !json.Valid(obj) {
		r = json.RawMessage("null")
	}
	out, _ := json.Marshal(struct {
		Result        json.RawMessage `json:"result"`
		TransactionID string          `json:"transaction_id"`
		BlockNumber   uint64          `json:"block_number"`
	}{r, txID, block})
	return out
}

func trimJSON(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && isSpace(b[i]) {
		i++
	}
	for j > i && isSpace(b[j-1]) {
		j--
	}
	return b[i:j]
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// accepted is the answer to an async write.
type acceptedBody struct {
	TransactionID string `json:"transaction_id"`
	Status        string `json:"status"`
	StatusURL     string `json:"status_url"`
}

func acceptedFor(txID string) acceptedBody {
	return acceptedBody{TransactionID: txID, Status: ledger.StatusPending, StatusURL: APIPrefix + "/transactions/" + txID}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// withField adds "name": value as the last field of the JSON object doc (doc unchanged when
// it is not an object).
func withField(doc []byte, name, value string) []byte {
	field, _ := json.Marshal(map[string]string{name: value})
	if out, ok := appendFields(doc, field); ok {
		return out
	}
	return doc
}

// appendFields appends the fields of the JSON object fields to the JSON object doc, after its
// own; ok is false when doc is not a JSON object.
func appendFields(doc, fields []byte) ([]byte, bool) {
	obj := trimJSON(doc)
	if len(obj) < 2 || obj[0] != '{' || !json.Valid(obj) {
		return nil, false
	}
	inner := trimJSON(obj[1 : len(obj)-1])
	out := make([]byte, 0, len(obj)+len(fields))
	out = append(out, '{')
	if len(inner) > 0 {
		out = append(out, inner...)
		out = append(out, ',')
	}
	return append(out, fields[1:]...), true
}
