package httpapi

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/domain"
)

func invoiceCall(fn string, args ...string) ledger.Call {
	return ledger.Call{Contract: domain.ContractInvoice, Function: fn, Args: args}
}

// POST /invoices → invoice:Issue (201).
func (s *Server) issueInvoice(c *gin.Context) {
	var req domain.IssueInvoiceRequest
	if err := decodeChecked(c, "invoice", &req); err != nil {
		s.fail(c, err)
		return
	}
	s.submit(c, invoiceCall("Issue", arg(req)), http.StatusCreated)
}

// GET /invoices/{number} → invoice:Get.
func (s *Server) getInvoice(c *gin.Context) {
	number, err := invoiceNumberParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.query(c, invoiceCall("Get", number))
}

// POST /invoices/{number}/reimbursement → invoice:ClaimReimbursement (body optional).
func (s *Server) claimReimbursement(c *gin.Context) {
	number, err := invoiceNumberParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req domain.ClaimReimbursementRequest
	if err := decodeOptional(c, "reimbursement claim", &req); err != nil {
		s.fail(c, err)
		return
	}
	if err := req.Validate(); err != nil {
		s.fail(c, err)
		return
	}
	s.submit(c, invoiceCall("ClaimReimbursement", number, arg(req)), http.StatusOK)
}

// DELETE /invoices/{number}/reimbursement → invoice:ReleaseReimbursement(number, reason);
// the reason comes in the body or as ?reason=.
func (s *Server) releaseReimbursement(c *gin.Context) {
	number, err := invoiceNumberParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req domain.ReasonRequest
	if err := decodeOptional(c, "release", &req); err != nil {
		s.fail(c, err)
		return
	}
	q := c.Query("reason")
	switch {
	case req.Reason == "":
		req.Reason = q
	case q != "" && q != req.Reason:
		s.fail(c, invalid("reason is given both in the body and as ?reason= with different values"))
		return
	}
	if strings.TrimSpace(req.Reason) == "" {
		s.fail(c, invalid("reason is required (in the body or as ?reason=)"))
		return
	}
	if err := req.Validate(); err != nil {
		s.fail(c, err)
		return
	}
	s.submit(c, invoiceCall("ReleaseReimbursement", number, req.Reason), http.StatusOK)
}

// POST /invoices/{number}/reversal → invoice:Reverse (201, the red invoice).
func (s *Server) reverseInvoice(c *gin.Context) {
	number, err := invoiceNumberParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req domain.ReverseInvoiceRequest
	if err := decodeChecked(c, "reversal", &req); err != nil {
		s.fail(c, err)
		return
	}
	s.submit(c, invoiceCall("Reverse", number, arg(req)), http.StatusCreated)
}

// GET /invoices?seller=&page_size=&bookmark= → invoice:List.
func (s *Server) listInvoices(c *gin.Context) {
	seller := c.Query("seller")
	if seller != "" {
		if err := domain.ValidateUSCCFormat("seller", seller); err != nil {
			s.fail(c, err)
			return
		}
	}
	size, bookmark, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.query(c, invoiceCall("List", seller, size, bookmark))
}

// GET /invoices/{number}/history → invoice:History.
func (s *Server) invoiceHistory(c *gin.Context) {
	number, err := invoiceNumberParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	size, bookmark, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.query(c, invoiceCall("History", number, size, bookmark))
}
