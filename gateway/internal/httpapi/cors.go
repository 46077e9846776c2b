package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

// cors answers cross-origin requests from the configured origins only ("*": any). With no
// origins configured (the default) it does nothing and browsers refuse cross-origin calls.
func (s *Server) cors() gin.HandlerFunc {
	var origins []string
	for _, o := range s.cfg.CORSOrigins {
		origins = append(origins, strings.TrimSuffix(o, "/"))
	}
	anyOrigin := slices.Contains(origins, "*")
	allowed := func(o string) bool {
		return anyOrigin || slices.Contains(origins, strings.TrimSuffix(o, "/"))
	}
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		if len(origins) == 0 || origin == "" {
			c.Next()
			return
		}
		preflight := c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != ""
		if !allowed(origin) {
			if preflight {
				c.AbortWithStatus(http.StatusForbidden)
				return
			}
			c.Next()
			return
		}
		h := c.Writer.Header()
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Expose-Headers", "X-Request-ID, Location, Idempotent-Replayed")
		if preflight {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE")
			h.Set("Access-Control-Allow-Headers", "Content-Type, X-API-Key, Idempotency-Key, Last-Event-ID, X-Request-ID")
			h.Set("Access-Control-Max-Age", "600")
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
		c.Next()
	}
}
