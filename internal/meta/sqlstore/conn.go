package sqlstore

import "context"

// Result is the outcome of a statement.
type Result interface {
	// RowsAffected returns the number of rows the statement changed.
	RowsAffected() (int64, error)
}

// Row is the result of a query of at most one row. Scan returns
// database/sql's sql.ErrNoRows when there is none, whatever the driver.
type Row interface {
	Scan(dest ...any) error
}

// Rows is the result of a query, read with Next and Scan, then Err; Close
// releases it and may be called more than once.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Stmt is a statement run several times in a transaction.
type Stmt interface {
	ExecContext(ctx context.Context, args ...any) (Result, error)
	Close() error
}

// Conn runs the Store's queries, written with '?' placeholders, on a
// database or in a transaction.
type Conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) Row
	PrepareContext(ctx context.Context, query string) (Stmt, error)
}

// Tx is a Conn in a transaction.
type Tx interface {
	Conn
	Commit() error
	// Rollback rolls the transaction back; after Commit it does nothing
	// but return an error.
	Rollback() error
}

// DB is a Conn on a database, which also begins transactions. A read-only
// transaction's queries see one snapshot.
type DB interface {
	Conn
	BeginTx(ctx context.Context, readOnly bool) (Tx, error)
}
