package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// limitBody caps the request body at limit bytes (0: the route reads no body).
func (s *Server) limitBody(limit int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		s.wrapBody(c, limit)
	}
}

// limitUpload caps multipart bodies at the upload limit and anything else at the JSON limit.
func (s *Server) limitUpload() gin.HandlerFunc {
	return func(c *gin.Context) {
		limit := s.cfg.MaxJSONBytes
		if isMultipart(c.Request) {
			limit = s.cfg.MaxUploadBytes
		}
		s.wrapBody(c, limit)
	}
}

func (s *Server) wrapBody(c *gin.Context, limit int64) {
	if limit > 0 {
		if c.Request.ContentLength > limit {
			s.fail(c, tooLarge(limit))
			return
		}
		c.Request.Body = &limitedBody{r: http.MaxBytesReader(c.Writer, c.Request.Body, limit), limit: limit}
	}
	c.Next()
}

// limitedBody reports an oversized body as a 400 naming the limit.
type limitedBody struct {
	r     io.ReadCloser
	limit int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return n, tooLarge(b.limit)
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.r.Close() }

// tooLargeError is an oversized body: a 400 INVALID naming the limit.
type tooLargeError struct{ limit int64 }

func (e *tooLargeError) Error() string { return e.Unwrap().Error() }

func (e *tooLargeError) Unwrap() error {
	return invalid("the request body exceeds the limit of %d bytes", e.limit)
}

func tooLarge(limit int64) error { return &tooLargeError{limit} }

// readBody reads the whole (limited) body.
func readBody(c *gin.Context) ([]byte, error) {
	data, err := io.ReadAll(c.Request.Body)
	if err != nil {
		if isTooLarge(err) {
			return nil, err
		}
		return nil, invalid("cannot read the request body: %v", err)
	}
	return data, nil
}

func isTooLarge(err error) bool {
	var tl *tooLargeError
	return errors.As(err, &tl)
}

func isMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// requireJSON refuses bodies that are declared as something other than JSON.
func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return &httpError{Code: codeUnsupportedMedia, Message: "Content-Type must be application/json, got " + ct}
	}
	return nil
}
