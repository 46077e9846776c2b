package contracts_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/govchain/govchain/chaincode/contracts"
	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// harness runs transactions through the real contractapi router (Invoke), so argument
// conversion, the before-transaction hook and the returned payload are all exercised.
type harness struct {
	t      testing.TB
	cc     *contractapi.ContractChaincode
	ledger *ledger
	seq    int
	// skew moves the timestamps of the next transactions (fake dates for overdue checks).
	skew time.Duration
	docs int // documents deposited by papers
}

// start is the timestamp of the first transaction; each next one is a minute later.
var start = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func newHarness(t testing.TB) *harness {
	t.Helper()
	cc, err := contracts.NewChaincode()
	require.NoError(t, err)
	return &harness{t: t, cc: cc, ledger: newLedger()}
}

// result is what the peer would get back from the chaincode.
type result struct {
	status  int32
	payload string
	message string
	stub    *fakeStub
}

// call submits fn ("contract:Function") with args as id; successful transactions commit.
func (h *harness) call(id identity, fn string, args ...string) result {
	h.t.Helper()
	return h.callT(id, nil, fn, args...)
}

// callT is call with transient data.
func (h *harness) callT(id identity, transient map[string][]byte, fn string, args ...string) result {
	h.t.Helper()
	return h.invoke(id, transient, true, fn, args...)
}

// invoke runs one transaction; a successful one commits when commit is set.
func (h *harness) invoke(id identity, transient map[string][]byte, commit bool, fn string, args ...string) result {
	h.t.Helper()
	h.seq++
	stub := &fakeStub{
		ledger:    h.ledger,
		txID:      txIDFor(h.seq),
		ts:        timestamppb.New(start.Add(time.Duration(h.seq-1)*time.Minute + h.skew)),
		creator:   id.creator(h.t),
		args:      append([]string{fn}, args...),
		transient: transient,
	}
	resp := h.cc.Invoke(stub)
	if resp.Status == shim.OK && commit {
		stub.commit()
	}
	return result{status: resp.Status, payload: string(resp.Payload), message: resp.Message, stub: stub}
}

// txIDFor is the transaction id of the n-th transaction: 64 hex digits of a SHA-256, like
// Fabric's.
func txIDFor(n int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("tx%d", n)))
	return hex.EncodeToString(sum[:])
}

// at returns the timestamp of the n-th transaction (1-based) as recorded on the ledger.
func at(n int) string { return start.Add(time.Duration(n-1) * time.Minute).Format(time.RFC3339) }

// ok requires success and returns the payload.
func (r result) ok(t testing.TB) string {
	t.Helper()
	require.Equal(t, int32(shim.OK), r.status, "expected success, got %q", r.message)
	return r.payload
}

// fails requires a failure with code whose message contains every fragment, and that the
// failed transaction asked for no writes, policies or events.
func (r result) fails(t testing.TB, code domain.Code, fragments ...string) {
	t.Helper()
	require.NotEqual(t, int32(shim.OK), r.status, "expected %s, got success: %s", code, r.payload)
	e, ok := domain.ParseError(r.message)
	require.True(t, ok, "error without a code: %q", r.message)
	require.Equal(t, code, e.Code, r.message)
	require.Equal(t, string(code)+": "+e.Message, r.message, "the code must be the prefix")
	for _, f := range fragments {
		require.Contains(t, r.message, f)
	}
	require.Empty(t, r.stub.writes, "a refused transaction must not write")
	require.Empty(t, r.stub.pwrites, "a refused transaction must not write private data")
	require.Nil(t, r.stub.event, "a refused transaction must not emit an event")
}

// decode unmarshals a payload into v, failing the test on error.
func decode[T any](t testing.TB, payload string) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal([]byte(payload), &v), payload)
	return v
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// usccFor returns a valid USCC (correct check character) numbered n.
func usccFor(t testing.TB, n int) string {
	t.Helper()
	body := fmt.Sprintf("91350200MA%07d", n)
	c, err := domain.USCCCheckChar(body)
	require.NoError(t, err)
	return body + string(c)
}

func registration(uscc, name string) domain.RegisterBusinessRequest {
	return domain.RegisterBusinessRequest{
		USCC: uscc, Name: name, EntityType: "有限责任公司", LegalRepresentative: "张三",
		RegisteredCapitalFen: 100000000, Address: "厦门市思明区示例路1号", BusinessScope: "软件开发",
		EstablishedOn: "2020-01-02", RegistrationAuthority: "厦门市市场监督管理局",
	}
}

// register registers a business as the registrar and returns it.
func (h *harness) register(uscc, name string) domain.Business {
	h.t.Helper()
	return decode[domain.Business](h.t, h.call(registrar, "business:Register", mustJSON(h.t, registration(uscc, name))).ok(h.t))
}

// invoiceNumber returns a 20-digit invoice number numbered n.
func invoiceNumber(n int) string { return fmt.Sprintf("2635020000%010d", n) }

// issueRequest is a valid two-line blue invoice of seller: 106376 fen in total.
func issueRequest(number, seller string) domain.IssueInvoiceRequest {
	return domain.IssueInvoiceRequest{
		Number: number, SellerUSCC: seller, BuyerName: "厦门示例有限公司", IssuedOn: "2026-11-27",
		Items: []domain.InvoiceItemRequest{
			{Description: "服务费", Quantity: 2, UnitPriceFen: 50000, TaxRateBP: 600},
			{Description: "材料", Quantity: 1, UnitPriceFen: 333, TaxRateBP: 1300},
		},
		TotalAmountFen: 100333, TotalTaxFen: 6043, TotalFen: 106376,
	}
}

func (h *harness) issue(number, seller string) domain.Invoice {
	h.t.Helper()
	return decode[domain.Invoice](h.t, h.call(taxIssuer, "invoice:Issue", mustJSON(h.t, issueRequest(number, seller))).ok(h.t))
}

// reverseRequest reverses `amount` fen of the 6% service line (plus its tax).
func reverseRequest(number string, amount int64) domain.ReverseInvoiceRequest {
	tax, _ := domain.LineTax(amount, 600)
	return domain.ReverseInvoiceRequest{
		Number: number, Reason: "退货", IssuedOn: "2026-11-28",
		Items:          []domain.InvoiceItemRequest{{Description: "服务费", Quantity: 1, UnitPriceFen: amount, TaxRateBP: 600}},
		TotalAmountFen: amount, TotalTaxFen: tax, TotalFen: amount + tax,
	}
}

func hashOf(c byte) string {
	b := make([]byte, 64)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

func depositRequest(hash string) domain.DepositRequest {
	return domain.DepositRequest{
		Hash: hash, HashAlgorithm: "sha256", FileName: "lease.pdf", MediaType: "application/pdf",
		SizeBytes: 2048, Category: "contract", Description: "signed lease",
	}
}

func (h *harness) deposit(id identity, hash string) domain.Evidence {
	h.t.Helper()
	return decode[domain.Evidence](h.t, h.call(id, "evidence:Deposit", mustJSON(h.t, depositRequest(hash))).ok(h.t))
}
