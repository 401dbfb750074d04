// Package sqlite is an easel.MetaStore on an SQLite database file, using the
// pure-Go driver modernc.org/sqlite (no cgo).
//
// The database runs in WAL mode with synchronous=NORMAL, foreign keys on and
// a busy timeout. A Store holds two connection pools on the file: a pool of
// read-only connections and a single write connection whose transactions
// begin IMMEDIATE, so writers in one process queue in Go instead of failing
// with SQLITE_BUSY. Several processes (the api and worker roles) may open the
// same file; between processes the busy timeout makes writers wait for each
// other.
//
// # Schema
//
// The Store's methods and queries are internal/meta/sqlstore's, shared with
// the postgres package; this package opens the file, migrates it and gives
// sqlstore its Dialect (dialect.go: SQLite's constraint error codes).
//
// The schema is built by versioned migrations (NNNN_name.sql, applied in
// order of NNNN): sqlstore's shared files plus SQLite's own in migrations/
// where the SQL differs (the event outbox's rowid sequence). Open applies each
// missing one in its own transaction and records it in schema_migrations
// (version, applied_at), so reopening a database applies nothing twice. Open
// refuses a database migrated by a newer easel.
//
// # Times
//
// Times are stored as BIGINT Unix nanoseconds and read back in UTC: a
// time.Time round-trips exactly to the nanosecond (its location becomes UTC
// and its monotonic reading is dropped). Times outside the years 1678–2262,
// including the zero time.Time, are refused with easel.CodeInvalidArgument.
//
// Byte strings (API key hashes, signing secrets) are stored as hex text and
// EXIF as a JSON object in text, so the SQL stays portable to PostgreSQL. An
// asset with no EXIF entries (nil or empty map) reads back with a nil map.
//
// # Tasks
//
// The Store is also an easel.TaskStore (migration 0002). A task's ops,
// timings, outputs and error are JSON text; timings use the API's form
// (fractional milliseconds) and are read back rounded to the nanosecond, so
// they round-trip exactly. Empty outputs and a nil error are NULL and read
// back nil. A tenant's webhook secret is the hex column tenants.webhook_secret.
// UpdateTask is a compare-and-set UPDATE on the write connection; it tells
// a missing task (easel.CodeNotFound) from a state mismatch (false, nil).
//
// # Event outbox
//
// The Store is also an easel.EventOutbox (migration 0004): CreateTasks
// inserts each task's event into task_events, and UpdateTask, in the same
// IMMEDIATE transaction as its UPDATE, an INSERT … SELECT from the task row
// under the same compare-and-set condition (and only when the state,
// generation or attempts change), so the event exists exactly when the
// update happened. Rows carry the Store value that wrote them (origin) and
// when; MarkEventsPublished deletes them, so the table holds only the
// backlog. A relay (internal/queue/relay) publishes them.
//
// # Analyses and near duplicates
//
// The Store is also an easel.AnalysisStore (migration 0003). An analysis is
// a row of asset_analysis (faces and colours as JSON text, the 64-bit
// hashes as BIGINTs with the same bits), deleted with its asset (ON DELETE
// CASCADE; foreign keys are on). GetAsset and ListAssets fill
// Asset.Analysis by a LEFT JOIN on its primary key, nil when there is none.
//
// SimilarAssets uses multi-index hashing instead of a scan: SetAnalysis
// also writes the pHash's four 16-bit bands to phash_bands, one row each
// with the full pHash, indexed by (tenant_id, band, value, phash,
// asset_id). Two hashes within d ≤ 16 bits agree to within ⌊d/4⌋ bits on at
// least one band, so a search reads, per band, the rows of the values within
// ⌊d/4⌋ bits of the query's (1, 17, 137, 697 or 2,517 values per band for
// ⌊d/4⌋ = 0..4) from the covering index in one UNION ALL query, and keeps
// the candidates truly within d. With a million uniformly random hashes in
// one tenant, d = 8 reads about 8,000 candidates (BenchmarkSimilar1M: about
// 9 ms here); the cost grows with the number of hashes and steeply with d
// (d = 16: about 150,000 candidates, 170 ms).
package sqlite
