package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// GET /transactions/{tx_id}: PENDING while this gateway still drives the transaction, then
// its final status; once committed, the ledger's facts (block, validation code, timestamp,
// creator, endorsers, function) from qscc.
func (s *Server) getTransaction(c *gin.Context) {
	id, err := txIDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.readContext(c)
	defer cancel()
	tx, err := s.cfg.Ledger.Transaction(ctx, principal(c).Caller(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(ctxTxID, id)
	c.JSON(http.StatusOK, tx)
}
