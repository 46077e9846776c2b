package httpapi

import (
	"github.com/gin-gonic/gin"
)

// APIPrefix is the prefix of every resource route.
const APIPrefix = "/api/v1"

// route kinds decide the middleware a route gets.
type kind int

const (
	kindRead   kind = iota // authenticated query
	kindWrite              // authenticated transaction (JSON body)
	kindUpload             // authenticated, JSON or multipart body
	kindStream             // authenticated event stream
	kindOpen               // unauthenticated operational route
	// kindPublic is an unauthenticated, read-only resource route under APIPrefix for
	// outsiders (no API key): rate-limited per client address, small JSON body.
	kindPublic
)

// route is one entry of THE route table.
type route struct {
	method  string
	path    string // Gin syntax, relative to APIPrefix for every kind but kindOpen
	kind    kind
	handler gin.HandlerFunc
	write   string // the transaction a write submits ("contract:Function"), for the early permission check
}

func (s *Server) routes() []route {
	return []route{
		{"POST", "/businesses", kindWrite, s.registerBusiness, "business:Register"},
		{"GET", "/businesses", kindRead, s.listBusinesses, ""},
		{"GET", "/businesses/:uscc", kindRead, s.getBusiness, ""},
		{"PATCH", "/businesses/:uscc", kindWrite, s.amendBusiness, "business:Amend"},
		{"POST", "/businesses/:uscc/status", kindWrite, s.changeBusinessStatus, "business:ChangeStatus"},
		{"GET", "/businesses/:uscc/history", kindRead, s.businessHistory, ""},
		{"POST", "/businesses/:uscc/materials", kindWrite, s.supplyMaterial, "business:SupplyMaterial"},
		{"GET", "/businesses/:uscc/credit", kindRead, s.businessCredit, ""},
		{"POST", "/businesses/:uscc/licence", kindWrite, s.issueLicence, "business:IssueLicence"},
		{"GET", "/businesses/:uscc/licence", kindRead, s.getLicence, ""},
		{"GET", "/businesses/:uscc/personal", kindRead, s.readPersonal, ""},
		{"PATCH", "/businesses/:uscc/personal", kindWrite, s.amendPersonal, "business:AmendPersonal"},
		{"DELETE", "/businesses/:uscc/personal", kindWrite, s.erasePersonal, "business:ErasePersonal"},
		{"POST", "/businesses/:uscc/personal/verify", kindWrite, s.verifyPersonal, ""},

		{"GET", "/pledges", kindRead, s.listPledges, ""},
		{"POST", "/pledges/overdue-check", kindWrite, s.checkOverduePledges, "business:CheckOverduePledges"},
		{"GET", "/materials/catalogue", kindRead, s.materialCatalogue, ""},
		{"POST", "/licences/verify", kindPublic, s.verifyLicence, ""},

		{"POST", "/grants", kindWrite, s.createGrant, "grant:Create"},
		{"GET", "/grants", kindRead, s.listGrants, ""},
		{"GET", "/grants/:id", kindRead, s.getGrant, ""},
		{"DELETE", "/grants/:id", kindWrite, s.revokeGrant, "grant:Revoke"},
		{"GET", "/grants/:id/history", kindRead, s.grantHistory, ""},
		{"GET", "/access-log", kindRead, s.listAccess, ""},
		{"GET", "/access-log/:id", kindRead, s.getAccess, ""},

		{"POST", "/invoices", kindWrite, s.issueInvoice, "invoice:Issue"},
		{"GET", "/invoices", kindRead, s.listInvoices, ""},
		{"GET", "/invoices/:number", kindRead, s.getInvoice, ""},
		{"POST", "/invoices/:number/reimbursement", kindWrite, s.claimReimbursement, "invoice:ClaimReimbursement"},
		{"DELETE", "/invoices/:number/reimbursement", kindWrite, s.releaseReimbursement, "invoice:ReleaseReimbursement"},
		{"POST", "/invoices/:number/reversal", kindWrite, s.reverseInvoice, "invoice:Reverse"},
		{"GET", "/invoices/:number/history", kindRead, s.invoiceHistory, ""},

		{"POST", "/evidence", kindUpload, s.depositEvidence, "evidence:Deposit"},
		{"POST", "/evidence/batch", kindWrite, s.depositEvidenceBatch, "evidence:DepositBatch"},
		{"POST", "/evidence/verify", kindUpload, s.verifyEvidence, ""},
		{"GET", "/evidence/:id", kindRead, s.getEvidence, ""},
		{"POST", "/evidence/:id/certification", kindWrite, s.certifyEvidence, "evidence:Certify"},
		{"POST", "/evidence/:id/revocation", kindWrite, s.revokeEvidence, "evidence:Revoke"},
		{"GET", "/evidence/:id/history", kindRead, s.evidenceHistory, ""},

		{"GET", "/transactions/:tx_id", kindRead, s.getTransaction, ""},
		{"GET", "/ledger/verification", kindRead, s.getVerification, ""},
		{"POST", "/ledger/verification", kindRead, s.runVerification, ""},
		{"GET", "/proofs/transactions/:tx_id", kindRead, s.getTransactionProof, ""},
		{"GET", "/events", kindStream, s.events, ""},

		{"POST", "/identities", kindWrite, s.createIdentity, ""},
		{"GET", "/identities", kindRead, s.listIdentities, ""},
		{"POST", "/identities/:name/revocation", kindWrite, s.revokeIdentity, ""},

		{"GET", "/index/records", kindRead, s.indexRecords, ""},
		{"GET", "/index/transactions", kindRead, s.indexTransactions, ""},
		{"GET", "/index/stats", kindRead, s.indexStats, ""},
		{"GET", "/index/status", kindRead, s.indexStatus, ""},
		{"POST", "/index/check", kindRead, s.indexCheck, ""},
		{"POST", "/index/rebuild", kindRead, s.indexRebuild, ""},

		{"POST", "/signing/proposals", kindWrite, s.createProposal, ""},
		{"POST", "/signing/proposals/:tx_id/endorsement", kindWrite, s.endorseProposal, ""},
		{"POST", "/signing/transactions/:tx_id", kindWrite, s.submitSignedTransaction, ""},

		{"GET", "/healthz", kindOpen, s.healthz, ""},
		{"GET", "/readyz", kindOpen, s.readyz, ""},
		{"GET", "/metrics", kindOpen, s.metrics, ""},
		{"GET", "/openapi.json", kindOpen, s.openAPI, ""},
		{"GET", "/docs", kindOpen, s.docs, ""},
		{"GET", "/console", kindOpen, s.console, ""},
		{"GET", "/console/:file", kindOpen, s.console, ""},
		{"GET", "/verify", kindOpen, s.verifyPage, ""},
		{"GET", "/verify/:file", kindOpen, s.verifyPage, ""},
	}
}

func (s *Server) router() *gin.Engine {
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	e.RemoveExtraSlash = false
	// An API answers JSON: a path that only differs by a slash is a 404 NOT_FOUND like any
	// unknown route, not gin's 301/307 with an HTML body (found by FuzzQueryAndPathParams:
	// GET /api/v1/businesses/%2F).
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	// The client address (c.ClientIP, which the public routes' rate limit counts by) is the
	// TCP peer's unless the peer is a configured trusted proxy: gin's default believes
	// X-Forwarded-For from anyone, which would let a client choose its own address.
	if err := e.SetTrustedProxies(s.cfg.TrustedProxies); err != nil {
		s.log.Error("trusted_proxies: ignored, no proxy is trusted", "error", err)
		_ = e.SetTrustedProxies(nil)
	}
	e.Use(s.recovery(), s.requestID(), s.observe(), s.cors())
	e.NoRoute(func(c *gin.Context) {
		s.fail(c, &httpError{Code: "NOT_FOUND", Message: "no such route: " + clip(c.Request.Method) + " " + clip(c.Request.URL.Path)})
	})
	e.NoMethod(func(c *gin.Context) {
		s.fail(c, &httpError{Code: codeMethodNotAllowed, Message: "method " + clip(c.Request.Method) + " is not allowed on " + clip(c.Request.URL.Path)})
	})

	api := e.Group(APIPrefix, s.authenticate())
	public := e.Group(APIPrefix)
	for _, r := range s.routes() {
		if r.write != "" {
			r.handler = chain(s.authorize(r.write), r.handler)
		} else if r.kind != kindOpen {
			// Inside a client-signed proposal only a write route may run.
			r.handler = s.notSignable(r.handler)
		}
		switch r.kind {
		case kindOpen:
			e.Handle(r.method, r.path, r.handler)
		case kindRead:
			api.Handle(r.method, r.path, s.limitBody(0), r.handler)
		case kindWrite:
			api.Handle(r.method, r.path, s.limitBody(s.cfg.MaxJSONBytes), r.handler)
		case kindUpload:
			api.Handle(r.method, r.path, s.limitUpload(), r.handler)
		case kindStream:
			api.Handle(r.method, r.path, r.handler)
		case kindPublic:
			public.Handle(r.method, r.path, s.rateLimit(), s.limitBody(publicBodyLimit), r.handler)
		}
	}
	return e
}

// chain runs handlers in order, stopping when one aborts.
func chain(hs ...gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		for _, h := range hs {
			if h(c); c.IsAborted() {
				return
			}
		}
	}
}
