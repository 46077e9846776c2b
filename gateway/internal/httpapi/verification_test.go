package httpapi

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/verification"
	"github.com/govchain/govchain/internal/ledgerverify"
	"github.com/stretchr/testify/require"
)

type fakeVerification struct {
	report verification.Report
	runs   atomic.Int32
	delay  time.Duration
}

func (f *fakeVerification) Report() verification.Report { return f.report }

func (f *fakeVerification) Run(ctx context.Context) (verification.Report, error) {
	f.runs.Add(1)
	select {
	case <-time.After(f.delay):
	case <-ctx.Done():
		return f.report, ctx.Err()
	}
	return f.report, nil
}

func TestVerificationRoutes(t *testing.T) {
	now := time.Now().UTC()
	fv := &fakeVerification{report: verification.Report{Status: verification.StatusFault, VerifiedHeight: 7, LedgerHeight: 9, CheckedAt: &now,
		Fault: &ledgerverify.Fault{Block: 7, TxIndex: 0, Endorsement: -1, Kind: ledgerverify.FaultCreatorSignature, Detail: "signature does not verify"}}}
	h := newHarness(t, nil, func(c *Config) { c.Verification = fv })
	cases := []struct {
		name, method, key string
		status            int
		code              string
	}{
		{"any member org reads the report", "GET", keyRegistrar, 200, ""},
		{"the auditor reads the report", "GET", keyAuditor, 200, ""},
		{"no key", "GET", "", 401, "UNAUTHENTICATED"},
		{"the auditor runs it", "POST", keyAuditor, 200, ""},
		{"an agency may not start a run", "POST", keyRegistrar, 403, "FORBIDDEN"},
		{"an agency admin may not either", "POST", keyAdmin, 403, "FORBIDDEN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := fv.runs.Load()
			w := h.do(request{method: c.method, path: "/api/v1/ledger/verification", key: c.key})
			require.Equal(t, c.status, w.Code, w.Body.String())
			if c.code != "" {
				require.Equal(t, c.code, errorOf(t, w).Code)
				require.Equal(t, before, fv.runs.Load(), "a refused call must not start a run")
				return
			}
			m := jsonOf(t, w)
			require.Equal(t, "FAULT", m["status"])
			require.Equal(t, "creator-signature", m["fault"].(map[string]any)["kind"])
			require.EqualValues(t, 7, m["verified_height"])
		})
	}
}

func TestVerificationLongRunAnswers202(t *testing.T) {
	fv := &fakeVerification{report: verification.Report{Status: verification.StatusPending}, delay: time.Second}
	h := newHarness(t, nil, func(c *Config) { c.Verification = fv; c.RequestTimeout = 50 * time.Millisecond })
	w := h.do(request{method: "POST", path: "/api/v1/ledger/verification", key: keyAuditor})
	require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
	require.Equal(t, "PENDING", jsonOf(t, w)["status"])
}

func TestVerificationNotConfigured(t *testing.T) {
	h := newHarness(t, nil)
	for _, m := range []string{"GET", "POST"} {
		w := h.do(request{method: m, path: "/api/v1/ledger/verification", key: keyAuditor})
		require.Equal(t, http.StatusServiceUnavailable, w.Code, w.Body.String())
		require.Equal(t, "UNAVAILABLE", errorOf(t, w).Code)
	}
}
