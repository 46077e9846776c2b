package main

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/govchain/govchain/internal/domain"
	"github.com/govchain/govchain/test/internal/loadkit"
)

// Op kinds (the mixed workload draws from these).
const (
	opRegister = wlRegister
	opInvoice  = wlInvoice
	opEvidence = wlEvidence
	opRead     = wlRead
)

// Op is one transaction, in both forms: a chaincode call for the direct path and an HTTP
// request for the gateway path. Both carry exactly the same request JSON.
type Op struct {
	Kind      string // register|invoice|evidence|read
	Write     bool
	Org, Role string // the identity (direct) and API key (HTTP) it is sent as

	Contract, Function string
	Args               []string

	Method, Path string // HTTP, Path relative to /api/v1
	Body         []byte // HTTP JSON body (nil for GET)
}

// identityFor is the org/role each op kind runs as, on both paths: the identity the HTTP
// gateway uses for the API key of that org and role.
var identityFor = map[string][2]string{
	opRegister: {"market", domain.RoleRegistrar},
	opInvoice:  {"tax", domain.RoleInvoiceIssuer},
	opEvidence: {"notary", domain.RoleDepositor},
	opRead:     {"audit", domain.RoleAuditor},
	opPersonal: {"tax", domain.RoleFinance},
	opVerify:   {"notary", domain.RoleNotary},
}

// Generator makes unique, valid requests. It is safe for concurrent use.
type Generator struct {
	*loadkit.Unique
	issuedOn string
	lines    int

	sellers  []string         // ACTIVE businesses invoices are issued for
	readBiz  []string         // businesses reads look up
	readInv  []string         // invoices reads look up
	personal []personalRecord // businesses with personal data granted to the tax bureau
	mix      []mixEntry
	mixTotal int
}

type mixEntry struct {
	kind   string
	weight int
}

// NewGenerator returns a generator whose keys cannot collide with an earlier run's (they
// embed the start time in seconds) for up to ~900,000 registrations per run.
func NewGenerator(now time.Time, lines int, mix map[string]int) *Generator {
	g := &Generator{Unique: loadkit.NewUnique(now), issuedOn: now.UTC().Format(domain.DateLayout), lines: max(lines, 1)}
	for _, k := range []string{opRegister, opInvoice, opEvidence, opRead} {
		if w := mix[k]; w > 0 {
			g.mix = append(g.mix, mixEntry{k, w})
			g.mixTotal += w
		}
	}
	return g
}

var (
	goods      = []string{"office chairs", "printer paper", "laptop repair", "consulting hours", "freight Xiamen to Fuzhou", "cleaning services"}
	buyers     = []string{"City Library", "Siming District Hospital", "Xiamen No. 1 Middle School", "Harbour Authority"}
	categories = []string{"contract", "invoice scan", "court filing", "photo"}
	mediaTypes = []string{"application/pdf", "image/jpeg", "image/png"}
	fileSuffix = map[string]string{"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
)

func pick[T any](s []T) T { return loadkit.Pick(s) }

// InvoiceRequest returns a valid invoice of seller whose stated totals are the ones
// internal/domain computes.
func (g *Generator) InvoiceRequest(seller string) domain.IssueInvoiceRequest {
	rates := domain.AllowedTaxRatesBP()
	n := 1 + rand.IntN(g.lines)
	items := make([]domain.InvoiceItemRequest, n)
	for i := range items {
		items[i] = domain.InvoiceItemRequest{
			Description:  pick(goods),
			Quantity:     int64(1 + rand.IntN(50)),
			UnitPriceFen: int64(100 + rand.IntN(100_000)),
			TaxRateBP:    rates[rand.IntN(len(rates))],
		}
	}
	_, t, err := domain.ComputeInvoice(items)
	if err != nil {
		panic(err) // small positive numbers and allowed rates: cannot happen
	}
	return domain.IssueInvoiceRequest{
		Number:         g.InvoiceNumber(),
		SellerUSCC:     seller,
		BuyerName:      pick(buyers),
		IssuedOn:       g.issuedOn,
		Items:          items,
		TotalAmountFen: t.AmountFen,
		TotalTaxFen:    t.TaxFen,
		TotalFen:       t.TotalFen,
	}
}

// DepositRequest returns a valid deposit of a new digest.
func (g *Generator) DepositRequest() domain.DepositRequest {
	mt := pick(mediaTypes)
	h := g.Hash()
	return domain.DepositRequest{
		Hash:          h,
		HashAlgorithm: "sha256",
		FileName:      "bench-" + h[:12] + fileSuffix[mt],
		MediaType:     mt,
		SizeBytes:     int64(1 + rand.IntN(10<<20)),
		Category:      pick(categories),
		Description:   "benchmark deposit",
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func writeOp(kind, contract, function string, body []byte, path string) Op {
	id := identityFor[kind]
	return Op{Kind: kind, Write: true, Org: id[0], Role: id[1], Contract: contract, Function: function,
		Args: []string{string(body)}, Method: http.MethodPost, Path: path, Body: body}
}

func registerOp(r domain.RegisterBusinessRequest) Op {
	return writeOp(opRegister, domain.ContractBusiness, "Register", mustJSON(r), "/businesses")
}

func invoiceOp(r domain.IssueInvoiceRequest) Op {
	return writeOp(opInvoice, domain.ContractInvoice, "Issue", mustJSON(r), "/invoices")
}

// RegisterOp registers a new business.
func (g *Generator) RegisterOp() Op { return registerOp(g.RegisterRequest()) }

// InvoiceOp issues an invoice for one of the sellers.
func (g *Generator) InvoiceOp() Op { return invoiceOp(g.InvoiceRequest(pick(g.sellers))) }

// EvidenceOp deposits a new digest.
func (g *Generator) EvidenceOp() Op {
	return writeOp(opEvidence, domain.ContractEvidence, "Deposit", mustJSON(g.DepositRequest()), "/evidence")
}

// ReadOp reads a business or an invoice from the read set (alternating at random).
func (g *Generator) ReadOp() Op {
	id := identityFor[opRead]
	op := Op{Kind: opRead, Org: id[0], Role: id[1], Method: http.MethodGet}
	if len(g.readInv) == 0 || len(g.readBiz) > 0 && rand.IntN(2) == 0 {
		u := pick(g.readBiz)
		op.Contract, op.Function, op.Args, op.Path = domain.ContractBusiness, "Get", []string{u}, "/businesses/"+url.PathEscape(u)
		return op
	}
	n := pick(g.readInv)
	op.Contract, op.Function, op.Args, op.Path = domain.ContractInvoice, "Get", []string{n}, "/invoices/"+url.PathEscape(n)
	return op
}

// Op returns the next op of a workload.
func (g *Generator) Op(workload string) Op {
	switch workload {
	case wlRegister:
		return g.RegisterOp()
	case wlInvoice:
		return g.InvoiceOp()
	case wlEvidence:
		return g.EvidenceOp()
	case wlRead:
		return g.ReadOp()
	case wlPersonal:
		return g.PersonalOp()
	case wlVerify:
		return g.VerifyOp()
	}
	// mixed
	r := rand.IntN(g.mixTotal)
	for _, e := range g.mix {
		if r < e.weight {
			return g.Op(e.kind)
		}
		r -= e.weight
	}
	return g.Op(g.mix[len(g.mix)-1].kind)
}

// needs reports what a workload needs from the setup phase.
func (g *Generator) needs(workload string) (sellers, reads bool) {
	switch workload {
	case wlInvoice:
		return true, false
	case wlRead:
		return true, true
	case wlMixed:
		for _, e := range g.mix {
			sellers = sellers || e.kind == opInvoice || e.kind == opRead
			reads = reads || e.kind == opRead
		}
	}
	return sellers, reads
}
