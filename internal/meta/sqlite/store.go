package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/meta/sqlstore"

	// Registers the "sqlite" database/sql driver.
	_ "modernc.org/sqlite"
)

// DefaultBusyTimeout is the busy timeout used when Config.BusyTimeout is zero.
const DefaultBusyTimeout = 5 * time.Second

// Config configures a Store.
type Config struct {
	// Path is the database file. It is created if missing. In-memory
	// databases are not supported: the store opens the file more than once.
	Path string
	// BusyTimeout is how long a statement waits for a lock held by another
	// connection or process before failing. Zero means DefaultBusyTimeout.
	BusyTimeout time.Duration
}

// NewDefaultConfig returns a Config for the database file at path.
func NewDefaultConfig(path string) Config {
	return Config{Path: path, BusyTimeout: DefaultBusyTimeout}
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	switch {
	case c.Path == "":
		return easel.Errorf(easel.CodeInvalidArgument, "sqlite meta: Path is empty")
	case c.Path == ":memory:" || strings.HasPrefix(c.Path, "file:"):
		return easel.Errorf(easel.CodeInvalidArgument, "sqlite meta: Path must be a file path, not %q", c.Path)
	case strings.ContainsAny(c.Path, "?#"):
		return easel.Errorf(easel.CodeInvalidArgument, "sqlite meta: Path must not contain '?' or '#'")
	case c.BusyTimeout < 0:
		return easel.Errorf(easel.CodeInvalidArgument, "sqlite meta: BusyTimeout is negative")
	}
	return nil
}

// Store is an easel.MetaStore, TaskStore, AnalysisStore and EventOutbox on
// SQLite (the shared sqlstore.Store). It is safe for concurrent use.
type Store struct {
	*sqlstore.Store
}

var (
	_ easel.MetaStore     = (*Store)(nil)
	_ easel.TaskStore     = (*Store)(nil)
	_ easel.AnalysisStore = (*Store)(nil)
	_ easel.EventOutbox   = (*Store)(nil)
)

// Open opens (creating if needed) the database at cfg.Path and applies the
// migrations it lacks.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	busy := cfg.BusyTimeout
	if busy == 0 {
		busy = DefaultBusyTimeout
	}

	write, err := sql.Open("sqlite", dsn(cfg.Path, busy, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite meta: open %q: %w", cfg.Path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		_ = write.Close()
		return nil, fmt.Errorf("sqlite meta: open %q: %w", cfg.Path, err)
	}
	applied, err := migrate(ctx, write)
	if err != nil {
		_ = write.Close()
		return nil, fmt.Errorf("sqlite meta: open %q: %w", cfg.Path, err)
	}

	read, err := sql.Open("sqlite", dsn(cfg.Path, busy, true))
	if err != nil {
		_ = write.Close()
		return nil, fmt.Errorf("sqlite meta: open %q: %w", cfg.Path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	if err := read.PingContext(ctx); err != nil {
		_ = read.Close()
		_ = write.Close()
		return nil, fmt.Errorf("sqlite meta: open %q: %w", cfg.Path, err)
	}
	return &Store{sqlstore.New(dialect, sqlstore.Backend{
		Write:   sqlstore.FromSQL(write),
		Read:    sqlstore.FromSQL(read),
		Applied: applied,
		Ping:    write.PingContext,
		Close:   func() error { return errors.Join(read.Close(), write.Close()) },
	})}, nil
}

// dsn returns the driver's data source name for the file at path.
func dsn(path string, busy time.Duration, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		// journal_mode is persistent in the file; the writer sets it.
		q.Add("_pragma", "journal_mode(WAL)")
		q.Set("_txlock", "immediate")
	}
	return path + "?" + q.Encode()
}
