package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/idempotency"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/gateway/internal/metrics"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// fakeLedger is a ledger.Ledger made of function fields; nil fields give the happy path.
type fakeLedger struct {
	mu          sync.Mutex
	calls       []ledger.Call
	evaluate    func(call ledger.Call) ([]byte, error)
	submit      func(call ledger.Call, hooks []ledger.PreparedHook) (*ledger.Committed, error)
	submitAsync func(call ledger.Call, hooks []ledger.PreparedHook) (string, error)
	transaction func(caller ledger.Caller, txID string) (*ledger.Transaction, error)
	events      func(ctx context.Context, caller ledger.Caller, start *uint64) (<-chan ledger.Event, error)
	ready       func() []ledger.PeerStatus
	txCounter   int
}

func (f *fakeLedger) record(call ledger.Call) {
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.mu.Unlock()
}

func (f *fakeLedger) Calls() []ledger.Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ledger.Call(nil), f.calls...)
}

func (f *fakeLedger) nextTx() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.txCounter++
	return fmt.Sprintf("%064d", f.txCounter)
}

func (f *fakeLedger) Evaluate(_ context.Context, call ledger.Call) ([]byte, error) {
	f.record(call)
	if f.evaluate != nil {
		return f.evaluate(call)
	}
	return []byte(`{"ok":true}`), nil
}

func (f *fakeLedger) Submit(_ context.Context, call ledger.Call, hooks ...ledger.PreparedHook) (*ledger.Committed, error) {
	f.record(call)
	if f.submit != nil {
		return f.submit(call, hooks)
	}
	tx := f.nextTx()
	for _, h := range hooks {
		if err := h(tx); err != nil {
			return nil, err
		}
	}
	return &ledger.Committed{TransactionID: tx, BlockNumber: 7, Result: []byte(`{"function":"` + call.Function + `"}`)}, nil
}

func (f *fakeLedger) SubmitAsync(_ context.Context, call ledger.Call, hooks ...ledger.PreparedHook) (string, error) {
	f.record(call)
	if f.submitAsync != nil {
		return f.submitAsync(call, hooks)
	}
	tx := f.nextTx()
	for _, h := range hooks {
		if err := h(tx); err != nil {
			return "", err
		}
	}
	return tx, nil
}

func (f *fakeLedger) Transaction(_ context.Context, caller ledger.Caller, txID string) (*ledger.Transaction, error) {
	if f.transaction != nil {
		return f.transaction(caller, txID)
	}
	return nil, &ledger.Error{Kind: ledger.KindNotFound, Message: "no such transaction"}
}

func (f *fakeLedger) Events(ctx context.Context, caller ledger.Caller, start *uint64) (<-chan ledger.Event, error) {
	if f.events != nil {
		return f.events(ctx, caller, start)
	}
	ch := make(chan ledger.Event)
	go func() { <-ctx.Done(); close(ch) }()
	return ch, nil
}

func (f *fakeLedger) Ready(context.Context) []ledger.PeerStatus {
	if f.ready != nil {
		return f.ready()
	}
	return []ledger.PeerStatus{{Name: "peer0.market", MSPID: "MarketMSP", Ready: true}}
}

// API keys of the test principals.
const (
	keyRegistrar = "key-registrar"
	keyIssuer    = "key-issuer"
	keyFinance   = "key-finance"
	keyDepositor = "key-depositor"
	keyNotary    = "key-notary"
	keyAuditor   = "key-auditor"
	keyAdmin     = "key-admin"
)

func hashKey(k string) string {
	s := sha256.Sum256([]byte(k))
	return hex.EncodeToString(s[:])
}

func testKeys() map[string]Principal {
	out := map[string]Principal{}
	for k, p := range map[string]Principal{
		keyRegistrar: {Org: "market", Role: "registrar", MSPID: "MarketMSP"},
		keyIssuer:    {Org: "tax", Role: "invoice-issuer", MSPID: "TaxMSP"},
		keyFinance:   {Org: "market", Role: "finance", MSPID: "MarketMSP"},
		keyDepositor: {Org: "notary", Role: "depositor", MSPID: "NotaryMSP"},
		keyNotary:    {Org: "notary", Role: "notary", MSPID: "NotaryMSP"},
		keyAuditor:   {Org: "audit", Role: "auditor", MSPID: "AuditMSP"},
		keyAdmin:     {Org: "market", Role: "admin", MSPID: "MarketMSP"},
	} {
		p.KeyHash = hashKey(k)
		out[p.KeyHash] = p
	}
	return out
}

// harness is a server over a fake ledger and a real bbolt idempotency store.
type harness struct {
	t      *testing.T
	ledger *fakeLedger
	srv    *Server
	db     *bolt.DB
	idem   *idempotency.Store
	path   string
	logs   *bytes.Buffer
	cfg    Config
}

func newHarness(t *testing.T, fl *fakeLedger, edit ...func(*Config)) *harness {
	t.Helper()
	if fl == nil {
		fl = &fakeLedger{}
	}
	h := &harness{t: t, ledger: fl, path: filepath.Join(t.TempDir(), "gw.db"), logs: &bytes.Buffer{}}
	h.open()
	h.cfg = Config{
		Ledger: fl, Idempotency: h.idem, Keys: testKeys(), Metrics: metrics.New(),
		Logger:       slog.New(slog.NewJSONHandler(&lockedWriter{w: h.logs}, nil)),
		MaxJSONBytes: 4096, MaxUploadBytes: 64 << 10, RequestTimeout: 5 * time.Second, KeepAlive: 50 * time.Millisecond,
		VerifyCaller: &ledger.Caller{Org: "market", Role: "registrar"},
	}
	for _, e := range edit {
		e(&h.cfg)
	}
	h.srv = New(h.cfg)
	t.Cleanup(func() { h.db.Close() })
	return h
}

func (h *harness) open() {
	db, err := bolt.Open(h.path, 0o600, nil)
	require.NoError(h.t, err)
	idem, err := idempotency.New(db, time.Hour)
	require.NoError(h.t, err)
	h.db, h.idem = db, idem
}

// restart reopens the store and builds a new server, as after a gateway restart.
func (h *harness) restart() {
	require.NoError(h.t, h.db.Close())
	h.open()
	h.cfg.Idempotency = h.idem
	h.srv = New(h.cfg)
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// request is one test request.
type request struct {
	method, path, key string
	body              string
	contentType       string
	header            map[string]string
	remoteAddr        string // the TCP peer (default httptest's 192.0.2.1:1234)
}

func (h *harness) do(r request) *httptest.ResponseRecorder {
	h.t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req := httptest.NewRequest(r.method, r.path, body)
	if r.key != "" {
		req.Header.Set("X-API-Key", r.key)
	}
	if r.body != "" {
		ct := r.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	if r.remoteAddr != "" {
		req.RemoteAddr = r.remoteAddr
	}
	w := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(w, req)
	return w
}

// errorOf decodes an error answer.
func errorOf(t *testing.T, w *httptest.ResponseRecorder) errorPayload {
	t.Helper()
	var b errorBody
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &b), w.Body.String())
	return b.Error
}

func jsonOf(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m), w.Body.String())
	return m
}

// Sample valid requests.
const (
	uscc          = "91430111MA4L41YT1U"
	invoiceNumber = "24442000000000000001"
	evidenceID    = "0123456789abcdef0123456789abcdef"
	txID          = "1111111111111111111111111111111111111111111111111111111111111111"
	sha           = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

	registerBody = `{"uscc":"91430111MA4L41YT1U","name":"长沙示例科技有限公司","entity_type":"有限责任公司","legal_representative":"张三",
"registered_capital_fen":100000000,"address":"长沙市雨花区示例路1号","business_scope":"软件开发","established_on":"2016-05-20",
"registration_authority":"长沙市雨花区市场监督管理局"}`
	amendBody   = `{"changes":{"name":"长沙新名科技有限公司"},"reason":"股东会决议"}`
	issueBody   = `{"number":"24442000000000000001","seller_uscc":"91430111MA4L41YT1U","buyer_name":"厦门示例有限公司","issued_on":"2026-03-01","items":[{"description":"服务费","quantity":2,"unit_price_fen":50000,"tax_rate_bp":600}],"total_amount_fen":100000,"total_tax_fen":6000,"total_fen":106000}`
	reverseBody = `{"number":"24442000000000000002","reason":"退货","issued_on":"2026-03-02","items":[{"description":"服务费","quantity":1,"unit_price_fen":50000,"tax_rate_bp":600}],"total_amount_fen":50000,"total_tax_fen":3000,"total_fen":53000}`
	depositBody = `{"hash":"9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08","hash_algorithm":"SHA256","file_name":"合同.pdf","media_type":"application/pdf","size_bytes":1024,"category":"contract","description":"采购合同"}`
)
