package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/gateway/internal/ledger"
	"github.com/govchain/govchain/internal/domain"
)

func grantCall(fn string, args ...string) ledger.Call {
	return ledger.Call{Contract: domain.ContractGrant, Function: fn, Args: args}
}

func grantIDParam(c *gin.Context) (string, error) {
	id := c.Param("id")
	return id, domain.ValidateGrantID(id)
}

// POST /grants → grant:Create (201).
func (s *Server) createGrant(c *gin.Context) {
	var req domain.CreateGrantRequest
	if err := decodeChecked(c, "grant", &req); err != nil {
		s.fail(c, err)
		return
	}
	s.submit(c, grantCall("Create", arg(req)), http.StatusCreated)
}

// GET /grants/{id} → grant:Get.
func (s *Server) getGrant(c *gin.Context) {
	id, err := grantIDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.query(c, grantCall("Get", id))
}

// GET /grants?record=&grantee=&page_size=&bookmark= → grant:List.
func (s *Server) listGrants(c *gin.Context) {
	record, grantee := c.Query("record"), c.Query("grantee")
	if record != "" {
		if err := domain.ValidateUSCCFormat("record", record); err != nil {
			s.fail(c, err)
			return
		}
	}
	if grantee != "" && !domain.IsMemberOrg(grantee) {
		s.fail(c, invalid("grantee must be the MSP ID of a member agency, got %q", grantee))
		return
	}
	size, bookmark, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.query(c, grantCall("List", record, grantee, size, bookmark))
}

// DELETE /grants/{id} {"reason"} → grant:Revoke.
func (s *Server) revokeGrant(c *gin.Context) {
	id, err := grantIDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req domain.ReasonRequest
	if err := decodeChecked(c, "revocation", &req); err != nil {
		s.fail(c, err)
		return
	}
	s.submit(c, grantCall("Revoke", id, req.Reason), http.StatusOK)
}

// GET /grants/{id}/history → grant:History.
func (s *Server) grantHistory(c *gin.Context) {
	id, err := grantIDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	size, bookmark, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.query(c, grantCall("History", id, size, bookmark))
}

// GET /access-log?record=&accessor=&from=&to=&page_size=&bookmark= → access:List.
func (s *Server) listAccess(c *gin.Context) {
	f := domain.AccessFilter{Record: c.Query("record"), Accessor: c.Query("accessor"), From: c.Query("from"), To: c.Query("to")}
	if err := f.Validate(); err != nil {
		s.fail(c, err)
		return
	}
	size, bookmark, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.query(c, accessCall("List", f.Record, f.Accessor, f.From, f.To, size, bookmark))
}

// GET /access-log/{id} → access:Get.
func (s *Server) getAccess(c *gin.Context) {
	id := c.Param("id")
	if err := domain.ValidateTxID("access id", id); err != nil {
		s.fail(c, err)
		return
	}
	s.query(c, accessCall("Get", id))
}
