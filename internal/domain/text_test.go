package domain_test

import (
	"testing"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

func TestContainsPersonalID(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want bool
	}{
		{"18-digit ID with valid check digit", "法人 11010519491231002X 张三", true},
		{"18-digit ID lower-case x", "11010519491231002x", true},
		{"18-digit ID with digit check", "110101198001010037", true},
		{"18 digits with a valid checksum but a birth year before 1900", "440524188001010014", false},
		{"18 digits with a wrong check digit", "110105194912310021", false},
		{"18 digits with an impossible date", "110105194913310028", false},
		{"15-digit first-generation ID", "id 110105491231002", true},
		{"15 digits with an impossible date", "110105491331002", false},
		{"20-digit invoice number", "24442000000000000001", false},
		{"11-digit phone number", "13800138000", false},
		{"no digits", "厦门市思明区", false},
		{"empty", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, domain.ContainsPersonalID(c.in))
		})
	}
}

func TestPageSize(t *testing.T) {
	cases := []struct {
		in   int32
		want int32
		ok   bool
	}{
		{0, 20, true}, {1, 1, true}, {100, 100, true}, {101, 0, false}, {-1, 0, false},
	}
	for _, c := range cases {
		t.Run("", func(t *testing.T) {
			got, err := domain.PageSize(c.in)
			if !c.ok {
				require.Equal(t, domain.CodeInvalid, domain.ErrorCode(err))
				return
			}
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}

func TestDecodeJSON(t *testing.T) {
	type req struct {
		Name  string   `json:"name"`
		Count int64    `json:"count"`
		Tags  []string `json:"tags"`
	}
	cases := []struct {
		name     string
		in       string
		contains string
	}{
		{"valid", `{"name":"a","count":2}`, ""},
		{"unknown field", `{"name":"a","colour":"red"}`, `unknown field "colour"`},
		{"wrong type names the field", `{"count":"two"}`, "field count must be an integer, got string"},
		{"wrong array type", `{"tags":"x"}`, "field tags must be an array"},
		{"not an object", `[1]`, "expected an object, got array"},
		{"trailing data", `{"name":"a"} {}`, "unexpected data after the JSON object"},
		{"syntax error", `{"name":}`, "malformed JSON"},
		{"truncated", `{"name":"a"`, "unexpected end"},
		{"empty", `  `, "a JSON object is required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r req
			err := domain.DecodeJSON("request", []byte(c.in), &r)
			if c.contains == "" {
				require.NoError(t, err)
				require.Equal(t, req{Name: "a", Count: 2}, r)
				return
			}
			require.Equal(t, domain.CodeInvalid, domain.ErrorCode(err), "%v", err)
			require.ErrorContains(t, err, "request: ")
			require.ErrorContains(t, err, c.contains)
		})
	}
}
