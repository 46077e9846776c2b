package httpapi

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"
)

// docRoute is one row of the docs page.
type docRoute struct {
	Method, Path, Summary, Description string
	Open                               bool
}

var docsTemplate = template.Must(template.New("docs").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:.4em;text-align:left;vertical-align:top}
code{white-space:nowrap}.m{font-weight:bold}.d{color:#555;font-size:.9em;white-space:pre-wrap}</style></head>
<body><h1>{{.Title}} {{.Version}}</h1><p class="d">{{.Description}}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3).</p>
<table><tr><th>Method</th><th>Path</th><th>What</th></tr>
{{range .Routes}}<tr><td class="m">{{.Method}}</td><td><code>{{.Path}}</code></td><td>{{.Summary}}{{if .Open}} <em>(no API key)</em>{{end}}{{if .Description}}<div class="d">{{.Description}}</div>{{end}}</td></tr>
{{end}}</table></body></html>`))

// docsPage renders the route list of the OpenAPI document as plain HTML (no script, no CDN).
var docsPage = mustDocsPage(openAPIJSON)

func (s *Server) docs(c *gin.Context) {
	c.Data(http.StatusOK, "text/html; charset=utf-8", docsPage)
}

func mustDocsPage(doc []byte) []byte {
	var d struct {
		Info struct {
			Title, Version, Description string
		}
		Paths map[string]map[string]json.RawMessage
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		panic(err)
	}
	var routes []docRoute
	for path, item := range d.Paths {
		for method, raw := range item {
			if method == "parameters" {
				continue
			}
			var op struct {
				Summary, Description string
				Security             *[]any
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				panic(err)
			}
			routes = append(routes, docRoute{
				Method: strings.ToUpper(method), Path: path, Summary: op.Summary, Description: op.Description,
				Open: op.Security != nil && len(*op.Security) == 0,
			})
		}
	}
	sort.Slice(routes, func(i, j int) bool {
		if routes[i].Path != routes[j].Path {
			return routes[i].Path < routes[j].Path
		}
		return methodOrder(routes[i].Method) < methodOrder(routes[j].Method)
	})
	var buf bytes.Buffer
	if err := docsTemplate.Execute(&buf, map[string]any{
		"Title": d.Info.Title, "Version": d.Info.Version, "Description": d.Info.Description, "Routes": routes,
	}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func methodOrder(m string) int {
	return strings.Index("GET POST PATCH DELETE", m)
}
