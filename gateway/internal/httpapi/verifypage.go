package httpapi

import (
	"embed"
	"strings"

	"github.com/gin-gonic/gin"
)

// verifyFiles is the public licence verification page a phone opens from a licence's QR code
// (<licence.public_url>/verify#<payload>): plain HTML, CSS and JavaScript, no build step, no
// CDN. Open (no API key): the page posts the payload to POST /api/v1/licences/verify, which
// is public and rate-limited per client address. The payload stays in the URL's fragment,
// which browsers never send to a server, and the page sends no Referer; it stores nothing.
//
// The page names its files and the API relative to /verify (verify/verify.js,
// api/v1/licences/verify), so it also works under a path prefix of licence.public_url.
//
//go:embed verifypage
var verifyFiles embed.FS

// verifyPolicy is the verification page's Content-Security-Policy: only the gateway's own
// scripts, styles, images and API, no inline script or style, no framing, no form posts.
const verifyPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

var verifyAssets = mustAssets(verifyFiles, "verifypage")

// GET /verify and GET /verify/{file}: the public verification page and its static files.
// The page itself is served at /verify only (its relative links resolve against it).
func (s *Server) verifyPage(c *gin.Context) {
	name := c.Param("file")
	if name == "" {
		name = "index.html"
	} else if name == "index.html" {
		name = "" // /verify/index.html would resolve the page's links under /verify/verify/
	}
	a, ok := verifyAssets[name]
	if !ok || strings.HasPrefix(name, ".") {
		s.fail(c, &httpError{Code: "NOT_FOUND", Message: "no such file of the verification page: " + clip(c.Param("file"))})
		return
	}
	serveAsset(c, a, verifyPolicy)
}
