package main

import (
	"context"
	"errors"
	"github.com/govchain/govchain/internal/gatewayconfig"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestClassifyHTTP(t *testing.T) {
	cases := []struct {
		status int
		code   string
		want   string
	}{
		{201, "", ""},
		{200, "", ""},
		{409, "MVCC_READ_CONFLICT", failMVCC},
		{409, "PHANTOM_READ_CONFLICT", failMVCC},
		{409, "CONFLICT", failRejected},
		{422, "UNPROCESSABLE", failRejected},
		{401, "UNAUTHENTICATED", failRejected},
		{502, "ENDORSEMENT_FAILED", failEndorsement},
		{502, "SUBMIT_FAILED", failSubmit},
		{502, "ENDORSEMENT_POLICY_FAILURE", failInvalid},
		{503, "UNAVAILABLE", failUnavailable},
		{504, "TIMEOUT", failTimeout},
		{500, "INTERNAL", failOther},
	}
	for _, c := range cases {
		require.Equal(t, c.want, classifyHTTP(c.status, c.code, "m").Fail, "%d %s", c.status, c.code)
	}
}

func TestClassifyDirect(t *testing.T) {
	ctx := context.Background()
	require.Equal(t, "", classifyDirect(ctx, nil).Fail)
	require.Equal(t, failMVCC, classifyDirect(ctx, &client.CommitError{Code: peer.TxValidationCode_MVCC_READ_CONFLICT}).Fail)
	require.Equal(t, failInvalid, classifyDirect(ctx, &client.CommitError{Code: peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE}).Fail)
	require.Equal(t, failTimeout, classifyDirect(ctx, status.Error(codes.DeadlineExceeded, "slow")).Fail)
	require.Equal(t, failRejected, classifyDirect(ctx, status.Error(codes.Unknown, "evaluate call to endorser returned error: chaincode response 500, NOT_FOUND: business x")).Fail)
	require.Equal(t, failUnavailable, classifyDirect(ctx, status.Error(codes.Unavailable, "connection refused")).Fail)
	require.Equal(t, failOther, classifyDirect(ctx, errors.New("boom")).Fail)
	done, cancel := context.WithCancel(ctx)
	cancel()
	require.Equal(t, failTimeout, classifyDirect(done, status.Error(codes.Canceled, "x")).Fail)
}

func TestHTTPPath(t *testing.T) {
	var gotKey, gotType, gotBody, gotPath string
	answer := func(w http.ResponseWriter, status int, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotKey, gotType, gotPath = r.Header.Get("X-API-Key"), r.Header.Get("Content-Type"), r.URL.Path
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		switch string(b) {
		case `{"mvcc":true}`:
			answer(w, 409, `{"error":{"code":"MVCC_READ_CONFLICT","message":"changed","transaction_id":"t"}}`)
		case `{"endorse":true}`:
			answer(w, 502, `{"error":{"code":"ENDORSEMENT_FAILED","message":"no peers"}}`)
		case `{"accepted":true}`:
			answer(w, 202, `{"transaction_id":"t","status":"PENDING"}`)
		default:
			answer(w, 201, `{"uscc":"x","transaction_id":"t","block_number":7}`)
		}
	}))
	defer srv.Close()
	keys := map[string]string{gatewayconfig.KeyVar("market", "registrar"): "gck_m", gatewayconfig.KeyVar("audit", "auditor"): "gck_a"}
	h, err := newHTTPPath(srv.URL, keys, 4, true)
	require.NoError(t, err)
	defer h.Close()
	ctx := context.Background()

	op := Op{Kind: opRegister, Write: true, Org: "market", Role: "registrar", Method: "POST", Path: "/businesses", Body: []byte(`{"uscc":"x"}`)}
	require.Equal(t, ok, h.Do(ctx, &op))
	require.Equal(t, "gck_m", gotKey)
	require.Equal(t, "application/json", gotType)
	require.Equal(t, "/api/v1/businesses", gotPath)
	require.Equal(t, `{"uscc":"x"}`, gotBody)

	op.Body = []byte(`{"mvcc":true}`)
	require.Equal(t, failMVCC, h.Do(ctx, &op).Fail)
	op.Body = []byte(`{"endorse":true}`)
	out := h.Do(ctx, &op)
	require.Equal(t, failEndorsement, out.Fail)
	require.Contains(t, out.Detail, "no peers")
	op.Body = []byte(`{"accepted":true}`)
	require.Equal(t, failOther, h.Do(ctx, &op).Fail, "a write counts only when committed (201)")

	read := Op{Kind: opRead, Org: "audit", Role: "auditor", Method: "GET", Path: "/invoices/1"}
	require.Equal(t, ok, h.Do(ctx, &read))
	require.Equal(t, "gck_a", gotKey)

	read.Org = "tax"
	require.Equal(t, failOther, h.Do(ctx, &read).Fail, "missing API key")
	require.Error(t, h.check(), "keys for every op kind are required")
}
