package domain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// DecodeJSON strictly decodes one JSON object from data into v: unknown fields, wrong types,
// trailing data and empty input are INVALID errors that name the field.
func DecodeJSON(what string, data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return Errorf(CodeInvalid, "%s: a JSON object is required", what)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Errorf(CodeInvalid, "%s: %s", what, describeJSONError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return Errorf(CodeInvalid, "%s: unexpected data after the JSON object", what)
	}
	return nil
}

// Validator is a request that checks itself (every request type of this package).
type Validator interface{ Validate() error }

// DecodeValid is DecodeJSON followed by v.Validate(): the one way requests are read, by the
// chaincode from its arguments and by the gateway from HTTP bodies.
func DecodeValid(what string, data []byte, v Validator) error {
	if err := DecodeJSON(what, data, v); err != nil {
		return err
	}
	return v.Validate()
}

func describeJSONError(err error) string {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return fmt.Sprintf("expected %s, got %s", jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
		}
		return fmt.Sprintf("field %s must be %s, got %s", typeErr.Field, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("malformed JSON at byte %d: %s", syntaxErr.Offset, syntaxErr.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "malformed JSON: unexpected end of input"
	}
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return "unknown field " + rest
	}
	return strings.TrimPrefix(msg, "json: ")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	}
	return "a " + goKind
}
