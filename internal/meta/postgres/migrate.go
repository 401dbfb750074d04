package postgres

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/easelhq/easel/internal/meta/sqlstore"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrationFiles are PostgreSQL's own migrations, where its SQL differs
// from the shared ones (sqlstore/migrations).
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the key of the advisory lock that serialises
// migrations between processes ("easelmig" in ASCII).
const migrationLock = 0x656173656c6d6967

// migrate applies the migrations the database lacks in one transaction,
// holding an advisory lock, so concurrent processes apply each exactly
// once; PostgreSQL's DDL is transactional, so a failure applies none. It
// returns the names of the migrations it applied.
func migrate(ctx context.Context, pool *pgxpool.Pool) (applied []string, err error) {
	ms, err := sqlstore.Migrations(migrationFiles)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLock)); err != nil {
		return nil, fmt.Errorf("migrate: lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    applied_at BIGINT  NOT NULL
)`); err != nil {
		return nil, fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	done := map[int]bool{}
	rows, err := tx.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("migrate: read schema version: %w", err)
	}
	newest := 0
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, fmt.Errorf("migrate: read schema version: %w", err)
		}
		done[v], newest = true, max(newest, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("migrate: read schema version: %w", err)
	}
	if latest := ms[len(ms)-1].Version; newest > latest {
		return nil, fmt.Errorf("migrate: database schema version %d is newer than this program's %d", newest, latest)
	}
	for _, m := range ms {
		if done[m.Version] {
			continue
		}
		// No arguments: the simple protocol, which runs several statements.
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return nil, fmt.Errorf("migrate: %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
			m.Version, time.Now().UTC().UnixNano()); err != nil {
			return nil, fmt.Errorf("migrate: %s: %w", m.Name, err)
		}
		applied = append(applied, m.Name)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return applied, nil
}
