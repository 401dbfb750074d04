package cli

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/blob/s3/s3test"
	"github.com/easelhq/easel/internal/meta/postgres/pgtest"
)

// runEnv runs easel with the given EASEL_ variables, bounded by a minute.
func runEnv(t *testing.T, environ []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	code = Run(ctx, args, Env{Stdout: &out, Stderr: &errb, Environ: append([]string{"PATH=/bin"}, environ...)})
	return code, out.String(), errb.String()
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	pg := pgtest.Start(t)
	tests := []struct {
		name    string
		environ []string
		first   string // what the first run prints
	}{
		{"sqlite", nil, "applied 0001_init.sql\n"},
		{"postgres", []string{"EASEL_META_BACKEND=postgres", "EASEL_META_POSTGRES_URL=" + pg.NewSchema(t)}, "applied 0001_init.sql\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := t.TempDir()
			code, out, errs := runEnv(t, tt.environ, "migrate", "--data", data)
			require.Equal(t, 0, code, errs)
			require.True(t, strings.HasPrefix(out, tt.first), out)
			require.Contains(t, out, "0004_task_events.sql")
			require.Contains(t, out, "migrations applied")

			code, out, errs = runEnv(t, tt.environ, "migrate", "--data", data)
			require.Equal(t, 0, code, errs)
			require.Contains(t, out, "up to date")
			require.NotContains(t, out, "applied 0")
		})
	}
	code, _, errs := runEnv(t, nil, "migrate", "extra")
	require.Equal(t, 2, code)
	require.Contains(t, errs, "unexpected argument")
}

// TestBadBackendsAtStart: a wrong S3 credential, a missing bucket or an
// unreachable PostgreSQL stops `easel serve` at start with exit code 1 and
// an error naming the setting at fault, never a panic.
func TestBadBackendsAtStart(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	bucket := srv.NewBucket()
	s3env := func(extra ...string) []string {
		return append([]string{"EASEL_BLOB_BACKEND=s3", "EASEL_BLOB_S3_ENDPOINT=" + srv.Endpoint, "EASEL_BLOB_S3_BUCKET=" + bucket,
			"EASEL_BLOB_S3_ACCESS_KEY=" + srv.AccessKey, "EASEL_BLOB_S3_SECRET_KEY=" + srv.SecretKey,
			"EASEL_BLOB_S3_PATH_STYLE=true", "EASEL_BLOB_S3_TIMEOUT=5s"}, extra...)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close()) // nothing listens there now
	tests := []struct {
		name    string
		environ []string
		want    string
	}{
		{"wrong S3 secret", s3env("EASEL_BLOB_S3_SECRET_KEY=wrong-secret-0123456789"), "blob.s3.secret_key does not match blob.s3.access_key"},
		{"unknown S3 access key", s3env("EASEL_BLOB_S3_ACCESS_KEY=nobody"), "blob.s3.access_key is not known"},
		{"missing bucket", s3env("EASEL_BLOB_S3_BUCKET=no-such-bucket"), `blob.s3.bucket "no-such-bucket" does not exist`},
		{"unreachable S3", s3env("EASEL_BLOB_S3_ENDPOINT=http://127.0.0.1:" + strconv.Itoa(closed)), "blob.s3.endpoint"},
		{"unreachable PostgreSQL", []string{"EASEL_META_BACKEND=postgres", "EASEL_META_POSTGRES_CONNECT_TIMEOUT=2s",
			"EASEL_META_POSTGRES_URL=postgres://easel:pw-hidden@127.0.0.1:" + strconv.Itoa(closed) + "/easel?sslmode=disable"},
			"meta.postgres.url postgres://easel:xxxxx@127.0.0.1"},
		{"postgres without a URL", []string{"EASEL_META_BACKEND=postgres"}, "meta.postgres.url is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := t.TempDir()
			env := append([]string{"EASEL_VISION_DIR=" + filepath.Join(data, "none")}, tt.environ...)
			start := time.Now()
			code, _, errs := runEnv(t, env, "serve", "--data", data, "--addr", "127.0.0.1:0")
			require.Equal(t, 1, code, errs)
			require.Contains(t, errs, tt.want)
			require.NotContains(t, errs, "panic")
			require.NotContains(t, errs, "pw-hidden")
			require.Less(t, time.Since(start), 30*time.Second)
			_, err := os.Stat(filepath.Join(data, "easel.db"))
			if strings.Contains(tt.name, "PostgreSQL") || strings.Contains(tt.name, "postgres") {
				require.True(t, os.IsNotExist(err), "no SQLite file when meta.backend is postgres")
			}
		})
	}
}
