package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/meta/sqlstore"
)

// Defaults of Config.
const (
	DefaultMaxConns       = 16
	DefaultConnectTimeout = 5 * time.Second
	DefaultQueryTimeout   = 10 * time.Second
)

// Config configures a Store.
type Config struct {
	// URL is the PostgreSQL connection URL or key=value string
	// (meta.postgres.url, EASEL_META_POSTGRES_URL), for example
	// postgres://easel:secret@db:5432/easel?sslmode=disable.
	URL string
	// MaxConns bounds the connection pool.
	MaxConns int32
	// ConnectTimeout bounds each new connection, and Open's first ping.
	ConnectTimeout time.Duration
	// QueryTimeout bounds each call (a statement, a query until its rows
	// are read, a transaction's statements one by one) that the caller's
	// context does not bound sooner.
	QueryTimeout time.Duration
}

// NewDefaultConfig returns a Config for url with the default pool size and
// timeouts.
func NewDefaultConfig(url string) Config {
	return Config{URL: url, MaxConns: DefaultMaxConns, ConnectTimeout: DefaultConnectTimeout, QueryTimeout: DefaultQueryTimeout}
}

// Validate reports whether the configuration is usable.
func (c Config) Validate() error {
	var errs []error
	if c.URL == "" {
		errs = append(errs, errors.New("meta.postgres.url is empty"))
	} else if _, err := pgxpool.ParseConfig(c.URL); err != nil {
		errs = append(errs, fmt.Errorf("meta.postgres.url: %s", redactedError(err)))
	}
	if c.MaxConns < 1 {
		errs = append(errs, fmt.Errorf("max_conns %d: must be at least 1", c.MaxConns))
	}
	if c.ConnectTimeout <= 0 || c.QueryTimeout <= 0 {
		errs = append(errs, errors.New("connect_timeout and query_timeout must be positive"))
	}
	if err := errors.Join(errs...); err != nil {
		return easel.WrapError(easel.CodeInvalidArgument, err, "postgres meta: %s", err.Error())
	}
	return nil
}

// redactedError hides what a parse error may quote of a URL with a password.
func redactedError(err error) string {
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return msg
}

// Redact returns u with its password replaced, for logs and errors.
func Redact(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.User == nil {
		if err != nil {
			return "(unparsable URL)"
		}
		return u
	}
	return p.Redacted()
}

// Store is an easel.MetaStore, TaskStore, AnalysisStore and EventOutbox on
// PostgreSQL (the shared sqlstore.Store). It is safe for concurrent use.
type Store struct {
	*sqlstore.Store
}

var (
	_ easel.MetaStore     = (*Store)(nil)
	_ easel.TaskStore     = (*Store)(nil)
	_ easel.AnalysisStore = (*Store)(nil)
	_ easel.EventOutbox   = (*Store)(nil)
)

// Open connects to the database at cfg.URL, checks that it answers, and
// applies the migrations it lacks. An unreachable server is an error that
// names meta.postgres.url.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("postgres meta: meta.postgres.url: %s", redactedError(err))
	}
	pc.MaxConns = cfg.MaxConns
	pc.ConnConfig.ConnectTimeout = cfg.ConnectTimeout
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres meta: meta.postgres.url %s: %w", Redact(cfg.URL), err)
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres meta: meta.postgres.url %s is unreachable: %w", Redact(cfg.URL), err)
	}
	mctx, cancel := context.WithTimeout(ctx, max(cfg.QueryTimeout, time.Minute))
	defer cancel()
	applied, err := migrate(mctx, pool)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres meta: %w", err)
	}
	c := conn{q: pool, timeout: cfg.QueryTimeout}
	// The pool serves both: every statement autocommits unless in a
	// transaction.
	return &Store{sqlstore.New(dialect, sqlstore.Backend{
		Write:   c,
		Read:    c,
		Applied: applied,
		Close:   func() error { pool.Close(); return nil },
	})}, nil
}
