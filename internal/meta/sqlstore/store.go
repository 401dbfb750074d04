package sqlstore

import (
	"context"
	"fmt"

	"github.com/easelhq/easel"
)

// Dialect is what differs between the SQL databases a Store runs on. The
// queries themselves are written once, with '?' placeholders; a backend's
// DB rewrites them if its database wants another style.
type Dialect struct {
	// Name prefixes the Store's error messages, e.g. "sqlite meta".
	Name string
	// IsPrimaryKeyViolation reports whether err is an INSERT that
	// collided with an existing row's primary key.
	IsPrimaryKeyViolation func(err error) bool
	// IsUniqueViolation reports whether err broke a UNIQUE constraint other
	// than a primary key.
	IsUniqueViolation func(err error) bool
	// IsForeignKeyViolation reports whether err references a missing row.
	IsForeignKeyViolation func(err error) bool
	// LockRows makes UpdateTask lock the task's row (SELECT … FOR UPDATE)
	// before it records the change's event; needed where concurrent write
	// transactions run at READ COMMITTED (PostgreSQL), not where writers
	// are serialised (SQLite).
	LockRows bool
}

// Backend is what a backend package gives New besides its Dialect.
type Backend struct {
	// Write runs the statements that change the database, and the write
	// transactions; Read runs the queries. They may be the same DB.
	Write, Read DB
	// Applied names the migrations the backend applied when it opened.
	Applied []string
	// Ping, if not nil, runs after Read answered "SELECT 1".
	Ping func(ctx context.Context) error
	// Close releases the connections. It is safe to call more than once.
	Close func() error
}

// Store is an easel.MetaStore, TaskStore, AnalysisStore and EventOutbox on
// an SQL database. It is safe for concurrent use.
type Store struct {
	d      Dialect
	b      Backend
	write  DB
	read   DB
	events chan struct{} // EventsCommitted; capacity 1
	origin string        // names this Store's rows in task_events
}

var (
	_ easel.MetaStore     = (*Store)(nil)
	_ easel.TaskStore     = (*Store)(nil)
	_ easel.AnalysisStore = (*Store)(nil)
	_ easel.EventOutbox   = (*Store)(nil)
)

// New returns a Store over the opened, migrated database b.
func New(d Dialect, b Backend) *Store {
	return &Store{d: d, b: b, write: b.Write, read: b.Read, events: make(chan struct{}, 1), origin: easel.NewID()}
}

// Applied returns the names of the migrations (NNNN_name.sql) that Open
// applied, in order; empty when the schema was up to date.
func (s *Store) Applied() []string { return s.b.Applied }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return s.errorf("ping: %w", err)
	}
	if s.b.Ping != nil {
		if err := s.b.Ping(ctx); err != nil {
			return s.errorf("ping: %w", err)
		}
	}
	return nil
}

// Close closes the database. It is safe to call more than once.
func (s *Store) Close() error {
	if s.b.Close == nil {
		return nil
	}
	if err := s.b.Close(); err != nil {
		return s.errorf("close: %w", err)
	}
	return nil
}

// inTx runs fn in a write transaction, committing if it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx Conn) error) error {
	tx, err := s.write.BeginTx(ctx, false)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// errorf returns an error prefixed with the dialect's name.
func (s *Store) errorf(format string, args ...any) error {
	return fmt.Errorf(s.d.Name+": "+format, args...)
}
