package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/govchain/govchain/gateway/internal/index"
	"github.com/govchain/govchain/internal/domain"
)

// Index is the searchable index (an *index.Service): answers come from its database, never
// from the peers, each with how far the index is behind the ledger.
type Index interface {
	Position(ctx context.Context) (index.Position, error)
	Status(ctx context.Context) (index.Status, error)
	Records(ctx context.Context, q index.RecordQuery) ([]index.Record, error)
	Transactions(ctx context.Context, q index.TxQuery) ([]index.Tx, error)
	Stats(ctx context.Context, q index.StatsQuery) ([]index.Bucket, error)
	Check(ctx context.Context, timeout time.Duration) (*index.CheckReport, error)
	Rebuild()
	OrgName(msp string) string
	AgencyMSP(agency string) (string, bool)
}

// Index page sizes: 1..200, default 50.
const (
	indexMaxPageSize     = 200
	indexDefaultPageSize = 50
	// indexCheckTimeout bounds a self-check; a check that runs out reports how far it got.
	indexCheckTimeout = 2 * time.Minute
	// indexMaxBuckets bounds a stats answer.
	indexMaxBuckets = 2000
)

// index returns the configured index or answers 503.
func (s *Server) index(c *gin.Context) (Index, bool) {
	if s.cfg.Index == nil {
		s.fail(c, &httpError{Code: codeUnavailable, Message: "the index is not enabled on this gateway (index.driver: none)"})
		return nil, false
	}
	return s.cfg.Index, true
}

// indexUnavailable is the answer when the index database fails.
func (s *Server) indexFailed(c *gin.Context, err error) {
	var de *domain.Error
	if errors.As(err, &de) {
		s.fail(c, err)
		return
	}
	s.log.Error("index: query failed", "error", err, "path", c.Request.URL.Path)
	s.fail(c, &httpError{Code: codeUnavailable, Message: "the index database is unavailable; the ledger itself is not affected"})
}

// indexRecordJSON is one record in an index answer.
type indexRecordJSON struct {
	Kind      string `json:"kind"`
	ID        string `json:"id"`
	USCC      string `json:"uscc"`
	Name      string `json:"name"`
	Agency    string `json:"agency"`
	AgencyMSP string `json:"agency_msp"`
	AmountFen *int64 `json:"amount_fen"`
	Status    string `json:"status"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
	Block     uint64 `json:"block"`
	TxID      string `json:"tx_id"`
}

type indexTxJSON struct {
	TxID                 string   `json:"tx_id"`
	Block                uint64   `json:"block"`
	TxIndex              int      `json:"tx_index"`
	Timestamp            string   `json:"timestamp"`
	CreatorMSP           string   `json:"creator_msp"`
	Agency               string   `json:"agency"`
	Endorsers            []string `json:"endorsers"`
	Function             string   `json:"function"`
	ValidationCode       string   `json:"validation_code"`
	ValidationCodeNumber int32    `json:"validation_code_number"`
	Valid                bool     `json:"valid"`
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

var (
	statusRE   = regexp.MustCompile(`^[A-Z_]{1,32}$`)
	codeNameRE = regexp.MustCompile(`^[A-Z_]{1,40}$`)
	functionRE = regexp.MustCompile(`^[A-Za-z_]{1,40}(:[A-Za-z_]{1,60})?$`)
)

// indexPageSize reads page_size (1..200; empty or 0 = 50).
func indexPageSize(c *gin.Context) (int, error) {
	v := c.Query("page_size")
	if v == "" {
		return indexDefaultPageSize, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > indexMaxPageSize {
		return 0, invalid("page_size must be 1..%d (0 or empty = %d), got %q", indexMaxPageSize, indexDefaultPageSize, v)
	}
	if n == 0 {
		n = indexDefaultPageSize
	}
	return n, nil
}

// bookmark decodes the opaque bookmark into v (false when there is none).
func decodeBookmark(c *gin.Context, v any) (bool, error) {
	b := c.Query("bookmark")
	if b == "" {
		return false, nil
	}
	if len(b) > maxBookmark {
		return false, invalid("bookmark is longer than %d characters", maxBookmark)
	}
	raw, err := base64.RawURLEncoding.DecodeString(b)
	if err != nil || json.Unmarshal(raw, v) != nil {
		return false, invalid("bookmark is not one this gateway gave out")
	}
	return true, nil
}

func encodeBookmark(v any) string {
	raw, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(raw)
}

// timeRange reads from and to: RFC 3339, or a date (YYYY-MM-DD, UTC) that covers the whole
// day (from its first to its last microsecond).
func timeRange(c *gin.Context) (from, to *time.Time, err error) {
	parse := func(name string, endOfDay bool) (*time.Time, error) {
		v := c.Query(name)
		if v == "" {
			return nil, nil
		}
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			t = t.UTC()
			return &t, nil
		}
		d, err := time.Parse("2006-01-02", v)
		if err != nil {
			return nil, invalid("%s must be an RFC 3339 time (2026-11-27T08:00:00Z) or a date (2026-11-27), got %q", name, clip(v))
		}
		if endOfDay {
			d = d.AddDate(0, 0, 1).Add(-time.Microsecond)
		}
		return &d, nil
	}
	if from, err = parse("from", false); err != nil {
		return nil, nil, err
	}
	if to, err = parse("to", true); err != nil {
		return nil, nil, err
	}
	if from != nil && to != nil && to.Before(*from) {
		return nil, nil, invalid("to (%s) is before from (%s)", to.Format(time.RFC3339Nano), from.Format(time.RFC3339Nano))
	}
	return from, to, nil
}

// agencyParam resolves ?agency= (an org name or MSP ID) to an MSP ID.
func agencyParam(c *gin.Context, ix Index) (string, error) {
	v := c.Query("agency")
	if v == "" {
		return "", nil
	}
	msp, ok := ix.AgencyMSP(v)
	if !ok {
		return "", invalid("agency must be an org name (market, tax, notary, audit) or its MSP ID (MarketMSP…), got %q", clip(v))
	}
	return msp, nil
}

func amountParam(c *gin.Context, name string) (*int64, error) {
	v := c.Query(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n > domain.MaxMoneyFen || n < -domain.MaxMoneyFen {
		return nil, invalid("%s must be an integer amount in fen (|n| ≤ %d), got %q", name, domain.MaxMoneyFen, clip(v))
	}
	return &n, nil
}

// recordQuery reads the filters of GET /index/records.
func recordQuery(c *gin.Context, ix Index) (index.RecordQuery, error) {
	var q index.RecordQuery
	var err error
	if q.Kind = c.Query("kind"); q.Kind != "" && !slices.Contains(index.Kinds(), q.Kind) {
		return q, invalid("kind must be one of %s, got %q", strings.Join(index.Kinds(), ", "), clip(q.Kind))
	}
	if q.USCC = strings.ToUpper(c.Query("uscc")); q.USCC != "" {
		if err := domain.ValidateUSCCFormat("uscc", q.USCC); err != nil {
			return q, err
		}
	}
	if q.Name = strings.TrimSpace(c.Query("name")); len([]rune(q.Name)) > 200 {
		return q, invalid("name must be at most 200 characters")
	}
	if q.Agency, err = agencyParam(c, ix); err != nil {
		return q, err
	}
	if q.Status = strings.ToUpper(c.Query("status")); q.Status != "" && !statusRE.MatchString(q.Status) {
		return q, invalid("status must be a record status such as ACTIVE, got %q", clip(c.Query("status")))
	}
	if q.From, q.To, err = timeRange(c); err != nil {
		return q, err
	}
	if q.MinAmount, err = amountParam(c, "min_amount"); err != nil {
		return q, err
	}
	if q.MaxAmount, err = amountParam(c, "max_amount"); err != nil {
		return q, err
	}
	if q.MinAmount != nil && q.MaxAmount != nil && *q.MaxAmount < *q.MinAmount {
		return q, invalid("max_amount (%d) is below min_amount (%d)", *q.MaxAmount, *q.MinAmount)
	}
	if q.PageSize, err = indexPageSize(c); err != nil {
		return q, err
	}
	var after index.RecordKey
	if ok, err := decodeBookmark(c, &after); err != nil {
		return q, err
	} else if ok {
		q.After = &after
	}
	return q, nil
}

// GET /index/records: records from the index, in the stable order (kind, id).
func (s *Server) indexRecords(c *gin.Context) {
	ix, ok := s.index(c)
	if !ok {
		return
	}
	q, err := recordQuery(c, ix)
	if err != nil {
		s.fail(c, err)
		return
	}
	recs, bookmark, pos, ok := indexPage(s, c, ix, q.PageSize, func(ctx context.Context, n int) ([]index.Record, error) {
		q.PageSize = n
		return ix.Records(ctx, q)
	}, func(r index.Record) any { return index.RecordKey{Kind: r.Kind, ID: r.ID} })
	if !ok {
		return
	}
	out := make([]indexRecordJSON, 0, len(recs))
	for _, r := range recs {
		out = append(out, indexRecordJSON{Kind: r.Kind, ID: r.ID, USCC: r.USCC, Name: r.Name, Agency: ix.OrgName(r.Agency), AgencyMSP: r.Agency,
			AmountFen: r.AmountFen, Status: r.Status, CreatedAt: rfc3339(r.CreatedAt), UpdatedAt: rfc3339(r.UpdatedAt), Block: r.Block, TxID: r.TxID})
	}
	c.JSON(http.StatusOK, gin.H{"records": out, "bookmark": bookmark, "index": pos})
}

// txQuery reads the filters of GET /index/transactions.
func txQuery(c *gin.Context, ix Index) (index.TxQuery, error) {
	var q index.TxQuery
	var err error
	if v := c.Query("valid"); v != "" {
		b, perr := strconv.ParseBool(v)
		if perr != nil {
			return q, invalid("valid must be true or false, got %q", clip(v))
		}
		q.Valid = &b
	}
	if v := c.Query("code"); v != "" {
		if n, perr := strconv.Atoi(v); perr == nil {
			if n < 0 || n > 255 {
				return q, invalid("code must be a validation code name (MVCC_READ_CONFLICT) or number 0..255, got %q", clip(v))
			}
		} else if !codeNameRE.MatchString(strings.ToUpper(v)) {
			return q, invalid("code must be a validation code name (MVCC_READ_CONFLICT) or number 0..255, got %q", clip(v))
		}
		q.Code = v
	}
	if q.Agency, err = agencyParam(c, ix); err != nil {
		return q, err
	}
	if q.Function = c.Query("function"); q.Function != "" && !functionRE.MatchString(q.Function) {
		return q, invalid("function must look like contract:Function (business:Register), got %q", clip(q.Function))
	}
	if q.From, q.To, err = timeRange(c); err != nil {
		return q, err
	}
	if q.PageSize, err = indexPageSize(c); err != nil {
		return q, err
	}
	var after index.TxKey
	if ok, err := decodeBookmark(c, &after); err != nil {
		return q, err
	} else if ok {
		q.After = &after
	}
	return q, nil
}

// GET /index/transactions: transactions from the index, in ledger order.
func (s *Server) indexTransactions(c *gin.Context) {
	ix, ok := s.index(c)
	if !ok {
		return
	}
	q, err := txQuery(c, ix)
	if err != nil {
		s.fail(c, err)
		return
	}
	txs, bookmark, pos, ok := indexPage(s, c, ix, q.PageSize, func(ctx context.Context, n int) ([]index.Tx, error) {
		q.PageSize = n
		return ix.Transactions(ctx, q)
	}, func(t index.Tx) any { return index.TxKey{Block: t.Block, Index: t.TxIndex} })
	if !ok {
		return
	}
	out := make([]indexTxJSON, 0, len(txs))
	for _, t := range txs {
		endorsers := t.Endorsers
		if endorsers == nil {
			endorsers = []string{}
		}
		out = append(out, indexTxJSON{TxID: t.TxID, Block: t.Block, TxIndex: t.TxIndex, Timestamp: rfc3339(t.Timestamp), CreatorMSP: t.CreatorMSP,
			Agency: ix.OrgName(t.CreatorMSP), Endorsers: endorsers, Function: t.Function, ValidationCode: t.ValidationName,
			ValidationCodeNumber: t.ValidationCode, Valid: t.Valid()})
	}
	c.JSON(http.StatusOK, gin.H{"transactions": out, "bookmark": bookmark, "index": pos})
}

type bucketJSON struct {
	Start        string `json:"start"`
	Agency       string `json:"agency"`
	Blocks       int64  `json:"blocks"`
	Transactions int64  `json:"transactions"`
	Invalid      int64  `json:"invalid"`
}

// GET /index/stats: blocks, transactions and invalid transactions per hour or day and
// agency (the transactions' creator org).
func (s *Server) indexStats(c *gin.Context) {
	ix, ok := s.index(c)
	if !ok {
		return
	}
	bucket := c.DefaultQuery("bucket", "day")
	var size time.Duration
	switch bucket {
	case "hour":
		size = time.Hour
	case "day":
		size = 24 * time.Hour
	default:
		s.fail(c, invalid("bucket must be hour or day, got %q", clip(bucket)))
		return
	}
	from, to, err := timeRange(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	end := time.Now().UTC()
	if to != nil {
		end = *to
	}
	start := end.Add(-30 * 24 * time.Hour)
	if bucket == "hour" {
		start = end.Add(-48 * time.Hour)
	}
	if from != nil {
		start = *from
	}
	start = start.Truncate(size)
	if n := end.Sub(start) / size; n > indexMaxBuckets {
		s.fail(c, invalid("from..to spans %d %ss; at most %d", n, bucket, indexMaxBuckets))
		return
	}
	ctx, cancel := s.readContext(c)
	defer cancel()
	pos, err := ix.Position(ctx)
	if err != nil {
		s.indexFailed(c, err)
		return
	}
	buckets, err := ix.Stats(ctx, index.StatsQuery{Bucket: size, From: start, To: end.Add(time.Microsecond)})
	if err != nil {
		s.indexFailed(c, err)
		return
	}
	out := make([]bucketJSON, 0, len(buckets))
	for _, b := range buckets {
		out = append(out, bucketJSON{Start: b.Start.UTC().Format(time.RFC3339), Agency: ix.OrgName(b.Agency), Blocks: b.Blocks, Transactions: b.Transactions, Invalid: b.Invalid})
	}
	c.JSON(http.StatusOK, gin.H{"bucket": bucket, "from": start.Format(time.RFC3339), "to": end.Format(time.RFC3339Nano), "buckets": out, "index": pos})
}

// GET /index/status
func (s *Server) indexStatus(c *gin.Context) {
	ix, ok := s.index(c)
	if !ok {
		return
	}
	ctx, cancel := s.readContext(c)
	defer cancel()
	st, err := ix.Status(ctx)
	if err != nil {
		s.indexFailed(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

// mayMaintainIndex: the self-check and the rebuild are for auditors and org admins.
func mayMaintainIndex(p Principal) error {
	if p.Role == domain.RoleAuditor || p.Role == "admin" {
		return nil
	}
	return domain.Errorf(domain.CodeForbidden, "only an auditor or an org admin may check or rebuild the index (you are %s/%s)", p.Org, p.Role)
}

// POST /index/check: compare the index with the ledger (bounded; see index.Service.Check).
func (s *Server) indexCheck(c *gin.Context) {
	if err := mayMaintainIndex(principal(c)); err != nil {
		s.fail(c, err)
		return
	}
	ix, ok := s.index(c)
	if !ok {
		return
	}
	rep, err := ix.Check(c.Request.Context(), indexCheckTimeout)
	if errors.Is(err, index.ErrCheckRunning) {
		s.fail(c, domain.Errorf(domain.CodeConflict, "a self-check of the index is running already; try again when it has finished"))
		return
	}
	if err != nil {
		s.indexFailed(c, err)
		return
	}
	c.JSON(http.StatusOK, rep)
}

// POST /index/rebuild: empty the index and replay the ledger from block 0 (202; progress in
// GET /index/status).
func (s *Server) indexRebuild(c *gin.Context) {
	p := principal(c)
	if err := mayMaintainIndex(p); err != nil {
		s.fail(c, err)
		return
	}
	ix, ok := s.index(c)
	if !ok {
		return
	}
	s.log.Info("index: rebuild asked", "org", p.Org, "role", p.Role)
	ix.Rebuild()
	c.JSON(http.StatusAccepted, gin.H{"status": "rebuilding", "status_url": APIPrefix + "/index/status"})
}

// indexPage reads the index's position and one page of size rows (fetch is asked for one
// more, to know whether another page follows: then bookmark is the key of the page's last
// row). A failure has been answered when ok is false.
func indexPage[T any](s *Server, c *gin.Context, ix Index, size int, fetch func(context.Context, int) ([]T, error),
	key func(T) any) (rows []T, bookmark string, pos index.Position, ok bool) {
	ctx, cancel := s.readContext(c)
	defer cancel()
	pos, err := ix.Position(ctx)
	if err != nil {
		s.indexFailed(c, err)
		return nil, "", pos, false
	}
	rows, err = fetch(ctx, size+1)
	if err != nil {
		s.indexFailed(c, err)
		return nil, "", pos, false
	}
	if len(rows) > size {
		rows = rows[:size]
		bookmark = encodeBookmark(key(rows[size-1]))
	}
	return rows, bookmark, pos, true
}
