// Package sqlstore is the index's database: SQLite (modernc.org/sqlite, pure Go) or
// PostgreSQL (pgx), through database/sql, with one schema and one set of statements.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/govchain/govchain/gateway/internal/index"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"
)

// Store is an index.Store over database/sql.
type Store struct {
	db *sql.DB
	d  dialect
}

var _ index.Store = (*Store)(nil)

// Open opens (creating or migrating it) the index database. driver is sqlite or postgres.
func Open(ctx context.Context, driver, dsn string) (*Store, error) {
	var d dialect
	switch driver {
	case "sqlite":
		d = sqliteDialect
	case "postgres":
		d = postgresDialect
	default:
		return nil, fmt.Errorf("index: unknown driver %q", driver)
	}
	db, err := sql.Open(d.driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("index: open %s: %w", driver, err)
	}
	if d.name == "sqlite" && strings.Contains(dsn, ":memory:") {
		db.SetMaxOpenConns(1) // each connection to :memory: is a database of its own
	}
	s := &Store{db: db, d: d}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// OpenMemory opens an empty in-memory SQLite index (the self-check's scratch database).
func OpenMemory(ctx context.Context) (*Store, error) {
	return Open(ctx, "sqlite", "file::memory:")
}

func (s *Store) Driver() string { return s.d.name }

func (s *Store) Close() error { return s.db.Close() }

func (s *Store) exec(ctx context.Context, q sqlExecer, stmt string, args ...any) error {
	_, err := q.ExecContext(ctx, s.d.rebind(stmt), args...)
	return err
}

type sqlExecer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// migrate applies the migrations not yet applied, each in its own transaction.
func (s *Store) migrate(ctx context.Context) error {
	if err := s.exec(ctx, s.db, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("index: schema: %w", err)
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		if err := s.exec(ctx, s.db, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return fmt.Errorf("index: schema: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("index: schema: %w", err)
	}
	if n > len(migrations) {
		return fmt.Errorf("index: the database has schema version %d, this gateway knows %d: use a newer gateway or rebuild the index", n, len(migrations))
	}
	for v := n; v < len(migrations); v++ {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for _, stmt := range migrations[v] {
			if err := s.exec(ctx, tx, stmt); err != nil {
				tx.Rollback()
				return fmt.Errorf("index: migration %d: %w", v+1, err)
			}
		}
		if err := s.exec(ctx, tx, `UPDATE schema_version SET version = ?`, v+1); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("index: migration %d: %w", v+1, err)
		}
	}
	return nil
}

func (s *Store) Height(ctx context.Context) (uint64, error) {
	var h int64
	err := s.db.QueryRowContext(ctx, `SELECT height FROM checkpoint WHERE id = 1`).Scan(&h)
	return uint64(h), err
}

func (s *Store) LastBlockTime(ctx context.Context) (time.Time, error) {
	var t int64
	if err := s.db.QueryRowContext(ctx, `SELECT block_time FROM checkpoint WHERE id = 1`).Scan(&t); err != nil || t == 0 {
		return time.Time{}, err
	}
	return fromMicros(t), nil
}

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(m int64) time.Time { return time.UnixMicro(m).UTC() }

// Apply writes b and moves the checkpoint past it, in one transaction.
func (s *Store) Apply(ctx context.Context, b index.Block) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var h int64
	lock := ""
	if s.d.name == "postgres" {
		lock = " FOR UPDATE" // two gateways sharing one database apply a block one at a time
	}
	if err := tx.QueryRowContext(ctx, `SELECT height FROM checkpoint WHERE id = 1`+lock).Scan(&h); err != nil {
		return err
	}
	switch {
	case b.Number < uint64(h):
		return nil // indexed already
	case b.Number > uint64(h):
		return fmt.Errorf("index: block %d does not follow the checkpoint (next block %d)", b.Number, h)
	}
	for _, t := range b.Txs {
		valid := 0
		if t.Valid() {
			valid = 1
		}
		if err := s.exec(ctx, tx, `INSERT INTO transactions (block, tx_index, tx_id, ts, creator_msp, endorsers, function, validation_code, validation_name, valid)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (block, tx_index) DO NOTHING`,
			int64(t.Block), t.TxIndex, t.TxID, micros(t.Timestamp), t.CreatorMSP, strings.Join(t.Endorsers, ","), t.Function, t.ValidationCode, t.ValidationName, valid); err != nil {
			return fmt.Errorf("index: block %d transaction %d: %w", b.Number, t.TxIndex, err)
		}
	}
	for _, r := range b.Records {
		if err := s.exec(ctx, tx, `INSERT INTO versions (kind, id, block, tx_index, tx_id, agency, amount_fen, status, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, id, block, tx_index) DO NOTHING`,
			r.Kind, r.ID, int64(r.Block), r.TxIndex, r.TxID, r.Agency, r.AmountFen, r.Status, micros(r.UpdatedAt)); err != nil {
			return fmt.Errorf("index: block %d %s %s: %w", b.Number, r.Kind, r.ID, err)
		}
		if err := s.exec(ctx, tx, `INSERT INTO records (kind, id, uscc, name, name_lower, agency, amount_fen, status, created_at, updated_at, block, tx_index, tx_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (kind, id) DO UPDATE SET uscc = excluded.uscc, name = excluded.name, name_lower = excluded.name_lower,
				agency = excluded.agency, amount_fen = excluded.amount_fen, status = excluded.status, created_at = excluded.created_at,
				updated_at = excluded.updated_at, block = excluded.block, tx_index = excluded.tx_index, tx_id = excluded.tx_id
			WHERE records.block < excluded.block OR (records.block = excluded.block AND records.tx_index <= excluded.tx_index)`,
			r.Kind, r.ID, r.USCC, r.Name, strings.ToLower(r.Name), r.Agency, r.AmountFen, r.Status, micros(r.CreatedAt), micros(r.UpdatedAt), int64(r.Block), r.TxIndex, r.TxID); err != nil {
			return fmt.Errorf("index: block %d %s %s: %w", b.Number, r.Kind, r.ID, err)
		}
	}
	if err := s.exec(ctx, tx, `UPDATE checkpoint SET height = ?, block_time = ?, indexed_at = ? WHERE id = 1`,
		int64(b.Number)+1, micros(b.Time), time.Now().UnixMicro()); err != nil {
		return err
	}
	return tx.Commit()
}

// Reset empties every table and sets the checkpoint to 0, in one transaction.
func (s *Store) Reset(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, stmt := range []string{`DELETE FROM records`, `DELETE FROM versions`, `DELETE FROM transactions`,
		`UPDATE checkpoint SET height = 0, block_time = 0, indexed_at = 0 WHERE id = 1`} {
		if err := s.exec(ctx, tx, stmt); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// where accumulates conditions and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

const recordColumns = `kind, id, uscc, name, agency, amount_fen, status, created_at, updated_at, block, tx_index, tx_id`

func (s *Store) Records(ctx context.Context, q index.RecordQuery) ([]index.Record, error) {
	var w where
	if q.Kind != "" {
		w.add(`kind = ?`, q.Kind)
	}
	if q.USCC != "" {
		w.add(`uscc = ?`, q.USCC)
	}
	if q.Name != "" {
		w.add(`name_lower LIKE ? ESCAPE '\'`, likePattern(strings.ToLower(q.Name)))
	}
	if q.Agency != "" {
		w.add(`agency = ?`, q.Agency)
	}
	if q.Status != "" {
		w.add(`status = ?`, q.Status)
	}
	if q.From != nil {
		w.add(`updated_at >= ?`, micros(*q.From))
	}
	if q.To != nil {
		w.add(`updated_at <= ?`, micros(*q.To))
	}
	if q.MinAmount != nil {
		w.add(`amount_fen >= ?`, *q.MinAmount)
	}
	if q.MaxAmount != nil {
		w.add(`amount_fen <= ?`, *q.MaxAmount)
	}
	if q.After != nil {
		w.add(`(kind > ? OR (kind = ? AND id > ?))`, q.After.Kind, q.After.Kind, q.After.ID)
	}
	stmt := `SELECT ` + recordColumns + ` FROM records` + w.sql() + ` ORDER BY kind, id LIMIT ` + strconv.Itoa(limit(q.PageSize))
	rows, err := s.db.QueryContext(ctx, s.d.rebind(stmt), w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []index.Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func limit(n int) int {
	if n <= 0 {
		return 50
	}
	return n
}

func scanRecord(rows *sql.Rows) (index.Record, error) {
	var (
		r                index.Record
		amount           sql.NullInt64
		created, updated int64
		block            int64
		txIndex          int64
	)
	if err := rows.Scan(&r.Kind, &r.ID, &r.USCC, &r.Name, &r.Agency, &amount, &r.Status, &created, &updated, &block, &txIndex, &r.TxID); err != nil {
		return r, err
	}
	if amount.Valid {
		a := amount.Int64
		r.AmountFen = &a
	}
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
	r.Block, r.TxIndex = uint64(block), int(txIndex)
	return r, nil
}

const txColumns = `block, tx_index, tx_id, ts, creator_msp, endorsers, function, validation_code, validation_name`

func (s *Store) Transactions(ctx context.Context, q index.TxQuery) ([]index.Tx, error) {
	var w where
	if q.Valid != nil {
		v := 0
		if *q.Valid {
			v = 1
		}
		w.add(`valid = ?`, v)
	}
	if q.Code != "" {
		if n, err := strconv.ParseInt(q.Code, 10, 32); err == nil {
			w.add(`validation_code = ?`, n)
		} else {
			w.add(`validation_name = ?`, strings.ToUpper(q.Code))
		}
	}
	if q.Agency != "" {
		w.add(`creator_msp = ?`, q.Agency)
	}
	if q.Function != "" {
		w.add(`function = ?`, q.Function)
	}
	if q.From != nil {
		w.add(`ts >= ?`, micros(*q.From))
	}
	if q.To != nil {
		w.add(`ts <= ?`, micros(*q.To))
	}
	if q.After != nil {
		w.add(`(block > ? OR (block = ? AND tx_index > ?))`, int64(q.After.Block), int64(q.After.Block), q.After.Index)
	}
	stmt := `SELECT ` + txColumns + ` FROM transactions` + w.sql() + ` ORDER BY block, tx_index LIMIT ` + strconv.Itoa(limit(q.PageSize))
	rows, err := s.db.QueryContext(ctx, s.d.rebind(stmt), w.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []index.Tx
	for rows.Next() {
		t, err := scanTx(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func scanTx(rows *sql.Rows) (index.Tx, error) {
	var (
		t         index.Tx
		block, ts int64
		txIndex   int64
		endorsers string
		code      int64
	)
	if err := rows.Scan(&block, &txIndex, &t.TxID, &ts, &t.CreatorMSP, &endorsers, &t.Function, &code, &t.ValidationName); err != nil {
		return t, err
	}
	t.Block, t.TxIndex, t.ValidationCode = uint64(block), int(txIndex), int32(code)
	t.Timestamp = fromMicros(ts)
	t.Endorsers = []string{}
	if endorsers != "" {
		t.Endorsers = strings.Split(endorsers, ",")
	}
	return t, nil
}

func (s *Store) Stats(ctx context.Context, q index.StatsQuery) ([]index.Bucket, error) {
	size := q.Bucket.Microseconds()
	if size <= 0 {
		return nil, fmt.Errorf("index: bucket must be positive")
	}
	// ts >= 0 always (microseconds since 1970), so integer division floors. GROUP BY by
	// position: both databases accept it for an expression over a parameter.
	stmt := `SELECT (ts / ?) * ?, creator_msp, COUNT(DISTINCT block), COUNT(*), SUM(1 - valid)
		FROM transactions WHERE ts >= ? AND ts < ? GROUP BY 1, 2 ORDER BY 1, 2`
	rows, err := s.db.QueryContext(ctx, s.d.rebind(stmt), size, size, micros(q.From), micros(q.To))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []index.Bucket
	for rows.Next() {
		var (
			b     index.Bucket
			start int64
		)
		if err := rows.Scan(&start, &b.Agency, &b.Blocks, &b.Transactions, &b.Invalid); err != nil {
			return nil, err
		}
		b.Start = fromMicros(start)
		out = append(out, b)
	}
	return out, rows.Err()
}

// Dump lists the rows about blocks below height, one canonical line each; a record whose
// latest version is at or above it is listed as index.LaterRecord.
func (s *Store) Dump(ctx context.Context, below uint64) (index.Dump, error) {
	d := index.Dump{Records: map[string]string{}}
	rows, err := s.db.QueryContext(ctx, s.d.rebind(`SELECT `+txColumns+` FROM transactions WHERE block < ? ORDER BY block, tx_index`), int64(below))
	if err != nil {
		return d, err
	}
	for rows.Next() {
		t, err := scanTx(rows)
		if err != nil {
			rows.Close()
			return d, err
		}
		d.Transactions = append(d.Transactions, fmt.Sprintf("transaction %d/%d %s ts=%s creator=%s endorsers=%s function=%s code=%d/%s",
			t.Block, t.TxIndex, t.TxID, t.Timestamp.Format(time.RFC3339Nano), t.CreatorMSP, strings.Join(t.Endorsers, ","), t.Function, t.ValidationCode, t.ValidationName))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return d, err
	}
	sort.Strings(d.Transactions)
	rows, err = s.db.QueryContext(ctx, s.d.rebind(`SELECT kind, id, block, tx_index, tx_id, agency, amount_fen, status, updated_at FROM versions WHERE block < ?`), int64(below))
	if err != nil {
		return d, err
	}
	for rows.Next() {
		var (
			kind, id, txID, agency, status string
			block, txIndex, updated        int64
			amount                         sql.NullInt64
		)
		if err := rows.Scan(&kind, &id, &block, &txIndex, &txID, &agency, &amount, &status, &updated); err != nil {
			rows.Close()
			return d, err
		}
		d.Versions = append(d.Versions, fmt.Sprintf("version %s/%s %d/%d %s agency=%s amount=%s status=%s updated=%d",
			kind, id, block, txIndex, txID, agency, nullInt(amount), status, updated))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return d, err
	}
	sort.Strings(d.Versions)
	rows, err = s.db.QueryContext(ctx, `SELECT `+recordColumns+` FROM records`)
	if err != nil {
		return d, err
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return d, err
		}
		if r.Block >= below {
			d.Records[r.Kind+"/"+r.ID] = index.LaterRecord
			continue
		}
		d.Records[r.Kind+"/"+r.ID] = RecordLine(r)
	}
	return d, rows.Err()
}

// RecordLine is a record's canonical line in a Dump.
func RecordLine(r index.Record) string {
	amount := "null"
	if r.AmountFen != nil {
		amount = strconv.FormatInt(*r.AmountFen, 10)
	}
	return fmt.Sprintf("record %s/%s uscc=%s name=%q agency=%s amount=%s status=%s created=%d updated=%d at=%d/%d %s",
		r.Kind, r.ID, r.USCC, r.Name, r.Agency, amount, r.Status, micros(r.CreatedAt), micros(r.UpdatedAt), r.Block, r.TxIndex, r.TxID)
}

func nullInt(n sql.NullInt64) string {
	if !n.Valid {
		return "null"
	}
	return strconv.FormatInt(n.Int64, 10)
}
