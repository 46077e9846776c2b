package httpapi

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/internal/domain"
)

// Pledge-based registration (告知承诺制): a registration lists the catalogue materials it
// supplies (deposited evidence) and pledges the missing pledgeable ones by a due date
// (POST /businesses, fields materials and pledge); the registrar records each pledged
// material when it arrives; the overdue check breaks the pledges past their due date, which
// suspends the business and writes a credit record (信用记录).

// POST /businesses/{uscc}/materials {material, evidence_id} → business:SupplyMaterial(uscc,
// request): the business with the material on record (200).
func (s *Server) supplyMaterial(c *gin.Context) {
	uscc, err := usccParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req domain.SupplyMaterialRequest
	if err := decodeChecked(c, "material", &req); err != nil {
		s.fail(c, err)
		return
	}
	s.submit(c, businessCall("SupplyMaterial", uscc, arg(req)), http.StatusOK)
}

// noArguments is the body of a write that takes none: empty, or {}.
type noArguments struct{}

// POST /pledges/overdue-check → business:CheckOverduePledges(): the pledges it broke (200).
func (s *Server) checkOverduePledges(c *gin.Context) {
	if err := decodeOptional(c, "overdue check", &noArguments{}); err != nil {
		s.fail(c, err)
		return
	}
	s.submit(c, businessCall("CheckOverduePledges"), http.StatusOK)
}

// GET /pledges?status=&due_before=&page_size=&bookmark= → business:ListPledges.
func (s *Server) listPledges(c *gin.Context) {
	status, dueBefore := c.Query("status"), c.Query("due_before")
	if err := domain.ValidatePledgeFilter(status, dueBefore); err != nil {
		s.fail(c, err)
		return
	}
	size, bookmark, err := page(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.query(c, businessCall("ListPledges", status, dueBefore, size, bookmark))
}

// GET /businesses/{uscc}/credit?page_size=&bookmark= → business:Credit: the business's credit
// records (public to every member agency).
func (s *Server) businessCredit(c *gin.Context) { s.businessPage(c, "Credit") }

// maxEntityTypeQuery bounds the entity_type a catalogue lookup echoes in its refusal.
const maxEntityTypeQuery = 200

// GET /materials/catalogue?entity_type= : every material catalogue (an array), or the one of
// entity_type (matched on its name or an alias) — no ledger call, the catalogue is code
// shared with the chaincode.
func (s *Server) materialCatalogue(c *gin.Context) {
	t, given := c.GetQuery("entity_type")
	if !given || strings.TrimSpace(t) == "" {
		c.JSON(http.StatusOK, domain.MaterialCatalogues())
		return
	}
	if len(t) > maxEntityTypeQuery {
		s.fail(c, invalid("entity_type is longer than %d bytes", maxEntityTypeQuery))
		return
	}
	cat, ok := domain.CatalogueFor(t)
	if !ok {
		s.fail(c, domain.Errorf(domain.CodeNotFound, "entity type %q has no material catalogue; catalogued types: %s", clip(t), strings.Join(domain.CatalogueEntityTypes(), ", ")))
		return
	}
	c.JSON(http.StatusOK, cat)
}
