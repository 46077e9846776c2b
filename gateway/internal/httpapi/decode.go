package httpapi

import (
	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/internal/domain"
)

// decode reads the JSON body strictly into v (unknown fields, trailing data, wrong types and
// an empty body are 400 INVALID naming the problem).
func decode(c *gin.Context, what string, v any) error {
	data, err := jsonBody(c)
	if err != nil {
		return err
	}
	return domain.DecodeJSON(what, data, v)
}

// checked is a request that validates itself (the internal/domain request types).
type checked interface{ Validate() error }

// decodeChecked decodes the JSON body strictly into v, then validates it (400/422).
func decodeChecked(c *gin.Context, what string, v checked) error {
	if err := decode(c, what, v); err != nil {
		return err
	}
	return v.Validate()
}

// decodeOptional is decode for bodies that may be absent (then v is left as it is).
func decodeOptional(c *gin.Context, what string, v any) error {
	data, err := jsonBody(c)
	if err != nil {
		return err
	}
	if len(trimJSON(data)) == 0 {
		return nil
	}
	return domain.DecodeJSON(what, data, v)
}

func jsonBody(c *gin.Context) ([]byte, error) {
	if err := requireJSON(c.Request); err != nil {
		return nil, err
	}
	return readBody(c)
}

// arg serialises a validated request as a chaincode argument.
func arg(v any) string {
	return string(mustJSON(v))
}
