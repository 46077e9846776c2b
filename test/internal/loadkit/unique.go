package loadkit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"sync/atomic"
	"time"

	"github.com/govchain/govchain/internal/domain"
)

const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccOrgSpace is 31^9: the number of 9-character organisation codes.
const usccOrgSpace = 31 * 31 * 31 * 31 * 31 * 31 * 31 * 31 * 31

// Unique makes run-unique, valid keys: USCCs, invoice numbers, digests. It is safe for
// concurrent use. Keys cannot collide with an earlier run's (they embed the start time in
// seconds) for up to ~900,000 registrations per run.
type Unique struct {
	stamp uint64 // run-unique: unix seconds at start
	pid   int
	seq   atomic.Uint64
}

// NewUnique returns a generator stamped with now.
func NewUnique(now time.Time) *Unique {
	return &Unique{stamp: uint64(now.Unix()), pid: os.Getpid()}
}

func (g *Unique) next() uint64 { return g.seq.Add(1) }

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
func (g *Unique) USCC() string {
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
func (g *Unique) InvoiceNumber() string {
	return fmt.Sprintf("%010d%02d%08d", g.stamp%1e10, g.pid%100, g.next()%1e8)
}

// Hash returns a new SHA-256 digest (64 lowercase hex characters).
func (g *Unique) Hash() string {
	sum := sha256.Sum256(fmt.Appendf(nil, "govchain-bench:%d:%d:%d", g.stamp, g.pid, g.next()))
	return hex.EncodeToString(sum[:])
}

var (
	scopes      = []string{"import and export trade", "software development", "catering services", "freight forwarding", "wholesale of building materials"}
	people      = []string{"Chen Hua", "Lin Mei", "Wang Jun", "Huang Li", "Zhang Wei"}
	streetNames = []string{"Harbour Road", "Hubin South Road", "Lujiang Road", "Xiahe Road"}
)

// Pick returns a random element of s.
func Pick[T any](s []T) T { return s[rand.IntN(len(s))] }

// RegisterRequest returns a valid registration of a new business.
func (g *Unique) RegisterRequest() domain.RegisterBusinessRequest {
	uscc := g.USCC()
	return domain.RegisterBusinessRequest{
		USCC:                  uscc,
		Name:                  "Bench " + uscc[8:17] + " Trading Co., Ltd.",
		EntityType:            "limited company",
		LegalRepresentative:   Pick(people),
		RegisteredCapitalFen:  int64(1+rand.IntN(1000)) * 1_000_000,
		Address:               fmt.Sprintf("%d %s, Siming, Xiamen", 1+rand.IntN(999), Pick(streetNames)),
		BusinessScope:         Pick(scopes),
		EstablishedOn:         "2015-06-01",
		RegistrationAuthority: "Xiamen AMR",
	}
}

// IDNumber returns a new valid resident ID number (GB 11643): area 350203, a birth date in
// the 1970s–1990s and a run-unique sequence.
func (g *Unique) IDNumber() string {
	n := g.next()
	birth := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(n%10000))
	first17 := fmt.Sprintf("350203%s%03d", birth.Format("20060102"), (g.stamp+n)%1000)
	c, err := domain.ResidentIDCheckChar(first17)
	if err != nil {
		panic(err) // 17 digits: cannot happen
	}
	return first17 + string(c)
}

// Mobile returns a new valid mainland mobile number.
func (g *Unique) Mobile() string {
	return fmt.Sprintf("139%08d", (g.stamp*7919+g.next())%1e8)
}
