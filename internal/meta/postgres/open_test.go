package postgres_test

import (
	"context"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/meta/postgres"
	"github.com/easelhq/easel/internal/meta/postgres/pgtest"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  postgres.Config
		want string
	}{
		{"empty URL", postgres.NewDefaultConfig(""), "meta.postgres.url is empty"},
		{"bad URL", postgres.NewDefaultConfig("postgres://u:p@host:notaport/db"), "meta.postgres.url"},
		{"no conns", postgres.Config{URL: "postgres://h/db", ConnectTimeout: time.Second, QueryTimeout: time.Second}, "max_conns 0"},
		{"no timeouts", postgres.Config{URL: "postgres://h/db", MaxConns: 1}, "must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			require.ErrorContains(t, err, tt.want)
			require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))
		})
	}
	require.NoError(t, postgres.NewDefaultConfig("postgres://easel@127.0.0.1/easel").Validate())
}

// TestOpenUnreachable: a server that does not answer is a clear error at
// start that names the setting and hides the password.
func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close()) // nothing listens there now
	cfg := postgres.NewDefaultConfig("postgres://easel:s3cret@127.0.0.1:" + strconv.Itoa(port) + "/easel?sslmode=disable")
	cfg.ConnectTimeout = 2 * time.Second
	start := time.Now()
	_, err = postgres.Open(context.Background(), cfg)
	require.Error(t, err)
	require.Less(t, time.Since(start), 10*time.Second)
	require.ErrorContains(t, err, "meta.postgres.url")
	require.ErrorContains(t, err, "unreachable")
	require.NotContains(t, err.Error(), "s3cret")
}

// TestMigrationsOnce: processes opening one database together apply the
// migrations once, and reopening applies nothing.
func TestMigrationsOnce(t *testing.T) {
	srv := pgtest.Start(t)
	url := srv.NewSchema(t)
	var wg sync.WaitGroup
	stores := make([]*postgres.Store, 4)
	errs := make([]error, len(stores))
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = postgres.Open(t.Context(), postgres.NewDefaultConfig(url))
		}()
	}
	wg.Wait()
	for i, s := range stores {
		require.NoError(t, errs[i])
		defer s.Close()
	}
	tn := easel.Tenant{ID: easel.NewID(), Name: "acme", CreatedAt: time.Now().UTC()}
	require.NoError(t, stores[0].CreateTenant(t.Context(), tn))
	got, err := stores[3].GetTenant(t.Context(), tn.ID)
	require.NoError(t, err)
	require.Equal(t, tn, got)
}

// TestRestart: the pool survives the server restarting (the cluster test
// restarts PostgreSQL): calls fail while it is down, then work again.
// Events of another store (another process) wait for the takeover age.
func TestRestart(t *testing.T) {
	srv := pgtest.Start(t)
	if !srv.Managed() {
		t.Skip("the server named by " + pgtest.URLEnv + " is not restarted by tests")
	}
	url := srv.NewSchema(t)
	cfg := postgres.NewDefaultConfig(url)
	cfg.ConnectTimeout, cfg.QueryTimeout = 2*time.Second, 2*time.Second
	a, err := postgres.Open(t.Context(), cfg)
	require.NoError(t, err)
	defer a.Close()
	b, err := postgres.Open(t.Context(), cfg)
	require.NoError(t, err)
	defer b.Close()
	ctx := t.Context()
	now := time.Now().UTC()
	tn := easel.Tenant{ID: easel.NewID(), Name: "acme", CreatedAt: now}
	require.NoError(t, a.CreateTenant(ctx, tn))
	tk := easel.Task{ID: easel.NewID(), TenantID: tn.ID, AssetID: easel.NewID(), Kind: easel.TaskRender,
		Ops: []string{"w_1"}, State: easel.TaskAccepted, CreatedAt: now, UpdatedAt: now}
	require.NoError(t, a.CreateTasks(ctx, nil, []easel.Task{tk}))
	mine, err := a.UnpublishedEvents(ctx, 10, now.Add(-time.Hour))
	require.NoError(t, err)
	require.Len(t, mine, 1)
	theirs, err := b.UnpublishedEvents(ctx, 10, now.Add(-time.Hour))
	require.NoError(t, err)
	require.Empty(t, theirs)

	srv.Stop()
	start := time.Now()
	require.Error(t, a.Ping(ctx))
	require.Less(t, time.Since(start), 10*time.Second, "ping hung while the server was down")
	srv.Start()
	// A pool finds each connection the restart broke when it next uses it:
	// that call fails (unexpected EOF) and drops the connection; the relay
	// and every caller retry, so the store recovers within a few calls.
	require.Eventually(t, func() bool {
		theirs, err = b.UnpublishedEvents(ctx, 10, time.Now().Add(time.Second))
		return err == nil
	}, 20*time.Second, 100*time.Millisecond, "the store recovers after the restart: %v", err)
	require.Equal(t, mine, theirs)
}

// TestQueryTimeout: Config.QueryTimeout bounds every call.
func TestQueryTimeout(t *testing.T) {
	srv := pgtest.Start(t)
	cfg := postgres.NewDefaultConfig(srv.NewSchema(t))
	cfg.QueryTimeout = time.Microsecond
	s, err := postgres.Open(t.Context(), cfg)
	require.NoError(t, err)
	defer s.Close()
	err = s.Ping(t.Context())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	_, err = s.ListTenants(t.Context())
	require.Error(t, err)
}
