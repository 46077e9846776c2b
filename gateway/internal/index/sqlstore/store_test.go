package sqlstore

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/index"
	"github.com/govchain/govchain/gateway/internal/index/indextest"
	"github.com/stretchr/testify/require"
)

// backend opens stores of one database: fresh is an empty index, reopen the last one again.
type backend struct {
	name   string
	fresh  func(t *testing.T) *Store
	reopen func(t *testing.T) *Store
}

// pgDSNEnv names a PostgreSQL database the store tests also run against (its index tables
// are dropped first), e.g. postgres://gov@127.0.0.1:5432/index_test. Unset: SQLite only.
const pgDSNEnv = "GOVCHAIN_INDEX_TEST_PG_DSN"

func backends() []backend {
	var last string
	open := func(t *testing.T, driver, dsn string) *Store {
		t.Helper()
		s, err := Open(context.Background(), driver, dsn)
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	}
	out := []backend{{
		name: "sqlite",
		fresh: func(t *testing.T) *Store {
			last = "file:" + filepath.Join(t.TempDir(), "index.db") + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
			return open(t, "sqlite", last)
		},
		reopen: func(t *testing.T) *Store { return open(t, "sqlite", last) },
	}}
	if dsn := os.Getenv(pgDSNEnv); dsn != "" {
		out = append(out, backend{
			name: "postgres",
			fresh: func(t *testing.T) *Store {
				db, err := sql.Open("pgx", dsn)
				require.NoError(t, err)
				_, err = db.Exec(`DROP TABLE IF EXISTS records, versions, transactions, checkpoint, schema_version`)
				require.NoError(t, err)
				require.NoError(t, db.Close())
				return open(t, "postgres", dsn)
			},
			reopen: func(t *testing.T) *Store { return open(t, "postgres", dsn) },
		})
	}
	return out
}

// eachBackend runs f on every database available.
func eachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) { f(t, b) })
	}
}

func applyAll(t *testing.T, s *Store, blocks []index.Block) {
	t.Helper()
	for _, b := range blocks {
		require.NoError(t, s.Apply(context.Background(), b))
	}
}

func ids(rs []index.Record) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Kind+"/"+r.ID)
	}
	return out
}

func TestApplyCheckpointAndReplay(t *testing.T) { eachBackend(t, testApplyCheckpointAndReplay) }

func testApplyCheckpointAndReplay(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.fresh(t)
	h, err := s.Height(ctx)
	require.NoError(t, err)
	require.Zero(t, h)
	blocks := indextest.Blocks()
	applyAll(t, s, blocks)
	h, _ = s.Height(ctx)
	require.EqualValues(t, 4, h)
	before, err := s.Dump(ctx, 4)
	require.NoError(t, err)

	// Replaying (a reconnect from an older block) changes nothing.
	applyAll(t, s, blocks)
	after, err := s.Dump(ctx, 4)
	require.NoError(t, err)
	require.Equal(t, before, after)
	h, _ = s.Height(ctx)
	require.EqualValues(t, 4, h)

	// A gap is refused and the checkpoint stays.
	require.ErrorContains(t, s.Apply(ctx, index.Block{Number: 9}), "does not follow")
	h, _ = s.Height(ctx)
	require.EqualValues(t, 4, h)

	// The checkpoint survives a reopen (a gateway restart resumes from it).
	lt, err := s.LastBlockTime(ctx)
	require.NoError(t, err)
	require.Equal(t, indextest.T0.Add(3*time.Hour), lt)

	require.NoError(t, s.Reset(ctx))
	h, _ = s.Height(ctx)
	require.Zero(t, h)
	recs, err := s.Records(ctx, index.RecordQuery{})
	require.NoError(t, err)
	require.Empty(t, recs)
}

func TestReopenResumes(t *testing.T) { eachBackend(t, testReopenResumes) }

func testReopenResumes(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.fresh(t)
	applyAll(t, s, indextest.Blocks()[:2])
	require.NoError(t, s.Close())
	s = b.reopen(t) // migrations are not applied twice
	h, _ := s.Height(ctx)
	require.EqualValues(t, 2, h)
	require.NoError(t, s.Apply(ctx, indextest.Blocks()[2]))
}

func TestRecordFilters(t *testing.T) { eachBackend(t, testRecordFilters) }

func testRecordFilters(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.fresh(t)
	applyAll(t, s, indextest.Blocks())
	from := indextest.T0.Add(2 * time.Hour)
	to := indextest.T0.Add(2*time.Hour + 30*time.Minute)
	cases := []struct {
		name string
		q    index.RecordQuery
		want []string
	}{
		{"all", index.RecordQuery{}, []string{"business/91350200MA2Y00010L", "business/91430111MA4L41YT1U", "evidence/0123456789abcdef0123456789abcdef", "grant/fedcba9876543210fedcba9876543210", "invoice/26350200000000000001"}},
		{"kind", index.RecordQuery{Kind: "invoice"}, []string{"invoice/26350200000000000001"}},
		{"uscc: the business, its invoices and grants", index.RecordQuery{USCC: "91350200MA2Y00010L"}, []string{"business/91350200MA2Y00010L", "grant/fedcba9876543210fedcba9876543210", "invoice/26350200000000000001"}},
		{"name, any case", index.RecordQuery{Name: "HARBOUR"}, []string{"business/91350200MA2Y00010L"}},
		{"name with LIKE wildcards taken literally", index.RecordQuery{Name: "100%_t"}, []string{"business/91430111MA4L41YT1U"}},
		{"a % alone matches only a %", index.RecordQuery{Name: "%"}, []string{"business/91430111MA4L41YT1U"}},
		{"name in Chinese", index.RecordQuery{Name: "长沙"}, []string{"business/91430111MA4L41YT1U"}},
		{"agency", index.RecordQuery{Agency: "TaxMSP"}, []string{"invoice/26350200000000000001"}},
		{"status: the latest version only", index.RecordQuery{Status: "SUSPENDED"}, []string{"business/91350200MA2Y00010L"}},
		{"no ACTIVE Xiamen any more", index.RecordQuery{Status: "ACTIVE", Kind: "business"}, []string{"business/91430111MA4L41YT1U"}},
		{"updated in a range", index.RecordQuery{From: &from, To: &to}, []string{"evidence/0123456789abcdef0123456789abcdef", "invoice/26350200000000000001"}},
		{"amount range", index.RecordQuery{MinAmount: indextest.Amount(1000), MaxAmount: indextest.Amount(400000)}, []string{"business/91430111MA4L41YT1U", "invoice/26350200000000000001"}},
		{"min amount leaves out records without one", index.RecordQuery{MinAmount: indextest.Amount(0)}, []string{"business/91350200MA2Y00010L", "business/91430111MA4L41YT1U", "invoice/26350200000000000001"}},
		{"nothing", index.RecordQuery{Name: "nobody"}, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.Records(ctx, c.q)
			require.NoError(t, err)
			require.Equal(t, c.want, ids(got))
		})
	}
	// The latest version is kept with its block and transaction; the creation time stays.
	got, err := s.Records(ctx, index.RecordQuery{Kind: "business", USCC: "91350200MA2Y00010L"})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.EqualValues(t, 3, got[0].Block)
	require.Equal(t, indextest.TxID(3, 0), got[0].TxID)
	require.Equal(t, indextest.T0, got[0].CreatedAt)
	require.Equal(t, int64(500000000), *got[0].AmountFen)
}

func TestRecordPaging(t *testing.T) { eachBackend(t, testRecordPaging) }

func testRecordPaging(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.fresh(t)
	applyAll(t, s, indextest.Blocks())
	var all []string
	var after *index.RecordKey
	for {
		page, err := s.Records(ctx, index.RecordQuery{PageSize: 2, After: after})
		require.NoError(t, err)
		if len(page) == 0 {
			break
		}
		all = append(all, ids(page)...)
		last := page[len(page)-1]
		after = &index.RecordKey{Kind: last.Kind, ID: last.ID}
	}
	require.Len(t, all, 5)
	require.IsIncreasing(t, all)
}

func TestTransactions(t *testing.T) { eachBackend(t, testTransactions) }

func testTransactions(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.fresh(t)
	applyAll(t, s, indextest.Blocks())
	no := false
	invalid, err := s.Transactions(ctx, index.TxQuery{Valid: &no})
	require.NoError(t, err)
	require.Len(t, invalid, 1)
	require.Equal(t, "MVCC_READ_CONFLICT", invalid[0].ValidationName)
	require.EqualValues(t, 11, invalid[0].ValidationCode)
	require.Equal(t, []string{"MarketMSP", "TaxMSP"}, invalid[0].Endorsers)
	for _, code := range []string{"11", "MVCC_READ_CONFLICT", "mvcc_read_conflict"} {
		got, err := s.Transactions(ctx, index.TxQuery{Code: code})
		require.NoError(t, err)
		require.Len(t, got, 1, code)
	}
	// The invalid transaction's write is not a record version.
	d, err := s.Dump(ctx, 4)
	require.NoError(t, err)
	require.Len(t, d.Versions, 6)
	require.Len(t, d.Transactions, 8)

	all, err := s.Transactions(ctx, index.TxQuery{PageSize: 3})
	require.NoError(t, err)
	require.Len(t, all, 3)
	next, err := s.Transactions(ctx, index.TxQuery{PageSize: 100, After: &index.TxKey{Block: all[2].Block, Index: all[2].TxIndex}})
	require.NoError(t, err)
	require.Len(t, next, 5)
	require.Equal(t, uint64(2), next[0].Block)
	require.Equal(t, 0, next[0].TxIndex)

	tax, err := s.Transactions(ctx, index.TxQuery{Agency: "TaxMSP", Function: "invoice:Issue"})
	require.NoError(t, err)
	require.Len(t, tax, 1)
	from := indextest.T0.Add(3 * time.Hour)
	late, err := s.Transactions(ctx, index.TxQuery{From: &from})
	require.NoError(t, err)
	require.Len(t, late, 2)
}

func TestStats(t *testing.T) { eachBackend(t, testStats) }

func testStats(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.fresh(t)
	applyAll(t, s, indextest.Blocks())
	got, err := s.Stats(ctx, index.StatsQuery{Bucket: 24 * time.Hour, From: indextest.T0.Add(-24 * time.Hour), To: indextest.T0.Add(24 * time.Hour)})
	require.NoError(t, err)
	day := indextest.T0.Truncate(24 * time.Hour)
	require.Equal(t, []index.Bucket{
		{Start: day, Agency: "", Blocks: 1, Transactions: 1},
		{Start: day, Agency: "MarketMSP", Blocks: 3, Transactions: 5, Invalid: 1},
		{Start: day, Agency: "NotaryMSP", Blocks: 1, Transactions: 1},
		{Start: day, Agency: "TaxMSP", Blocks: 1, Transactions: 1},
	}, got)
	hours, err := s.Stats(ctx, index.StatsQuery{Bucket: time.Hour, From: indextest.T0, To: indextest.T0.Add(3 * time.Hour)})
	require.NoError(t, err)
	require.Len(t, hours, 5) // config + block 1 market + block 2 market, notary, tax (block 3 is at indextest.T0+3h, excluded)
}

func TestRebind(t *testing.T) {
	q := `SELECT a FROM t WHERE x = ? AND (y > ? OR z LIKE ? ESCAPE '\') LIMIT 5`
	require.Equal(t, q, sqliteDialect.rebind(q))
	require.Equal(t, `SELECT a FROM t WHERE x = $1 AND (y > $2 OR z LIKE $3 ESCAPE '\') LIMIT 5`, postgresDialect.rebind(q))
	require.Equal(t, "pgx", postgresDialect.driver)
	require.Equal(t, "sqlite", sqliteDialect.driver)
	require.Equal(t, `%a\%b\_c\\d%`, likePattern(`a%b_c\d`))
	// Every statement of the schema has no placeholder a rebind could break.
	for _, m := range migrations {
		for _, stmt := range m {
			require.Equal(t, stmt, postgresDialect.rebind(stmt))
		}
	}
}

func TestOpenUnknownDriver(t *testing.T) {
	_, err := Open(context.Background(), "mysql", "x")
	require.ErrorContains(t, err, "unknown driver")
}

func TestMemory(t *testing.T) {
	ctx := context.Background()
	s, err := OpenMemory(ctx)
	require.NoError(t, err)
	defer s.Close()
	applyAll(t, s, indextest.Blocks())
	h, _ := s.Height(ctx)
	require.EqualValues(t, 4, h)
}
