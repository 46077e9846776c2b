package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/domain"
	"github.com/govchain/govchain/internal/proofbundle"
)

// proofSource reads the blocks of a proof with the caller's identity.
type proofSource struct {
	blocks ledger.Blocks
	caller ledger.Caller
}

func (p proofSource) BlockByNumber(ctx context.Context, n uint64) ([]byte, error) {
	return p.blocks.BlockByNumber(ctx, p.caller, n)
}

func (p proofSource) BlockByTxID(ctx context.Context, txID string) ([]byte, error) {
	return p.blocks.BlockByTxID(ctx, p.caller, txID)
}

// GET /proofs/transactions/{tx_id}: the proof bundle of a committed transaction
// (docs/proof-bundle.md), as a JSON attachment. Any member org's identity may export one:
// the ledger is shared and holds no personal data (private data only as hashes). An
// invalid transaction is exported too; the bundle says its validation code.
func (s *Server) getTransactionProof(c *gin.Context) {
	id, err := txIDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	blocks, ok := s.cfg.Ledger.(ledger.Blocks)
	if !ok {
		s.fail(c, errors.New("the ledger cannot read blocks"))
		return
	}
	ctx, cancel := s.readContext(c)
	defer cancel()
	raw, _, err := s.proofs.Build(ctx, proofSource{blocks: blocks, caller: principal(c).Caller()}, id)
	var f *proofbundle.Failure
	switch {
	case errors.As(err, &f):
		s.fail(c, domain.Errorf(domain.CodeUnprocessable, "transaction %s cannot be proven: %s", id, f.Error()))
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	c.Set(ctxTxID, id)
	c.Header("Content-Disposition", `attachment; filename="proof-`+id+`.json"`)
	c.Data(http.StatusOK, "application/json", raw)
}
