package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/govchain/govchain/internal/gatewayconfig"
)

// Defaults of the licence keys (the shared schema's).
const (
	DefaultVerifyRatePerMinute = gatewayconfig.DefaultVerifyRatePerMinute
	DefaultVerifyBurst         = gatewayconfig.DefaultVerifyBurst
)

// maxPublicURL bounds licence.public_url: the QR code carries it with a payload of about a
// hundred characters, and a longer text makes a denser code that a phone reads less easily.
const maxPublicURL = 200

// Bounds of the rate limit keys.
const (
	maxVerifyRatePerMinute = 60000
	maxVerifyBurst         = 10000
)

func (c *Config) applyLicenceDefaults() {
	if c.Licence.VerifyRatePerMinute == 0 {
		c.Licence.VerifyRatePerMinute = DefaultVerifyRatePerMinute
	}
	if c.Licence.VerifyBurst == 0 {
		c.Licence.VerifyBurst = DefaultVerifyBurst
	}
}

// VerifyIdentity is the identity the public licence verification evaluates with:
// licence.verify_identity, or by default market/registrar, or the first server-signing
// identity of org market. ok is false when there is none (the route then answers 503).
func (c *Config) VerifyIdentity() (Identity, bool) {
	if c.Licence.VerifyIdentity != "" {
		org, role, name, ok := parseIdentityLabel(c.Licence.VerifyIdentity)
		if !ok {
			return Identity{}, false
		}
		id, found := c.NamedIdentity(org, role, name)
		return id, found && !id.ClientSigned()
	}
	return c.DefaultVerifyIdentity()
}

// parseIdentityLabel reads ORG/ROLE or ORG/ROLE/NAME.
func parseIdentityLabel(s string) (org, role, name string, ok bool) {
	parts := strings.Split(s, "/")
	switch len(parts) {
	case 2:
		return parts[0], parts[1], "", parts[0] != "" && parts[1] != ""
	case 3:
		return parts[0], parts[1], parts[2], parts[0] != "" && parts[1] != "" && parts[2] != ""
	}
	return "", "", "", false
}

func (c *Config) validateLicence() []error {
	var errs []error
	l := c.Licence
	if l.FontFile != "" {
		if st, err := os.Stat(l.FontFile); err != nil {
			errs = append(errs, fmt.Errorf("licence.font_file: %v", err))
		} else if !st.Mode().IsRegular() {
			errs = append(errs, fmt.Errorf("licence.font_file %s: not a regular file", l.FontFile))
		}
	}
	if l.VerifyIdentity != "" {
		org, role, name, ok := parseIdentityLabel(l.VerifyIdentity)
		switch id, found := c.NamedIdentity(org, role, name); {
		case !ok:
			errs = append(errs, fmt.Errorf("licence.verify_identity %q: want ORG/ROLE or ORG/ROLE/NAME", l.VerifyIdentity))
		case !found:
			errs = append(errs, fmt.Errorf("licence.verify_identity %q: no such identity among identities", l.VerifyIdentity))
		case id.ClientSigned():
			errs = append(errs, fmt.Errorf("licence.verify_identity %q: signs on the client; the gateway answers outsiders itself and needs a server-signing identity", l.VerifyIdentity))
		}
	}
	if l.PublicURL != "" {
		if err := checkPublicURL(l.PublicURL); err != nil {
			errs = append(errs, fmt.Errorf("licence.public_url %q: %v", l.PublicURL, err))
		}
	}
	if l.VerifyRatePerMinute < 1 || l.VerifyRatePerMinute > maxVerifyRatePerMinute {
		errs = append(errs, fmt.Errorf("licence.verify_rate_per_minute: must be 1..%d, got %d", maxVerifyRatePerMinute, l.VerifyRatePerMinute))
	}
	if l.VerifyBurst < 1 || l.VerifyBurst > maxVerifyBurst {
		errs = append(errs, fmt.Errorf("licence.verify_burst: must be 1..%d, got %d", maxVerifyBurst, l.VerifyBurst))
	}
	for i, p := range c.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				errs = append(errs, fmt.Errorf("trusted_proxies[%d] %q: want an IP address or a CIDR range", i, p))
			}
		}
	}
	return errs
}

// checkPublicURL accepts an absolute http(s) URL with a host and without user information,
// query or fragment (the QR code appends /verify#payload to it).
func checkPublicURL(s string) error {
	if len(s) > maxPublicURL {
		return fmt.Errorf("longer than %d characters (the QR code carries it)", maxPublicURL)
	}
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("want an absolute http:// or https:// URL, e.g. https://licence.gov.example")
	case u.Host == "" || u.Opaque != "":
		return errors.New("want an absolute URL with a host, e.g. https://licence.gov.example")
	case u.User != nil:
		return errors.New("want no user information in the URL")
	case u.RawQuery != "" || u.ForceQuery:
		return errors.New("want no query (the QR code appends /verify#payload)")
	case u.Fragment != "" || strings.Contains(s, "#"):
		return errors.New("want no fragment (the QR code appends /verify#payload)")
	case u.Hostname() == "":
		return errors.New("want a host name or address")
	}
	return nil
}
