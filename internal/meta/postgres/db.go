package postgres

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/easelhq/easel/internal/meta/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// querier is what a pool and a transaction have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// conn is the shared store's sqlstore.DB (and, in a transaction, its
// sqlstore.Tx) on pgx: it rewrites the queries' '?' placeholders to '$n'
// and bounds each call by timeout.
type conn struct {
	q       querier
	timeout time.Duration
}

// result is the database/sql-like result of ExecContext.
type result int64

var (
	_ sqlstore.DB = conn{}
	_ sqlstore.Tx = txConn{}
)

// RowsAffected returns the number of rows the statement changed.
func (r result) RowsAffected() (int64, error) { return int64(r), nil }

// bound returns ctx with the call timeout, unless its deadline is sooner.
func (c conn) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, c.timeout)
}

// ExecContext runs a statement.
func (c conn) ExecContext(ctx context.Context, query string, args ...any) (sqlstore.Result, error) {
	ctx, cancel := c.bound(ctx)
	defer cancel()
	tag, err := c.q.Exec(ctx, rebind(query), args...)
	return result(tag.RowsAffected()), err
}

// QueryContext runs a query; the call timeout lasts until the rows are closed.
func (c conn) QueryContext(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	ctx, cancel := c.bound(ctx)
	rows, err := c.q.Query(ctx, rebind(query), args...)
	if err != nil {
		cancel()
		return nil, err
	}
	return &boundRows{Rows: rows, cancel: cancel}, nil
}

// QueryRowContext runs a query of at most one row.
func (c conn) QueryRowContext(ctx context.Context, query string, args ...any) sqlstore.Row {
	ctx, cancel := c.bound(ctx)
	return boundRow{row: c.q.QueryRow(ctx, rebind(query), args...), cancel: cancel}
}

// BeginTx begins a transaction; a read-only one is REPEATABLE READ, so that
// its queries see one snapshot.
func (c conn) BeginTx(ctx context.Context, readOnly bool) (sqlstore.Tx, error) {
	var (
		tx  pgx.Tx
		err error
	)
	if p, ok := c.q.(interface {
		BeginTx(context.Context, pgx.TxOptions) (pgx.Tx, error)
	}); ok && readOnly {
		tx, err = p.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	} else {
		tx, err = c.q.Begin(ctx)
	}
	if err != nil {
		return nil, err
	}
	return txConn{conn: conn{q: tx, timeout: c.timeout}, tx: tx, ctx: ctx}, nil
}

// PrepareContext returns a statement to run several times. PostgreSQL
// caches prepared statements per connection, so it only binds the query.
func (c conn) PrepareContext(_ context.Context, query string) (sqlstore.Stmt, error) {
	return stmt{c: c, query: query}, nil
}

// txConn is a conn on a transaction.
type txConn struct {
	conn
	tx  pgx.Tx
	ctx context.Context
}

// Commit commits the transaction.
func (t txConn) Commit() error { return t.tx.Commit(t.ctx) }

// Rollback rolls the transaction back; after Commit it does nothing.
func (t txConn) Rollback() error { return t.tx.Rollback(context.WithoutCancel(t.ctx)) }

// stmt is a query run several times.
type stmt struct {
	c     conn
	query string
}

// ExecContext runs the statement.
func (s stmt) ExecContext(ctx context.Context, args ...any) (sqlstore.Result, error) {
	return s.c.ExecContext(ctx, s.query, args...)
}

// Close does nothing.
func (s stmt) Close() error { return nil }

type boundRows struct {
	pgx.Rows
	cancel context.CancelFunc
}

func (r *boundRows) Close() {
	r.Rows.Close()
	r.cancel()
}

type boundRow struct {
	row    pgx.Row
	cancel context.CancelFunc
}

// Scan reads the row; no row is database/sql's sql.ErrNoRows, as the
// shared store expects.
func (r boundRow) Scan(dest ...any) error {
	defer r.cancel()
	err := r.row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return sql.ErrNoRows
	}
	return err
}

var rebound sync.Map // query → rewritten query

// rebind rewrites '?' placeholders to '$1', '$2' … and '?N' to '$N',
// outside quoted strings.
func rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	if r, ok := rebound.Load(q); ok {
		return r.(string)
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n, quoted := 0, false
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'':
			quoted = !quoted
			b.WriteByte(c)
		case c == '?' && !quoted:
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 {
				b.WriteString(q[i+1 : j])
				i = j - 1
			} else {
				n++
				b.WriteString(itoa(n))
			}
		default:
			b.WriteByte(c)
		}
	}
	r := b.String()
	if len(q) < 4096 { // similar-search queries are unique: not cached
		rebound.Store(q, r)
	}
	return r
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
