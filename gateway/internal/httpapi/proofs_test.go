package httpapi

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/proofbundle"
	"github.com/stretchr/testify/require"
)

// blockLedger is a fake ledger that also serves the devnet blocks of
// internal/ledgerverify/testdata (blocks 0-7; block 4: a business registration).
type blockLedger struct {
	*fakeLedger
	blocks  [][]byte
	callers []ledger.Caller
}

const devnetRegistration = "11f773307d9f28f5b88e25db6b7ff612135d0072a324e393e7c5268e26df494a"

func (b *blockLedger) BlockByNumber(_ context.Context, c ledger.Caller, n uint64) ([]byte, error) {
	b.callers = append(b.callers, c)
	if n >= uint64(len(b.blocks)) {
		return nil, &ledger.Error{Kind: ledger.KindNotFound, Message: "no such block"}
	}
	return b.blocks[n], nil
}

func (b *blockLedger) BlockByTxID(_ context.Context, c ledger.Caller, id string) ([]byte, error) {
	b.callers = append(b.callers, c)
	if id == devnetRegistration {
		return b.blocks[4], nil
	}
	return nil, &ledger.Error{Kind: ledger.KindNotFound, Message: "no such transaction"}
}

func TestTransactionProof(t *testing.T) {
	paths, err := filepath.Glob("../../../internal/ledgerverify/testdata/devnet/*.block")
	require.NoError(t, err)
	require.Len(t, paths, 8)
	bl := &blockLedger{fakeLedger: &fakeLedger{}}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		require.NoError(t, err)
		bl.blocks = append(bl.blocks, raw)
	}
	h := newHarness(t, bl.fakeLedger, func(c *Config) { c.Ledger = bl })

	// Any member org's identity may export it; here a tax clerk and the auditor.
	for _, key := range []string{keyIssuer, keyAuditor} {
		w := h.do(request{method: "GET", path: "/api/v1/proofs/transactions/" + devnetRegistration, key: key})
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		require.Equal(t, "application/json", w.Header().Get("Content-Type"))
		require.Equal(t, `attachment; filename="proof-`+devnetRegistration+`.json"`, w.Header().Get("Content-Disposition"))
		res, err := proofbundle.Verify(w.Body.Bytes(), proofbundle.VerifyOptions{})
		require.NoError(t, err)
		require.True(t, res.Valid)
	}
	require.Equal(t, ledger.Caller{Org: "tax", Role: "invoice-issuer"}, bl.callers[0], "blocks are read with the caller's identity")

	w := h.do(request{method: "GET", path: "/api/v1/proofs/transactions/" + strings.Repeat("0", 64), key: keyAuditor})
	require.Equal(t, http.StatusNotFound, w.Code)
	require.Equal(t, "NOT_FOUND", errorOf(t, w).Code)
	w = h.do(request{method: "GET", path: "/api/v1/proofs/transactions/not-a-tx", key: keyAuditor})
	require.Equal(t, http.StatusBadRequest, w.Code)
	require.Equal(t, "INVALID", errorOf(t, w).Code)
	w = h.do(request{method: "GET", path: "/api/v1/proofs/transactions/" + devnetRegistration})
	require.Equal(t, http.StatusUnauthorized, w.Code)

	// A transaction that cannot be proven (its block holds it, but it read no definition).
	bl.blocks[4] = bl.blocks[1] // the lookup now answers a block without the transaction
	w = h.do(request{method: "GET", path: "/api/v1/proofs/transactions/" + devnetRegistration, key: keyAuditor})
	require.Equal(t, http.StatusUnprocessableEntity, w.Code, w.Body.String())
}
