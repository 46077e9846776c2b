package httpapi

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/domain"
)

func businessCall(fn string, args ...string) ledger.Call {
	return ledger.Call{Contract: domain.ContractBusiness, Function: fn, Args: args}
}

// POST /businesses → business:Register (201); with personal data: personal:Stage through
// the owner's peer, business:RegisterWithPersonal, and a purge of the stage if the
// registration definitely failed.
func (s *Server) registerBusiness(c *gin.Context) {
	var req registrationBody
	if err := decodeChecked(c, "business", &req); err != nil {
		s.fail(c, err)
		return
	}
	call := businessCall("Register", arg(req.RegisterBusinessRequest))
	if req.Personal == nil {
		s.submit(c, call, http.StatusCreated)
		return
	}
	s.submitWrite(c, s.personalWrite(c, req.USCC, *req.Personal, http.StatusCreated, call, false, func(stageID string) ledger.Call {
		return businessCall("RegisterWithPersonal", arg(req.RegisterBusinessRequest), stageID)
	}))
}

// GET /businesses/{uscc} → business:Get.
func (s *Server) getBusiness(c *gin.Context) {
	uscc, err := usccParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.query(c, businessCall("Get", uscc))
}

// PATCH /businesses/{uscc} → business:Amend.
func (s *Server) amendBusiness(c *gin.Context) {
	uscc, err := usccParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req domain.AmendBusinessRequest
	if err := decodeChecked(c, "amendment", &req); err != nil {
		s.fail(c, err)
		return
	}
	s.submit(c, businessCall("Amend", uscc, arg(req)), http.StatusOK)
}

// statusChangeRequest is the body of POST /businesses/{uscc}/status.
type statusChangeRequest struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

// POST /businesses/{uscc}/status → business:ChangeStatus(uscc, status, reason).
func (s *Server) changeBusinessStatus(c *gin.Context) {
	uscc, err := usccParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req statusChangeRequest
	if err := decode(c, "status change", &req); err != nil {
		s.fail(c, err)
		return
	}
	if !domain.IsBusinessStatus(req.Status) {
		s.fail(c, invalid("status must be one of %s, got %q", strings.Join(domain.BusinessStatuses(), ", "), req.Status))
		return
	}
	// The chaincode's rule: printable text up to 2000 characters, no personal ID number.
	if err := domain.ValidateStatusChange(req.Status, req.Reason); err != nil {
		s.fail(c, err)
		return
	}
	s.submit(c, businessCall("ChangeStatus", uscc, req.Status, req.Reason), http.StatusOK)
}

// GET /businesses?status=&name_prefix=&page_size=&bookmark= → business:List.
func (s *Server) listBusinesses(c *gin.Context) {
	status := c.Query("status")
	if status != "" && !domain.IsBusinessStatus(status) {
		s.fail(c, invalid("status must be empty or one of %s, got %q", strings.Join(domain.BusinessStatuses(), ", "), status))
		return
	}
	prefix := c.Query("name_prefix")
	if err := domain.ValidateNamePrefix(prefix); err != nil {
		s.fail(c, err)
		return
	}
	size, bookmark, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.query(c, businessCall("List", status, prefix, size, bookmark))
}

// GET /businesses/{uscc}/history → business:History.
func (s *Server) businessHistory(c *gin.Context) { s.businessPage(c, "History") }

// businessPage answers a paged query of one business: business:fn(uscc, pageSize, bookmark).
func (s *Server) businessPage(c *gin.Context, fn string) {
	uscc, err := usccParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	size, bookmark, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.query(c, businessCall(fn, uscc, size, bookmark))
}
