package sqlstore

import (
	"context"
	"database/sql"
)

// FromSQL returns db as a DB. Its drivers must take '?' placeholders.
func FromSQL(db *sql.DB) DB { return sqlDB{sqlConn{db}, db} }

// sqlQuerier is what *sql.DB and *sql.Tx have in common.
type sqlQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// sqlConn is a Conn on database/sql.
type sqlConn struct{ q sqlQuerier }

func (c sqlConn) ExecContext(ctx context.Context, query string, args ...any) (Result, error) {
	return c.q.ExecContext(ctx, query, args...)
}

func (c sqlConn) QueryContext(ctx context.Context, query string, args ...any) (Rows, error) {
	rows, err := c.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (c sqlConn) QueryRowContext(ctx context.Context, query string, args ...any) Row {
	return c.q.QueryRowContext(ctx, query, args...)
}

func (c sqlConn) PrepareContext(ctx context.Context, query string) (Stmt, error) {
	st, err := c.q.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return sqlStmt{st}, nil
}

// sqlDB is a DB on database/sql.
type sqlDB struct {
	sqlConn
	db *sql.DB
}

func (d sqlDB) BeginTx(ctx context.Context, readOnly bool) (Tx, error) {
	var opts *sql.TxOptions
	if readOnly {
		opts = &sql.TxOptions{ReadOnly: true}
	}
	tx, err := d.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return sqlTx{sqlConn{tx}, tx}, nil
}

// sqlTx is a Tx on database/sql.
type sqlTx struct {
	sqlConn
	tx *sql.Tx
}

func (t sqlTx) Commit() error   { return t.tx.Commit() }
func (t sqlTx) Rollback() error { return t.tx.Rollback() }

// sqlRows is Rows on *sql.Rows.
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }

// sqlStmt is a Stmt on *sql.Stmt.
type sqlStmt struct{ st *sql.Stmt }

func (s sqlStmt) ExecContext(ctx context.Context, args ...any) (Result, error) {
	return s.st.ExecContext(ctx, args...)
}

func (s sqlStmt) Close() error { return s.st.Close() }
