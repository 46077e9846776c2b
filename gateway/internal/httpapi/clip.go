package httpapi

import (
	"strconv"
	"unicode/utf8"
)

// Bounds of what the client controls and the gateway writes into a log line or an error
// message: the method, the path and the like may be as long as the HTTP server lets a request
// line be, and each would otherwise be copied whole into every log line.
const (
	// maxClientField bounds one client-supplied value (method, path, header value).
	maxClientField = 256
	// maxErrorText bounds an error or panic text in the log, which may quote client input.
	maxErrorText = 4096
)

// clip bounds a client-supplied value to maxClientField bytes.
func clip(s string) string { return clipTo(s, maxClientField) }

// clipTo cuts s to at most n bytes, at a UTF-8 boundary, and marks the cut with the number
// of bytes left out.
func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…[" + strconv.Itoa(len(s)-cut) + " bytes truncated]"
}
