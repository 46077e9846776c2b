//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

var httpc = &http.Client{Timeout: 2 * time.Minute}

// resp is a decoded HTTP answer.
type resp struct {
	Status int
	Body   []byte
	JSON   map[string]any
	Header http.Header
}

// ErrCode returns error.code of an error body ("" if none).
func (r resp) ErrCode() string {
	if e, ok := r.JSON["error"].(map[string]any); ok {
		s, _ := e["code"].(string)
		return s
	}
	return ""
}

func (r resp) String() string {
	b := r.Body
	if len(b) > 1500 {
		b = append(b[:1500:1500], []byte("…")...)
	}
	return fmt.Sprintf("HTTP %d %s", r.Status, b)
}

// call sends one request to the gateway. body may be nil, a []byte (sent
// as-is) or any value (JSON-encoded). hdr are extra header pairs.
func call(t testing.TB, method, path, apiKey string, body any, hdr ...string) resp {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case []byte:
		rd, ctype = bytes.NewReader(b), "application/json"
	case *multipartBody:
		rd, ctype = bytes.NewReader(b.buf.Bytes()), b.ctype
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode body: %v", err)
		}
		rd, ctype = bytes.NewReader(raw), "application/json"
	}
	req, err := http.NewRequest(method, "http://"+h.gwAddr+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if apiKey != "" {
		req.Header.Set("X-API-Key", apiKey)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := httpc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{Status: res.StatusCode, Body: raw, Header: res.Header}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(raw, &r.JSON)
	}
	return r
}

// must asserts the status and returns the answer.
func must(t testing.TB, want int, r resp) resp {
	t.Helper()
	if r.Status != want {
		t.Fatalf("want HTTP %d, got %s", want, r)
	}
	return r
}

type multipartBody struct {
	buf   bytes.Buffer
	ctype string
}

// multipartFile builds a multipart body with one file part "file" and fields.
func multipartFile(t testing.TB, fileName string, content []byte, fields map[string]string) *multipartBody {
	t.Helper()
	mb := &multipartBody{}
	w := multipart.NewWriter(&mb.buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", fileName)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	mb.ctype = w.FormDataContentType()
	return mb
}

// str reads a string field at a dotted path of a JSON object.
func str(m map[string]any, path string) string {
	v := get(m, path)
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case float64:
		return fmt.Sprintf("%.0f", x)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

func num(m map[string]any, path string) float64 {
	f, _ := get(m, path).(float64)
	return f
}

func get(m map[string]any, path string) any {
	var cur any = m
	for _, k := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}
