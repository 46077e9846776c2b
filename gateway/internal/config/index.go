package config

import (
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
)

// Index drivers.
const (
	IndexSQLite   = "sqlite"
	IndexPostgres = "postgres"
	IndexNone     = "none"
)

// DefaultIndexIdentity reads the blocks the index is built from: the audit office, whose
// peer keeps a full copy of the ledger and never endorses.
const DefaultIndexIdentity = "audit/auditor"

// sqlitePragmas are appended to a SQLite DSN that sets none: wait for a lock instead of
// failing at once, write-ahead logging (readers never wait for the follower), and
// synchronous=NORMAL (safe with WAL; a power cut can lose the last blocks indexed, which the
// follower indexes again from its checkpoint).
const sqlitePragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"

func (c *Config) applyIndexDefaults() {
	setString(&c.Index.Driver, IndexSQLite)
}

// IndexDSN is the data source name the index is opened with: for SQLite a file: URI (a
// plain path is taken relative to data_dir, and the pragmas are added when the DSN sets
// none); for PostgreSQL the DSN as configured.
func (c *Config) IndexDSN() string {
	if c.Index.Driver != IndexSQLite {
		return c.Index.DSN
	}
	dsn := c.Index.DSN
	if dsn == "" {
		dsn = "index.db"
	}
	if !strings.HasPrefix(dsn, "file:") {
		if !filepath.IsAbs(dsn) {
			dsn = filepath.Join(c.DataDir, dsn)
		}
		dsn = "file:" + dsn
	}
	if !strings.Contains(dsn, "_pragma=") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + sqlitePragmas
	}
	return dsn
}

// IndexCaller is the org and role of the identity that reads the blocks: index.identity;
// when unset audit/auditor, or, on a gateway without it, the first identity configured.
func (c *Config) IndexCaller() (org, role string) {
	if c.Index.Identity != "" {
		org, role, _ = strings.Cut(c.Index.Identity, "/")
		return org, role
	}
	org, role, _ = strings.Cut(DefaultIndexIdentity, "/")
	if _, ok := c.Identity(org, role); ok || len(c.Identities) == 0 {
		return org, role
	}
	return c.Identities[0].Org, c.Identities[0].Role
}

func (c *Config) validateIndex() []error {
	var errs []error
	drivers := []string{IndexSQLite, IndexPostgres, IndexNone}
	if !slices.Contains(drivers, c.Index.Driver) {
		return []error{fmt.Errorf("index.driver %q: want one of %s", c.Index.Driver, strings.Join(drivers, ", "))}
	}
	if c.Index.Driver == IndexNone {
		return nil
	}
	if c.Index.Driver == IndexPostgres {
		switch {
		case c.Index.DSN == "":
			errs = append(errs, fmt.Errorf("index.dsn: required with driver postgres (e.g. postgres://user:pass@host:5432/govchain_index?sslmode=verify-full)"))
		case strings.HasPrefix(c.Index.DSN, "postgres://") || strings.HasPrefix(c.Index.DSN, "postgresql://"):
			if _, err := url.Parse(c.Index.DSN); err != nil {
				errs = append(errs, fmt.Errorf("index.dsn: not a URL: %v", err))
			}
		case !strings.Contains(c.Index.DSN, "="):
			errs = append(errs, fmt.Errorf("index.dsn: want a postgres:// URL or key=value settings"))
		}
	}
	if c.Index.Driver == IndexSQLite && strings.HasPrefix(c.Index.DSN, "postgres") {
		errs = append(errs, fmt.Errorf("index.dsn %q: a PostgreSQL DSN with driver sqlite", c.Index.DSN))
	}
	if c.Index.Identity == "" {
		return errs
	}
	org, role, ok := strings.Cut(c.Index.Identity, "/")
	if !ok {
		errs = append(errs, fmt.Errorf("index.identity %q: want ORG/ROLE", c.Index.Identity))
	} else if _, found := c.Identity(org, role); !found {
		errs = append(errs, fmt.Errorf("index.identity %q: no such identity among identities", c.Index.Identity))
	}
	return errs
}
