package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/govchain/govchain/internal/domain"
	"github.com/govchain/govchain/internal/domain/sm3"
)

// maxFieldBytes bounds one text field of a multipart form.
const maxFieldBytes = 64 << 10

// upload is a multipart form with one file: the gateway keeps only the file's digests and
// size, never its content.
type upload struct {
	fields    map[string]string
	fileName  string
	mediaType string
	size      int64
	sha256    string
	sm3       string
}

// digest returns the file's hash for alg (sha256 or sm3).
func (u *upload) digest(alg string) string {
	if alg == domain.HashSM3 {
		return u.sm3
	}
	return u.sha256
}

// readUpload streams a multipart form: the part named "file" is hashed (SHA-256 and SM3 at
// once, since the algorithm field may come after the file) and discarded; other parts must
// be among allowed. Unknown or repeated parts are 400.
func readUpload(r *http.Request, allowed ...string) (*upload, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, invalid("malformed multipart form: %v", err)
	}
	u := &upload{fields: map[string]string{}}
	haveFile := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if isTooLarge(err) {
				return nil, err
			}
			return nil, invalid("malformed multipart form: %v", err)
		}
		name := part.FormName()
		switch {
		case name == "file":
			if haveFile {
				return nil, invalid("the form must carry exactly one part named file")
			}
			haveFile = true
			if err := u.hashFile(part); err != nil {
				return nil, err
			}
		case contains(allowed, name):
			if _, dup := u.fields[name]; dup {
				return nil, invalid("form field %s is given twice", name)
			}
			v, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			if err != nil {
				if isTooLarge(err) {
					return nil, err
				}
				return nil, invalid("malformed multipart form: %v", err)
			}
			if len(v) > maxFieldBytes {
				return nil, invalid("form field %s is longer than %d bytes", name, maxFieldBytes)
			}
			u.fields[name] = string(v)
		default:
			return nil, invalid("unknown form field %q; allowed: file, %s", name, strings.Join(allowed, ", "))
		}
		_ = part.Close()
	}
	if !haveFile {
		return nil, invalid("the form must carry a part named file")
	}
	return u, nil
}

func (u *upload) hashFile(part *multipart.Part) error {
	u.fileName = part.FileName()
	hs, hm := sha256.New(), sm3.New()
	head := make([]byte, 0, 512)
	buf := make([]byte, 32<<10)
	for {
		n, err := part.Read(buf)
		if n > 0 {
			if len(head) < 512 {
				head = append(head, buf[:min(n, 512-len(head))]...)
			}
			hs.Write(buf[:n])
			hm.Write(buf[:n])
			u.size += int64(n)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if isTooLarge(err) {
				return err
			}
			return invalid("cannot read the uploaded file: %v", err)
		}
	}
	u.sha256, u.sm3 = hexSum(hs), hexSum(hm)
	u.mediaType = partMediaType(part.Header)
	if u.mediaType == "" {
		u.mediaType = http.DetectContentType(head)
	}
	return nil
}

// partMediaType is the media type a client declared for the file part, unless it is the
// generic application/octet-stream.
func partMediaType(h map[string][]string) string {
	v := ""
	if vs := h["Content-Type"]; len(vs) > 0 {
		v = vs[0]
	}
	mt, params, err := mime.ParseMediaType(v)
	if err != nil || mt == "application/octet-stream" {
		return ""
	}
	return mime.FormatMediaType(mt, params)
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
