package httpapi

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"
)

// consoleFiles is the auditor console: plain HTML, CSS and JavaScript, no build step, no CDN.
// The files are open (no API key): every data call the page makes carries the auditor's key.
//
//go:embed console
var consoleFiles embed.FS

// consolePolicy is the console's Content-Security-Policy: only the gateway's own scripts,
// styles and API, no inline script or style, no framing, no forms posted anywhere.
const consolePolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// consoleAsset is one embedded file as served.
type consoleAsset struct {
	body        []byte
	contentType string
	etag        string
}

var consoleAssets = mustConsoleAssets()

func mustConsoleAssets() map[string]consoleAsset {
	types := map[string]string{
		".html": "text/html; charset=utf-8",
		".css":  "text/css; charset=utf-8",
		".js":   "text/javascript; charset=utf-8",
		".svg":  "image/svg+xml",
	}
	out := map[string]consoleAsset{}
	err := fs.WalkDir(consoleFiles, "console", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := consoleFiles.ReadFile(p)
		if err != nil {
			return err
		}
		ct, ok := types[path.Ext(p)]
		if !ok {
			panic("console: no content type for " + p)
		}
		sum := sha256.Sum256(b)
		out[path.Base(p)] = consoleAsset{body: b, contentType: ct, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
		return nil
	})
	if err != nil {
		panic(err)
	}
	if _, ok := out["index.html"]; !ok {
		panic("console: no index.html")
	}
	return out
}

// GET /console and GET /console/{file}: the console's page and its static files.
func (s *Server) console(c *gin.Context) {
	name := c.Param("file")
	if name == "" {
		name = "index.html"
	}
	a, ok := consoleAssets[name]
	if !ok || strings.HasPrefix(name, ".") {
		s.fail(c, &httpError{Code: "NOT_FOUND", Message: "no such console file: " + clip(name)})
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", consolePolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", a.etag)
	if match := c.GetHeader("If-None-Match"); match != "" && match == a.etag {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, a.contentType, a.body)
}
