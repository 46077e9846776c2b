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

// staticAsset is one embedded file as served.
type staticAsset struct {
	body        []byte
	contentType string
	etag        string
}

var consoleAssets = mustAssets(consoleFiles, "console")

// mustAssets reads the embedded files under dir (by base name), with their content types
// and ETags; it panics on a file of unknown type or a missing index.html.
func mustAssets(files embed.FS, dir string) map[string]staticAsset {
	types := map[string]string{
		".html": "text/html; charset=utf-8",
		".css":  "text/css; charset=utf-8",
		".js":   "text/javascript; charset=utf-8",
		".svg":  "image/svg+xml",
	}
	out := map[string]staticAsset{}
	err := fs.WalkDir(files, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		ct, ok := types[path.Ext(p)]
		if !ok {
			panic(dir + ": no content type for " + p)
		}
		sum := sha256.Sum256(b)
		out[path.Base(p)] = staticAsset{body: b, contentType: ct, etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
		return nil
	})
	if err != nil {
		panic(err)
	}
	if _, ok := out["index.html"]; !ok {
		panic(dir + ": no index.html")
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
	serveAsset(c, a, consolePolicy)
}

// serveAsset answers an embedded file with a Content-Security-Policy and the headers that
// keep it from being sniffed, framed or leaking the page's URL; an If-None-Match of its ETag
// is a 304.
func serveAsset(c *gin.Context, a staticAsset, policy string) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", policy)
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
