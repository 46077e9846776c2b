package index_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/govchain/govchain/gateway/internal/index"
	"github.com/govchain/govchain/gateway/internal/index/indextest"
	"github.com/govchain/govchain/gateway/internal/index/sqlstore"
	"github.com/stretchr/testify/require"
)

func scratch(ctx context.Context) (index.Store, error) { return sqlstore.OpenMemory(ctx) }

var orgs = map[string]string{"MarketMSP": "market", "TaxMSP": "tax", "NotaryMSP": "notary", "AuditMSP": "audit"}

// run starts svc and returns a stop that waits for it.
func run(svc *index.Service) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx) }()
	return func() { cancel(); <-done }
}

func waitHeight(t *testing.T, svc *index.Service, h uint64) index.Position {
	t.Helper()
	var pos index.Position
	require.Eventually(t, func() bool {
		var err error
		pos, err = svc.Position(context.Background())
		return err == nil && pos.Height == h
	}, 5*time.Second, 5*time.Millisecond)
	return pos
}

func TestFollowResumeRebuildCheck(t *testing.T) {
	ctx := context.Background()
	dsn := "file:" + filepath.Join(t.TempDir(), "index.db") + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
	store, err := sqlstore.Open(ctx, "sqlite", dsn)
	require.NoError(t, err)
	blocks := indextest.Blocks()
	src := indextest.NewSource(blocks[:2])
	svc := index.New(store, src, index.Options{Orgs: orgs, PollInterval: 10 * time.Millisecond, Scratch: scratch})
	stop := run(svc)
	waitHeight(t, svc, 2)
	src.Append(blocks[2:]...)
	pos := waitHeight(t, svc, 4)
	require.Eventually(t, func() bool { p, _ := svc.Position(ctx); return p.LedgerHeight == 4 && p.Behind == 0 }, 5*time.Second, 5*time.Millisecond)
	st, err := svc.Status(ctx)
	require.NoError(t, err)
	require.Equal(t, "sqlite", st.Driver)
	require.True(t, st.Following)
	require.NotNil(t, st.CheckedAt)
	require.Equal(t, indextest.T0.Add(3*time.Hour), *st.LastBlockAt)
	_ = pos
	stop()
	require.NoError(t, store.Close())

	// A restart resumes from the checkpoint.
	store, err = sqlstore.Open(ctx, "sqlite", dsn)
	require.NoError(t, err)
	defer store.Close()
	src2 := indextest.NewSource(blocks)
	svc = index.New(store, src2, index.Options{Orgs: orgs, PollInterval: 10 * time.Millisecond, Scratch: scratch})
	stop = run(svc)
	defer stop()
	require.Eventually(t, func() bool { return len(src2.StartsSeen()) > 0 }, 5*time.Second, 5*time.Millisecond)
	require.Equal(t, []uint64{4}, src2.StartsSeen())

	// The self-check agrees with the ledger.
	rep, err := svc.Check(ctx, time.Minute)
	require.NoError(t, err)
	require.True(t, rep.OK, "%+v", rep)
	require.True(t, rep.Complete)
	require.EqualValues(t, 4, rep.BlocksChecked)
	require.Equal(t, 8, rep.Transactions)
	require.Equal(t, 5, rep.Records)

	// A ledger that differs from the index (here: the source's block 2 changed) is reported.
	changed := blocks[2]
	changed.Txs = append([]index.Tx(nil), changed.Txs...)
	changed.Txs[1].ValidationCode, changed.Txs[1].ValidationName = 0, "VALID"
	changed.Records = append([]index.Record(nil), changed.Records...)
	changed.Records[0].Status = "REVERSED"
	src2.Replace(changed)
	rep, err = svc.Check(ctx, time.Minute)
	require.NoError(t, err)
	require.False(t, rep.OK)
	require.Equal(t, 5, rep.MismatchCount, "%+v", rep.Mismatches) // transaction and version: each side; the record: one row that differs
	require.Contains(t, rep.Mismatches[0].Index+rep.Mismatches[0].Ledger, "transaction 2/1")
	st, _ = svc.Status(ctx)
	require.False(t, st.LastCheck.OK)

	// A rebuild replays from block 0 and takes the ledger as it is now.
	zeros := func() (n int) {
		for _, s := range src2.StartsSeen() {
			if s == 0 {
				n++
			}
		}
		return n
	}
	before := zeros() // the self-checks read from block 0 too
	svc.Rebuild()
	require.Eventually(t, func() bool { return zeros() > before }, 5*time.Second, 5*time.Millisecond)
	waitHeight(t, svc, 4)
	recs, err := svc.Records(ctx, index.RecordQuery{Kind: "invoice"})
	require.NoError(t, err)
	require.Equal(t, "REVERSED", recs[0].Status)
	rep, err = svc.Check(ctx, time.Minute)
	require.NoError(t, err)
	require.True(t, rep.OK, "%+v", rep)
}

func TestCheckOutOfTime(t *testing.T) {
	ctx := context.Background()
	store, err := sqlstore.OpenMemory(ctx)
	require.NoError(t, err)
	defer store.Close()
	for _, b := range indextest.Blocks() {
		require.NoError(t, store.Apply(ctx, b))
	}
	// The ledger has only 2 of the 4 indexed blocks now: the check cannot complete in time.
	svc := index.New(store, indextest.NewSource(indextest.Blocks()[:2]), index.Options{Scratch: scratch})
	rep, err := svc.Check(ctx, 100*time.Millisecond)
	require.NoError(t, err)
	require.False(t, rep.Complete)
	require.False(t, rep.OK)
	require.EqualValues(t, 2, rep.BlocksChecked)
	require.Zero(t, rep.MismatchCount, "%+v", rep.Mismatches) // what was checked agrees
}

func TestOrgNames(t *testing.T) {
	svc := index.New(nil, nil, index.Options{Orgs: orgs})
	require.Equal(t, "market", svc.OrgName("MarketMSP"))
	require.Equal(t, "orderer", svc.OrgName("OrdererMSP"))
	for _, a := range []string{"tax", "TAX", "TaxMSP", "taxmsp"} {
		msp, ok := svc.AgencyMSP(a)
		require.True(t, ok, a)
		require.Equal(t, "TaxMSP", msp)
	}
	_, ok := svc.AgencyMSP("court")
	require.False(t, ok)
}

func TestRecordFromWrite(t *testing.T) {
	cases := []struct {
		key, value string
		ok         bool
		want       index.Record
	}{
		{"biz~91350200MA2Y00010L", `{"uscc":"91350200MA2Y00010L","name":"Harbour","legal_representative":"Chen Hua","registered_capital_fen":5,"status":"ACTIVE","personal":{"fields":[{"field":"id_number","hash":"ab","stage_tx_id":"cd"}]},"owner_org":"MarketMSP","created_at":"2026-11-27T08:00:00Z","updated_at":"2026-11-28T08:00:00Z"}`, true,
			index.Record{Kind: "business", ID: "91350200MA2Y00010L", USCC: "91350200MA2Y00010L", Name: "Harbour", Agency: "MarketMSP", AmountFen: indextest.Amount(5), Status: "ACTIVE",
				CreatedAt: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)}},
		{"inv~26350200000000000001", `{"number":"26350200000000000001","seller_uscc":"91350200MA2Y00010L","buyer_name":"City Library","total_fen":-395500,"status":"ISSUED","owner_org":"TaxMSP"}`, true,
			index.Record{Kind: "invoice", ID: "26350200000000000001", USCC: "91350200MA2Y00010L", Name: "City Library", Agency: "TaxMSP", AmountFen: indextest.Amount(-395500), Status: "ISSUED"}},
		{"evi~0123", `{"id":"0123","file_name":"contract.pdf","size_bytes":99,"status":"DEPOSITED","owner_org":"NotaryMSP"}`, true,
			index.Record{Kind: "evidence", ID: "0123", Name: "contract.pdf", Agency: "NotaryMSP", Status: "DEPOSITED"}},
		{"grt~abcd", `{"id":"abcd","record":"91350200MA2Y00010L","grantee":"TaxMSP","purpose":"AUDIT","status":"ACTIVE","owner_org":"MarketMSP"}`, true,
			index.Record{Kind: "grant", ID: "abcd", USCC: "91350200MA2Y00010L", Name: "AUDIT", Agency: "MarketMSP", Status: "ACTIVE"}},
		{"acc~x", `{"id":"x"}`, false, index.Record{}},                        // the access trail is not indexed
		{"bizname~Harbour\x0191350200MA2Y00010L", "x", false, index.Record{}}, // an index entry
		{"biz~X", `not json`, false, index.Record{}},
		{"biz~X", `{"name":"no uscc"}`, false, index.Record{}},
	}
	for _, c := range cases {
		got, ok := index.RecordFromWrite(c.key, []byte(c.value))
		require.Equal(t, c.ok, ok, c.key)
		require.Equal(t, c.want, got, c.key)
	}
}
