package httpapi

import (
	"context"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/govchain/govchain/internal/domain"
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

	t.Run("the public routes, and only they, are documented without security", func(t *testing.T) {
		public := map[string]bool{}
		for _, r := range New(Config{}).routes() {
			if r.kind == kindPublic {
				public[r.method+" "+APIPrefix+ginParam.ReplaceAllString(r.path, "{$1}")] = true
			}
		}
		require.NotEmpty(t, public)
		for path, item := range doc.Paths.Map() {
			if !strings.HasPrefix(path, APIPrefix) {
				continue
			}
			for method, op := range item.Operations() {
				open := op.Security != nil && len(*op.Security) == 0
				require.Equal(t, public[method+" "+path], open, "%s %s", method, path)
			}
		}
	})

	t.Run("every authenticated operation documents 401, every write 202 and the error shape", func(t *testing.T) {
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				if !strings.HasPrefix(path, APIPrefix) {
					continue
				}
				if op.Security != nil && len(*op.Security) == 0 {
					// A public route (no API key): rate-limited instead.
					require.NotNil(t, op.Responses.Value("429"), "%s %s", method, path)
					require.Nil(t, op.Responses.Value("401"), "%s %s", method, path)
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

// TestOpenAPINumberLimits keeps the documented maxima equal to internal/domain's: every
// integer field in fen, every quantity and size_bytes has bounds whose magnitude is the
// domain's cap, which is below 2^53.
func TestOpenAPINumberLimits(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPI())
	require.NoError(t, err)
	caps := func(name string) (int64, bool) {
		switch {
		case strings.HasSuffix(name, "_fen"):
			return domain.MaxMoneyFen, true
		case name == "quantity":
			return domain.MaxQuantity, true
		case name == "size_bytes":
			return domain.MaxSizeBytes, true
		}
		return 0, false
	}
	checked := 0
	var walk func(path string, s *openapi3.SchemaRef)
	walk = func(path string, s *openapi3.SchemaRef) {
		if s == nil || s.Value == nil {
			return
		}
		v := s.Value
		for name, p := range v.Properties {
			if c, ok := caps(name); ok && p.Value != nil && p.Value.Type.Is("integer") {
				checked++
				where := path + "." + name
				require.NotNil(t, p.Value.Max, "%s has no maximum", where)
				require.NotNil(t, p.Value.Min, "%s has no minimum", where)
				bound := max(int64(*p.Value.Max), -int64(*p.Value.Min))
				require.Equal(t, c, bound, "%s: documented bound differs from internal/domain", where)
				require.Less(t, bound, int64(1)<<53, where)
			}
			walk(path+"."+name, p)
		}
		for _, sub := range v.AllOf {
			walk(path, sub)
		}
		walk(path+"[]", v.Items)
	}
	for name, s := range doc.Components.Schemas {
		walk(name, s)
	}
	require.GreaterOrEqual(t, checked, 20, "the walk found the money fields")
}
