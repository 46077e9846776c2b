package sqlstore

import (
	"strconv"
	"strings"
)

// dialect is what differs between the databases: the database/sql driver name and the
// placeholders. Every statement is written once, with ? placeholders, in the SQL both
// SQLite (3.24+) and PostgreSQL (9.5+) accept: BIGINT/INTEGER/TEXT columns, INSERT … ON
// CONFLICT, integer division for time buckets, LIKE … ESCAPE on a lower-cased copy of the name.
type dialect struct {
	name   string // sqlite | postgres
	driver string // database/sql driver
	dollar bool   // $1, $2… placeholders instead of ?
}

var (
	sqliteDialect   = dialect{name: "sqlite", driver: "sqlite"}
	postgresDialect = dialect{name: "postgres", driver: "pgx", dollar: true}
)

// rebind rewrites ? placeholders for the dialect. The statements have no ? inside string
// literals.
func (d dialect) rebind(q string) string {
	if !d.dollar {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// likePattern is a LIKE pattern matching s anywhere, with LIKE's wildcards in s escaped
// (ESCAPE '\').
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}
