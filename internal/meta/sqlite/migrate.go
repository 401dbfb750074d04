package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/easelhq/easel/internal/meta/sqlstore"
)

// migrationFiles are SQLite's own migrations, where its SQL differs from
// the shared ones (sqlstore/migrations).
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrate applies the migrations db lacks, each in its own IMMEDIATE
// transaction, so concurrent processes opening the same file apply each one
// exactly once. It returns the names of the migrations it applied.
func migrate(ctx context.Context, db *sql.DB) ([]string, error) {
	ms, err := sqlstore.Migrations(migrationFiles)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    applied_at BIGINT  NOT NULL
)`); err != nil {
		return nil, fmt.Errorf("migrate: create schema_migrations: %w", err)
	}

	var newest sql.NullInt64
	if err := db.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&newest); err != nil {
		return nil, fmt.Errorf("migrate: read schema version: %w", err)
	}
	if latest := ms[len(ms)-1].Version; newest.Valid && int(newest.Int64) > latest {
		return nil, fmt.Errorf("migrate: database schema version %d is newer than this program's %d", newest.Int64, latest)
	}

	var applied []string
	for _, m := range ms {
		did, err := applyMigration(ctx, db, m)
		if err != nil {
			return nil, fmt.Errorf("migrate: %s: %w", m.Name, err)
		}
		if did {
			applied = append(applied, m.Name)
		}
	}
	return applied, nil
}

// applyMigration applies m unless it was, and reports whether it did.
func applyMigration(ctx context.Context, db *sql.DB, m sqlstore.Migration) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() { _ = tx.Rollback() }()

	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil // applied before, maybe by another process
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
		m.Version, time.Now().UTC().UnixNano()); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
