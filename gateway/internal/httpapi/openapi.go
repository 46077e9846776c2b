package httpapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"gopkg.in/yaml.v3"
)

// openAPIYAML is the OpenAPI 3 document of every route; TestOpenAPIMatchesRouter keeps it
// true to the router and validates it.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// openAPIJSON is the document as served.
var openAPIJSON = mustYAMLToJSON(openAPIYAML)

// OpenAPI returns the OpenAPI document as JSON.
func OpenAPI() []byte { return openAPIJSON }

func (s *Server) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json; charset=utf-8", openAPIJSON)
}

func mustYAMLToJSON(y []byte) []byte {
	var v any
	if err := yaml.Unmarshal(y, &v); err != nil {
		panic(fmt.Sprintf("openapi.yaml: %v", err))
	}
	out, err := json.Marshal(jsonable(v))
	if err != nil {
		panic(fmt.Sprintf("openapi.yaml: %v", err))
	}
	return out
}

// jsonable turns YAML maps with non-string keys into JSON objects.
func jsonable(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = jsonable(e)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[fmt.Sprint(k)] = jsonable(e)
		}
		return m
	case []any:
		for i, e := range t {
			t[i] = jsonable(e)
		}
		return t
	}
	return v
}
