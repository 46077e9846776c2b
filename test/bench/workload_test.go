package main

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/govchain/govchain/internal/domain"
	"github.com/stretchr/testify/require"
)

func TestGeneratorMakesValidUniqueKeys(t *testing.T) {
	g := NewGenerator(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), 3, nil)
	usccs, numbers, hashes := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i := 0; i < 20000; i++ {
		u := g.USCC()
		require.NoError(t, domain.ValidateUSCC(u), u)
		require.True(t, strings.HasPrefix(u, "91350200"), u)
		require.False(t, usccs[u], "duplicate USCC %s", u)
		usccs[u] = true

		n := g.InvoiceNumber()
		require.NoError(t, domain.ValidateInvoiceNumber("number", n), n)
		require.False(t, numbers[n], "duplicate invoice number %s", n)
		numbers[n] = true

		h := g.Hash()
		require.Len(t, h, 64)
		require.Equal(t, strings.ToLower(h), h)
		_, err := hex.DecodeString(h)
		require.NoError(t, err)
		require.False(t, hashes[h])
		hashes[h] = true
	}
}

func TestGeneratorKeysDifferAcrossRuns(t *testing.T) {
	a := NewGenerator(time.Unix(1_795_000_000, 0), 1, nil)
	b := NewGenerator(time.Unix(1_795_000_001, 0), 1, nil)
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		seen[a.USCC()] = true
	}
	for i := 0; i < 1000; i++ {
		require.False(t, seen[b.USCC()])
	}
	require.NotEqual(t, a.InvoiceNumber(), b.InvoiceNumber())
}

func TestGeneratorRequestsAreValid(t *testing.T) {
	g := NewGenerator(time.Now(), 5, nil)
	for i := 0; i < 500; i++ {
		reg := g.RegisterRequest()
		require.NoError(t, reg.Validate())

		inv := g.InvoiceRequest(reg.USCC)
		require.NoError(t, inv.Validate(), "stated totals must be the computed ones")
		require.LessOrEqual(t, len(inv.Items), 5)
		_, totals, err := domain.ComputeInvoice(inv.Items)
		require.NoError(t, err)
		require.Equal(t, totals.TotalFen, inv.TotalFen)
		require.Equal(t, inv.TotalAmountFen+inv.TotalTaxFen, inv.TotalFen)

		dep := g.DepositRequest()
		require.NoError(t, dep.Normalize())
	}
}

func TestOpsCarryTheSameRequestOnBothPaths(t *testing.T) {
	g := NewGenerator(time.Now(), 2, nil)
	g.sellers = []string{g.USCC()}
	g.readBiz = g.sellers
	g.readInv = []string{g.InvoiceNumber()}

	op := g.Op(wlInvoice)
	require.True(t, op.Write)
	require.Equal(t, [2]string{op.Org, op.Role}, [2]string{"tax", "invoice-issuer"})
	require.Equal(t, "invoice", op.Contract)
	require.Equal(t, "Issue", op.Function)
	require.Equal(t, "/invoices", op.Path)
	require.Equal(t, string(op.Body), op.Args[0])
	var req domain.IssueInvoiceRequest
	require.NoError(t, json.Unmarshal(op.Body, &req))
	require.Equal(t, g.sellers[0], req.SellerUSCC)

	op = g.Op(wlRegister)
	require.Equal(t, "/businesses", op.Path)
	require.Equal(t, "market", op.Org)
	op = g.Op(wlEvidence)
	require.Equal(t, "/evidence", op.Path)
	require.Equal(t, "depositor", op.Role)

	for i := 0; i < 50; i++ {
		op = g.Op(wlRead)
		require.False(t, op.Write)
		require.Equal(t, "GET", op.Method)
		require.Equal(t, "audit", op.Org)
		require.Equal(t, "Get", op.Function)
		require.True(t, op.Path == "/businesses/"+op.Args[0] || op.Path == "/invoices/"+op.Args[0], op.Path)
	}
}

func TestMixedWorkloadFollowsTheWeights(t *testing.T) {
	g := NewGenerator(time.Now(), 1, map[string]int{"register": 1, "read": 3})
	g.sellers, g.readBiz = []string{g.USCC()}, []string{g.USCC()}
	n := map[string]int{}
	for i := 0; i < 4000; i++ {
		n[g.Op(wlMixed).Kind]++
	}
	require.Zero(t, n[opInvoice]+n[opEvidence])
	require.InDelta(t, 1000, n[opRegister], 150)
	require.InDelta(t, 3000, n[opRead], 150)

	sellers, reads := g.needs(wlMixed)
	require.True(t, sellers)
	require.True(t, reads)
	sellers, reads = g.needs(wlEvidence)
	require.False(t, sellers || reads)
}
