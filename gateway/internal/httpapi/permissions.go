package httpapi

import (
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/internal/domain"
)

// authorize refuses (403) a write the caller's org or role can never make, before the body
// is read, as the chaincode's before-transaction hook refuses it before validating. Both
// consult the one access table, domain.Permissions; the chaincode remains the authority
// (and checks what depends on state: the claim holder, the depositing org).
func (s *Server) authorize(name string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := mayWrite(principal(c), name); err != nil {
			s.fail(c, err)
		}
	}
}

// mayWrite refuses (FORBIDDEN) a write ("contract:Function") the caller can never make.
func mayWrite(p Principal, name string) error {
	contract, fn, _ := strings.Cut(name, ":")
	perm, ok := domain.LookupPermission(contract, fn)
	if !ok {
		return nil
	}
	return perm.Permits(p.MSPID, p.Role, p.Org+"/"+p.Role)
}
