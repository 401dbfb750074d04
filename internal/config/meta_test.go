package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMetaSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		environ []string
		check   func(t *testing.T, m Meta)
		wantErr string
	}{
		{name: "default is sqlite", check: func(t *testing.T, m Meta) {
			require.Equal(t, "sqlite", m.Backend)
		}},
		{name: "postgres from the environment", environ: []string{"EASEL_META_BACKEND=postgres",
			"EASEL_META_POSTGRES_URL=postgres://easel@127.0.0.1:5432/easel", "EASEL_META_POSTGRES_MAX_CONNS=40",
			"EASEL_META_POSTGRES_QUERY_TIMEOUT=3s"}, check: func(t *testing.T, m Meta) {
			require.Equal(t, Meta{Backend: "postgres", Postgres: MetaPostgres{URL: "postgres://easel@127.0.0.1:5432/easel",
				MaxConns: 40, ConnectTimeout: 5 * time.Second, QueryTimeout: 3 * time.Second}}, m)
		}},
		{name: "unknown backend", environ: []string{"EASEL_META_BACKEND=mysql"}, wantErr: `meta.backend "mysql"`},
		{name: "postgres without a URL", environ: []string{"EASEL_META_BACKEND=postgres"}, wantErr: "meta.postgres.url is empty"},
		{name: "no connections", environ: []string{"EASEL_META_BACKEND=postgres", "EASEL_META_POSTGRES_URL=postgres://h/db",
			"EASEL_META_POSTGRES_MAX_CONNS=0"}, wantErr: "meta.postgres.max_conns"},
		{name: "no timeout", environ: []string{"EASEL_META_BACKEND=postgres", "EASEL_META_POSTGRES_URL=postgres://h/db",
			"EASEL_META_POSTGRES_CONNECT_TIMEOUT=0s"}, wantErr: "meta.postgres.connect_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load("", tt.environ)
			require.NoError(t, err)
			err = c.Validate()
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, c.Meta)
		})
	}
}
