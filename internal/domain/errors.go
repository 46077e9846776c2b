package domain

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies an error the way the gateway maps it to an HTTP status.
type Code string

// The error codes of docs/chaincode-api.md. Errors without a code are internal errors.
const (
	CodeInvalid       Code = "INVALID"       // malformed request (400)
	CodeUnprocessable Code = "UNPROCESSABLE" // well-formed but unacceptable (422)
	CodeForbidden     Code = "FORBIDDEN"     // wrong org or role (403)
	CodeNotFound      Code = "NOT_FOUND"     // record does not exist (404)
	CodeConflict      Code = "CONFLICT"      // the current state forbids it (409)
)

// codes lists every code; ParseError recognises exactly these.
var codes = []Code{CodeInvalid, CodeUnprocessable, CodeForbidden, CodeNotFound, CodeConflict}

// Error is a classified error. Its text, "CODE: message", is what crosses the wire from the
// chaincode to the gateway, where ParseError turns it back into an Error.
type Error struct {
	Code    Code
	Message string
}

// Error returns "CODE: message".
func (e *Error) Error() string {
	return string(e.Code) + ": " + e.Message
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or "" for an internal error
// (including nil).
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// ParseError finds the first "CODE: " in s (at the start or after a non-letter, so wrappers
// such as "chaincode response 500, CONFLICT: …" are tolerated) and returns the Error it
// introduces. ok is false when s carries no known code: treat that as an internal error.
func ParseError(s string) (e *Error, ok bool) {
	best := -1
	var bestCode Code
	for _, c := range codes {
		prefix := string(c) + ": "
		for from := 0; from < len(s); {
			i := strings.Index(s[from:], prefix)
			if i < 0 {
				break
			}
			i += from
			if i == 0 || !isCodeLetter(s[i-1]) {
				if best < 0 || i < best {
					best, bestCode = i, c
				}
				break
			}
			from = i + 1
		}
	}
	if best < 0 {
		return nil, false
	}
	return &Error{Code: bestCode, Message: s[best+len(bestCode)+2:]}, true
}

func isCodeLetter(b byte) bool {
	return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b == '_'
}
