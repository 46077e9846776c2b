package httpapi

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/gateway/internal/ratelimit"
	"github.com/govchain/govchain/internal/domain"
)

// The electronic business licence (电子营业执照): every registration and every amendment of
// a printed particular issues a version, recorded with its verification code. Members read
// a version as JSON or as a PNG; anyone (a bank, a landlord: no API key) verifies a
// presented licence or the payload of its QR code.

// Error codes of the licence routes.
const (
	// codeLicenceImageUnavailable: the gateway cannot draw licences (no CJK font).
	codeLicenceImageUnavailable = "LICENCE_IMAGE_UNAVAILABLE"
	// codeRateLimited: a public route's client went over its rate limit (429, Retry-After).
	codeRateLimited = "RATE_LIMITED"
)

func init() {
	statusByCode[codeLicenceImageUnavailable] = http.StatusServiceUnavailable
	statusByCode[codeRateLimited] = http.StatusTooManyRequests
}

// publicBodyLimit caps the body of a public route: a licence is a few KiB of JSON.
const publicBodyLimit = 64 << 10

var errNoLicenceImage = &httpError{Code: codeLicenceImageUnavailable,
	Message: "this gateway cannot draw licences: it has no CJK font (install fonts-wqy-microhei or set licence.font_file); format=json works"}

var errNoPublicVerification = &httpError{Code: codeUnavailable,
	Message: "public licence verification is not configured: the gateway has no server-signing identity to answer it with (licence.verify_identity)"}

// POST /businesses/{uscc}/licence → business:IssueLicence(uscc): the first licence of a
// business registered before licences were issued (201; CONFLICT when it has one). The body
// is empty or {}.
func (s *Server) issueLicence(c *gin.Context) {
	uscc, err := usccParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := decodeOptional(c, "licence issue", &noArguments{}); err != nil {
		s.fail(c, err)
		return
	}
	s.submit(c, businessCall("IssueLicence", uscc), http.StatusCreated)
}

// Formats of GET /businesses/{uscc}/licence.
const (
	licenceJSON = "json"
	licencePNG  = "png"
)

// GET /businesses/{uscc}/licence?version=N&format=json|png → business:Licence(uscc, version)
// (version 0 or absent: the current one), answered as the chaincode's JSON or drawn as a PNG.
// With licence.public_url the QR code carries the verification page's URL
// (<public_url>/verify#<qr_payload>) and the JSON gains it as qr_url.
func (s *Server) getLicence(c *gin.Context) {
	uscc, err := usccParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	version, err := licenceVersionParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	format := c.DefaultQuery("format", licenceJSON)
	switch format {
	case licenceJSON:
		if s.cfg.LicencePublicURL == "" {
			s.query(c, businessCall("Licence", uscc, version))
			return
		}
	case licencePNG:
		if s.cfg.LicenceRenderer == nil {
			s.fail(c, errNoLicenceImage)
			return
		}
	default:
		s.fail(c, invalid("format must be %s or %s, got %q", licenceJSON, licencePNG, clip(format)))
		return
	}
	call := businessCall("Licence", uscc, version)
	call.Caller = principal(c).Caller()
	res, ok := s.evaluate(c, call)
	if !ok {
		return
	}
	var view domain.LicenceView
	if err := json.Unmarshal(res, &view); err != nil {
		s.fail(c, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", Err: err})
		return
	}
	if format == licenceJSON {
		// The chaincode's answer as is, with qr_url: what the QR code of the PNG carries.
		if view.QRPayload != "" {
			res = withField(res, "qr_url", domain.LicencePayloadURL(s.cfg.LicencePublicURL, view.QRPayload))
		}
		raw(c, http.StatusOK, res)
		return
	}
	if s.cfg.LicencePublicURL != "" {
		// The QR code opens the verification page; the chaincode's qr_payload is its fragment.
		view.QRPayload = domain.LicencePayloadURL(s.cfg.LicencePublicURL, view.QRPayload)
	}
	png, err := s.cfg.LicenceRenderer.Render(view)
	if err != nil {
		s.fail(c, &ledger.Error{Kind: ledger.KindInternal, Message: "internal error", Err: err})
		return
	}
	c.Header("Content-Disposition", `inline; filename="licence-`+uscc+`-v`+strconv.Itoa(view.Licence.Version)+`.png"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "image/png", png)
}

// licenceVersionParam reads ?version= : 0..MaxLicenceVersion (empty or 0: the current one),
// as the decimal argument of business:Licence.
func licenceVersionParam(c *gin.Context) (string, error) {
	v := c.Query("version")
	if v == "" {
		return "0", nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > domain.MaxLicenceVersion || strconv.Itoa(n) != v {
		return "", invalid("version must be 1..%d (0 or empty = the current one), got %q", domain.MaxLicenceVersion, clip(v))
	}
	return v, nil
}

// POST /licences/verify {licence} | {payload} → business:VerifyLicence(request), evaluated
// with the gateway's verify identity. Public: no API key, rate-limited per client address.
// Every verdict (VALID, SUPERSEDED, TAMPERED, UNKNOWN) is a 200.
func (s *Server) verifyLicence(c *gin.Context) {
	if s.cfg.VerifyCaller == nil {
		s.fail(c, errNoPublicVerification)
		return
	}
	var req domain.VerifyLicenceRequest
	if err := decodeChecked(c, "licence verification", &req); err != nil {
		s.fail(c, err)
		return
	}
	call := businessCall("VerifyLicence", arg(req))
	call.Caller = *s.cfg.VerifyCaller
	res, ok := s.evaluate(c, call)
	if !ok {
		return
	}
	c.Header("Cache-Control", "no-store")
	raw(c, http.StatusOK, res)
}

// clientKey is the rate limit's key for a client address: an IPv4 address, or the /64 an
// IPv6 address is in (one subscriber's network: a client could otherwise take a fresh address
// of its /64 for every request).
func clientKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}

// rateLimit refuses (429 RATE_LIMITED, Retry-After in whole seconds) a client address over
// the public routes' limit. The address is gin's ClientIP: the TCP peer, or what a trusted
// proxy says (trusted_proxies); IPv6 clients are counted per /64.
func (s *Server) rateLimit() gin.HandlerFunc {
	return func(c *gin.Context) {
		if sinkFrom(c) != nil {
			c.Next() // inside a client-signed proposal: refused as not signable, no ledger call
			return
		}
		ok, wait := s.cfg.VerifyLimiter.Allow(clientKey(c.ClientIP()))
		if !ok {
			secs := ratelimit.RetryAfterSeconds(wait)
			c.Header("Retry-After", strconv.Itoa(secs))
			s.fail(c, &httpError{Code: codeRateLimited,
				Message: "too many requests from this address: retry in " + strconv.Itoa(secs) + " s (public licence verification is limited per client address)"})
			return
		}
		c.Next()
	}
}
