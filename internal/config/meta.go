package config

import (
	"fmt"
	"time"
)

// Meta configures the metadata store (assets, tasks, keys).
type Meta struct {
	// Backend is "sqlite" (a file under the data directory, the default)
	// or "postgres" (shared by every api and worker process).
	Backend string `yaml:"backend"`
	// Postgres configures the postgres backend.
	Postgres MetaPostgres `yaml:"postgres"`
}

// MetaPostgres configures the PostgreSQL metadata store.
type MetaPostgres struct {
	// URL is the connection URL, e.g.
	// postgres://easel:secret@db:5432/easel?sslmode=disable; put it in
	// EASEL_META_POSTGRES_URL rather than in a file when it has a password.
	URL string `yaml:"url"`
	// MaxConns bounds the connection pool of each process.
	MaxConns int `yaml:"max_conns"`
	// ConnectTimeout bounds each new connection and the check at start.
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	// QueryTimeout bounds each statement the request does not bound sooner.
	QueryTimeout time.Duration `yaml:"query_timeout"`
}

// defaultMeta is the embedded default: SQLite in <data>/easel.db.
func defaultMeta() Meta {
	return Meta{
		Backend:  "sqlite",
		Postgres: MetaPostgres{MaxConns: 16, ConnectTimeout: 5 * time.Second, QueryTimeout: 10 * time.Second},
	}
}

// validate reports the first metadata setting that cannot work, naming it.
func (m Meta) validate() error {
	switch m.Backend {
	case "sqlite":
		return nil
	case "postgres":
	default:
		return fmt.Errorf("config: meta.backend %q: want sqlite or postgres", m.Backend)
	}
	p := m.Postgres
	switch {
	case p.URL == "":
		return fmt.Errorf("config: meta.postgres.url is empty (meta.backend is postgres; set EASEL_META_POSTGRES_URL)")
	case p.MaxConns < 1 || p.MaxConns > 10000:
		return fmt.Errorf("config: meta.postgres.max_conns must be 1..10000")
	case p.ConnectTimeout <= 0 || p.QueryTimeout <= 0:
		return fmt.Errorf("config: meta.postgres.connect_timeout and meta.postgres.query_timeout must be positive")
	}
	return nil
}
