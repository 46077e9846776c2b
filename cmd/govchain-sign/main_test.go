package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestUsage(t *testing.T) {
	t.Setenv("GOVCHAIN_API", "")
	t.Setenv("GOVCHAIN_SIGN_KEY_FILE", "")
	t.Setenv("GOVCHAIN_SIGN_API_KEY", "")
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"no arguments":   {nil, "usage: govchain-sign"},
		"no key file":    {[]string{"-api", "http://x", "-api-key", "k", "POST", "/api/v1/businesses"}, "usage: govchain-sign"},
		"a missing key":  {[]string{"-api", "http://x", "-api-key", "k", "-key-file", filepath.Join(t.TempDir(), "none.pem"), "POST", "/api/v1/businesses"}, "none.pem"},
		"too many words": {[]string{"-api", "http://x", "-api-key", "k", "-key-file", "k.pem", "POST", "/p", "{}", "extra"}, "usage: govchain-sign"},
	} {
		t.Run(name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(c.args, strings.NewReader(""), &out, &errb); code != 2 {
				t.Fatalf("want exit 2, got %d: %s", code, errb.String())
			}
			if !strings.Contains(errb.String(), c.want) {
				t.Fatalf("want %q in: %s", c.want, errb.String())
			}
		})
	}
}
