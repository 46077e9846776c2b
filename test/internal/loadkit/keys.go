package loadkit

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// KeyVar is the keys.env variable of an org/role API key, e.g. GOVCHAIN_KEY_TAX_INVOICE_ISSUER.
func KeyVar(org, role string) string {
	r := strings.NewReplacer("-", "_", ".", "_")
	return "GOVCHAIN_KEY_" + strings.ToUpper(r.Replace(org)) + "_" + strings.ToUpper(r.Replace(role))
}

// ParseKeysEnv parses KEY=value lines (comments, blank lines and "export " allowed).
func ParseKeysEnv(text string) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if ok {
			out[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	return out
}

// LoadKeys reads a keys.env file.
func LoadKeys(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w (run `make up` first)", err)
	}
	return ParseKeysEnv(string(b)), nil
}
