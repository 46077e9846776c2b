package httpapi

import (
	"context"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/require"
)

var ginParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// TestOpenAPIMatchesRouter keeps the OpenAPI document true: every route of the router is
// documented, every documented operation is routed, and the document is valid OpenAPI 3.
func TestOpenAPIMatchesRouter(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPI())
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))

	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	var routed []string
	for _, r := range New(Config{}).Routes() {
		routed = append(routed, r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}"))
	}
	sort.Strings(documented)
	sort.Strings(routed)
	require.Equal(t, routed, documented)

	t.Run("every authenticated operation documents 401, every write 202 and the error shape", func(t *testing.T) {
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				if !strings.HasPrefix(path, APIPrefix) {
					continue
				}
				require.NotNil(t, op.Responses.Value("401"), "%s %s", method, path)
				if op.Parameters != nil && hasParam(op.Parameters, "async") {
					require.NotNil(t, op.Responses.Value("202"), "%s %s", method, path)
				}
			}
		}
	})
}

func hasParam(ps openapi3.Parameters, name string) bool {
	for _, p := range ps {
		if p.Value != nil && p.Value.Name == name {
			return true
		}
	}
	return false
}

func TestDocsAndOpenAPIRoutes(t *testing.T) {
	h := newHarness(t, nil)

	w := h.do(request{method: "GET", path: "/openapi.json"})
	require.Equal(t, http.StatusOK, w.Code)
	require.Contains(t, w.Header().Get("Content-Type"), "application/json")
	require.Contains(t, w.Body.String(), `"openapi":"3.0.3"`)

	w = h.do(request{method: "GET", path: "/docs"})
	require.Equal(t, http.StatusOK, w.Code)
	require.Contains(t, w.Header().Get("Content-Type"), "text/html")
	body := w.Body.String()
	require.Contains(t, body, "/api/v1/invoices/{number}/reimbursement")
	require.Contains(t, body, "DELETE")
	require.NotContains(t, body, "<script")
	require.NotContains(t, body, "https://")
}
