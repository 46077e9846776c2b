package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"sync/atomic"
	"time"

	"github.com/govchain/govchain/internal/domain"
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

const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccOrgSpace is 31^9: the number of 9-character organisation codes.
const usccOrgSpace = 31 * 31 * 31 * 31 * 31 * 31 * 31 * 31 * 31

// Generator makes unique, valid requests. It is safe for concurrent use.
type Generator struct {
	stamp    uint64 // run-unique: unix seconds at start
	pid      int
	seq      atomic.Uint64
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
	g := &Generator{stamp: uint64(now.Unix()), pid: os.Getpid(), issuedOn: now.UTC().Format(domain.DateLayout), lines: max(lines, 1)}
	for _, k := range []string{opRegister, opInvoice, opEvidence, opRead} {
		if w := mix[k]; w > 0 {
			g.mix = append(g.mix, mixEntry{k, w})
			g.mixTotal += w
		}
	}
	return g
}

func (g *Generator) next() uint64 { return g.seq.Add(1) }

// base31 writes n as exactly width characters of the USCC alphabet (most significant first).
func base31(n uint64, width int) string {
	b := make([]byte, width)
	for i := width - 1; i >= 0; i-- {
		b[i] = usccAlphabet[n%31]
		n /= 31
	}
	return string(b)
}

// USCC returns a new valid USCC: 91 (market regulation, enterprise), area 350200 (Xiamen),
// a run-unique 9-character organisation code and the check character.
func (g *Generator) USCC() string {
	code := (g.stamp*31*31*31*31 + g.next()) % usccOrgSpace
	body := "91350200" + base31(code, 9)
	c, err := domain.USCCCheckChar(body)
	if err != nil {
		panic(err) // the body is built from the alphabet: cannot happen
	}
	return body + string(c)
}

// InvoiceNumber returns a new 20-digit invoice number: start time (10 digits), PID (2) and
// a sequence (8).
func (g *Generator) InvoiceNumber() string {
	return fmt.Sprintf("%010d%02d%08d", g.stamp%1e10, g.pid%100, g.next()%1e8)
}

// Hash returns a new SHA-256 digest (64 lowercase hex characters).
func (g *Generator) Hash() string {
	sum := sha256.Sum256(fmt.Appendf(nil, "govchain-bench:%d:%d:%d", g.stamp, g.pid, g.next()))
	return hex.EncodeToString(sum[:])
}

var (
	scopes      = []string{"import and export trade", "software development", "catering services", "freight forwarding", "wholesale of building materials"}
	people      = []string{"Chen Hua", "Lin Mei", "Wang Jun", "Huang Li", "Zhang Wei"}
	goods       = []string{"office chairs", "printer paper", "laptop repair", "consulting hours", "freight Xiamen to Fuzhou", "cleaning services"}
	buyers      = []string{"City Library", "Siming District Hospital", "Xiamen No. 1 Middle School", "Harbour Authority"}
	categories  = []string{"contract", "invoice scan", "court filing", "photo"}
	mediaTypes  = []string{"application/pdf", "image/jpeg", "image/png"}
	fileSuffix  = map[string]string{"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
	streetNames = []string{"Harbour Road", "Hubin South Road", "Lujiang Road", "Xiahe Road"}
)

func pick[T any](s []T) T { return s[rand.IntN(len(s))] }

// RegisterRequest returns a valid registration of a new business.
func (g *Generator) RegisterRequest() domain.RegisterBusinessRequest {
	uscc := g.USCC()
	return domain.RegisterBusinessRequest{
		USCC:                  uscc,
		Name:                  "Bench " + uscc[8:17] + " Trading Co., Ltd.",
		EntityType:            "limited company",
		LegalRepresentative:   pick(people),
		RegisteredCapitalFen:  int64(1+rand.IntN(1000)) * 1_000_000,
		Address:               fmt.Sprintf("%d %s, Siming, Xiamen", 1+rand.IntN(999), pick(streetNames)),
		BusinessScope:         pick(scopes),
		EstablishedOn:         "2015-06-01",
		RegistrationAuthority: "Xiamen AMR",
	}
}

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
