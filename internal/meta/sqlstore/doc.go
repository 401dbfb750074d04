// Package sqlstore is the one implementation of easel.MetaStore,
// TaskStore, AnalysisStore and EventOutbox behind the sqlite and postgres
// packages. Its queries are written once, with '?' placeholders; a backend
// package opens the database, migrates it (Migrations: the shared files in
// migrations/ plus the backend's own where the SQL differs), adapts its
// driver to DB (FromSQL for database/sql drivers) and passes New its
// Dialect: the name in its error messages, how its driver reports
// constraint violations, and whether UpdateTask must lock the task's row.
//
// Times are BIGINT Unix nanoseconds (UTC), byte strings lower-case hex
// TEXT, structured values JSON in TEXT, so that the SQL is portable. See
// the backend packages for how each database is run.
package sqlstore
