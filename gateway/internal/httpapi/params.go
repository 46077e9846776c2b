package httpapi

import (
	"regexp"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/internal/domain"
)

// Path and query parameters are checked before anything reaches Fabric (400 INVALID).

func usccParam(c *gin.Context) (string, error) {
	u := c.Param("uscc")
	return u, domain.ValidateUSCCFormat("uscc", u)
}

func invoiceNumberParam(c *gin.Context) (string, error) {
	n := c.Param("number")
	return n, domain.ValidateInvoiceNumber("invoice number", n)
}

func evidenceIDParam(c *gin.Context) (string, error) {
	id := c.Param("id")
	return id, domain.ValidateEvidenceID(id)
}

var txIDRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

func txIDParam(c *gin.Context) (string, error) {
	id := c.Param("tx_id")
	if !txIDRE.MatchString(id) {
		return "", invalid("transaction id must be 64 lowercase hex characters, got %q", id)
	}
	return id, nil
}

// maxBookmark bounds the opaque bookmark a client sends back.
const maxBookmark = 1024

// page reads page_size (1..100, empty or 0 = default) and bookmark.
func page(c *gin.Context) (size string, bookmark string, err error) {
	size = "0"
	if v := c.Query("page_size"); v != "" {
		n, perr := strconv.ParseInt(v, 10, 32)
		if perr != nil {
			return "", "", invalid("page_size must be an integer, got %q", v)
		}
		if _, perr := domain.PageSize(int32(n)); perr != nil {
			return "", "", invalid("page_size must be 1..%d (0 or empty = %d), got %d", domain.MaxPageSize, domain.DefaultPageSize, n)
		}
		size = strconv.FormatInt(n, 10)
	}
	bookmark = c.Query("bookmark")
	if len(bookmark) > maxBookmark {
		return "", "", invalid("bookmark is longer than %d characters", maxBookmark)
	}
	return size, bookmark, nil
}

// asyncParam reads ?async=true|false.
func asyncParam(c *gin.Context) (bool, error) {
	v, ok := c.GetQuery("async")
	if !ok || v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, invalid("async must be true or false, got %q", v)
	}
	return b, nil
}
