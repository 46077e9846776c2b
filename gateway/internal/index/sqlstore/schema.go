package sqlstore

// migrations are applied in order; schema_version holds how many have been. Never edit one
// that has shipped: add the next.
var migrations = [][]string{
	{ // 1: the first schema
		`CREATE TABLE checkpoint (
			id INTEGER PRIMARY KEY,
			height BIGINT NOT NULL,
			block_time BIGINT NOT NULL,
			indexed_at BIGINT NOT NULL
		)`,
		`INSERT INTO checkpoint (id, height, block_time, indexed_at) VALUES (1, 0, 0, 0)`,
		// The latest version of each record.
		`CREATE TABLE records (
			kind TEXT NOT NULL,
			id TEXT NOT NULL,
			uscc TEXT NOT NULL,
			name TEXT NOT NULL,
			name_lower TEXT NOT NULL,
			agency TEXT NOT NULL,
			amount_fen BIGINT,
			status TEXT NOT NULL,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL,
			block BIGINT NOT NULL,
			tx_index INTEGER NOT NULL,
			tx_id TEXT NOT NULL,
			PRIMARY KEY (kind, id)
		)`,
		`CREATE INDEX records_uscc ON records (uscc)`,
		`CREATE INDEX records_updated ON records (updated_at)`,
		`CREATE INDEX records_agency ON records (agency, kind, id)`,
		`CREATE INDEX records_amount ON records (amount_fen)`,
		// Every version of every record (one per transaction that wrote it).
		`CREATE TABLE versions (
			kind TEXT NOT NULL,
			id TEXT NOT NULL,
			block BIGINT NOT NULL,
			tx_index INTEGER NOT NULL,
			tx_id TEXT NOT NULL,
			agency TEXT NOT NULL,
			amount_fen BIGINT,
			status TEXT NOT NULL,
			updated_at BIGINT NOT NULL,
			PRIMARY KEY (kind, id, block, tx_index)
		)`,
		`CREATE INDEX versions_block ON versions (block)`,
		// Every transaction, valid or not (a DUPLICATE_TXID shares its id with another).
		`CREATE TABLE transactions (
			block BIGINT NOT NULL,
			tx_index INTEGER NOT NULL,
			tx_id TEXT NOT NULL,
			ts BIGINT NOT NULL,
			creator_msp TEXT NOT NULL,
			endorsers TEXT NOT NULL,
			function TEXT NOT NULL,
			validation_code INTEGER NOT NULL,
			validation_name TEXT NOT NULL,
			valid INTEGER NOT NULL,
			PRIMARY KEY (block, tx_index)
		)`,
		`CREATE INDEX transactions_tx_id ON transactions (tx_id)`,
		`CREATE INDEX transactions_ts ON transactions (ts)`,
		`CREATE INDEX transactions_valid ON transactions (valid, block, tx_index)`,
	},
}
