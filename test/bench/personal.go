package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/govchain/govchain/internal/domain"
)

// The personal-data workloads go through the HTTP gateway only: a logged read is the
// gateway's two-step exchange (commit an access record, then an evaluate confined to the
// owner agency's peer), which has no single SDK call to compare it with.
const (
	opPersonal = wlPersonal // GET /businesses/{uscc}/personal: a logged read under a grant
	opVerify   = wlVerify   // POST /businesses/{uscc}/personal/verify: a logged check, no grant
)

// readPurpose is the purpose of the benchmark's grants and reads.
const readPurpose = domain.PurposeTaxIdentityCheck

// readFields are the fields granted and read.
var readFields = []string{domain.FieldIDNumber, domain.FieldMobile}

// httpOnly reports whether a workload can only be measured through the HTTP gateway.
func httpOnly(workload string) bool { return workload == wlPersonal || workload == wlVerify }

// personalRecord is a business registered with personal data in the setup phase.
type personalRecord struct {
	USCC   string
	Mobile string
}

// registerWithPersonal is POST /businesses with the optional personal object.
type registerWithPersonal struct {
	domain.RegisterBusinessRequest
	Personal domain.PersonalData `json:"personal"`
}

// PersonalRegisterOp registers a new business with its legal representative's personal data.
func (g *Generator) PersonalRegisterOp() (Op, personalRecord) {
	r := registerWithPersonal{RegisterBusinessRequest: g.RegisterRequest(), Personal: domain.PersonalData{
		IDNumber: g.IDNumber(), Mobile: g.Mobile(), HomeAddress: fmt.Sprintf("%d Lianhua Road, Siming", 1+rand.IntN(999)),
	}}
	op := writeOp(opRegister, domain.ContractBusiness, "RegisterWithPersonal", mustJSON(r), "/businesses")
	return op, personalRecord{USCC: r.USCC, Mobile: r.Personal.Mobile}
}

// GrantOp lets the tax bureau read the benchmark's fields of rec for readPurpose.
func GrantOp(rec personalRecord, expires time.Time) Op {
	id := identityFor[opRegister]
	body := mustJSON(domain.CreateGrantRequest{
		Record: rec.USCC, Grantee: domain.TaxMSP, Fields: readFields, Purpose: readPurpose,
		PurposeDetail: "benchmark: logged personal-data reads", ExpiresAt: expires.UTC().Format(time.RFC3339),
	})
	return Op{Kind: "grant", Write: true, Org: id[0], Role: id[1], Method: http.MethodPost, Path: "/grants", Body: body}
}

// PersonalOp reads the granted fields of one of the setup's records, as the tax bureau.
func (g *Generator) PersonalOp() Op {
	id := identityFor[opPersonal]
	rec := pick(g.personal)
	q := url.Values{"purpose": {readPurpose}, "fields": {readFields[0] + "," + readFields[1]}}
	return Op{Kind: opPersonal, Org: id[0], Role: id[1], Method: http.MethodGet,
		Path: "/businesses/" + url.PathEscape(rec.USCC) + "/personal?" + q.Encode()}
}

// VerifyOp checks the registered mobile number of one of the setup's records, as a notary;
// every other check is of a wrong number, so both answers are measured.
func (g *Generator) VerifyOp() Op {
	id := identityFor[opVerify]
	rec := pick(g.personal)
	value := rec.Mobile
	if rand.IntN(2) == 0 {
		value = g.Mobile()
	}
	return Op{Kind: opVerify, Org: id[0], Role: id[1], Method: http.MethodPost,
		Path: "/businesses/" + url.PathEscape(rec.USCC) + "/personal/verify",
		Body: mustJSON(map[string]string{"field": domain.FieldMobile, "value": value})}
}

// setupPersonal registers n businesses with personal data and grants each to the tax
// bureau, through the HTTP gateway (the registration is the gateway's stage-and-bind
// exchange). It is not timed.
func setupPersonal(ctx context.Context, hp *httpPath, gen *Generator, n int, w io.Writer) error {
	t0 := time.Now()
	recs := make([]personalRecord, n)
	expires := time.Now().AddDate(0, 6, 0)
	err := parallelDo(ctx, n, 4, func(i int) error {
		op, rec := gen.PersonalRegisterOp()
		if err := httpSetupOp(ctx, hp, &op); err != nil {
			return err
		}
		g := GrantOp(rec, expires)
		if err := httpSetupOp(ctx, hp, &g); err != nil {
			return err
		}
		recs[i] = rec
		return nil
	})
	if err != nil {
		return fmt.Errorf("setup: register businesses with personal data and grant them: %w", err)
	}
	gen.personal = recs
	fmt.Fprintf(w, "setup: %d businesses with personal data, each granted to %s for %s, through HTTP in %.1fs\n",
		n, domain.TaxMSP, readPurpose, time.Since(t0).Seconds())
	return nil
}

func httpSetupOp(ctx context.Context, hp *httpPath, op *Op) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if out := hp.Do(ctx, op); out.Fail != "" {
		return fmt.Errorf("%s %s %s: %s: %s", op.Kind, op.Method, op.Path, out.Fail, out.Detail)
	}
	return nil
}
