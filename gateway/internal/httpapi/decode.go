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

// decodeChecked reads the JSON body strictly into v, then validates it (400/422).
func decodeChecked(c *gin.Context, what string, v domain.Validator) error {
	data, err := jsonBody(c)
	if err != nil {
		return err
	}
	return domain.DecodeValid(what, data, v)
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
