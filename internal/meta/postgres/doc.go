// Package postgres is an easel.MetaStore, TaskStore, AnalysisStore and
// EventOutbox on PostgreSQL (tested with 15), through a pgx v5 connection
// pool, so that several `easel api` and `easel worker` processes share one
// database.
//
// # Schema
//
// The migrations (NNNN_name.sql) are the shared ones of internal/meta/
// sqlstore, the schema being portable (times as BIGINT Unix nanoseconds,
// byte strings as hex TEXT, JSON in TEXT, IDs made by easel.NewID), plus
// PostgreSQL's own in migrations/ where the SQL differs: only the event
// outbox's sequence (an identity column instead of SQLite's rowid). Open
// applies the
// missing migrations in one transaction holding an advisory lock, so
// processes starting together apply each exactly once, and a failed one
// leaves nothing behind (PostgreSQL's DDL is transactional). Open refuses a
// database migrated by a newer easel. The tables live in the first schema
// of the connection's search_path (a search_path parameter in the URL
// selects another).
//
// # Queries
//
// The Store is internal/meta/sqlstore's, shared with the sqlite package:
// its queries, written with '?' placeholders, are rewritten to '$n' once
// each (db.go), and its Dialect (dialect.go) classifies PostgreSQL's
// constraint errors, so both stores keep one behaviour, checked by the
// same internal/meta/metatest suite: the compare-and-set of
// UpdateTask with its event in one transaction, the near-duplicate band
// index (SimilarAssets), keys, assets and analyses.
//
// Under READ COMMITTED, two transactions that update one task serialise on
// its row lock (the dialect's LockRows), and the second re-checks the state condition against the
// committed row, so UpdateTask's compare-and-set holds across processes.
// BatchCounts reads in one REPEATABLE READ, read-only transaction.
//
// # Pool and timeouts
//
// Config.MaxConns bounds the pool; Config.QueryTimeout bounds every call the
// caller's context does not bound sooner; Config.ConnectTimeout bounds each
// new connection. Open fails with an error naming meta.postgres.url (its
// password redacted) when the server cannot be reached.
package postgres
