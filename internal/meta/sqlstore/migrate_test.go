package sqlstore_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/meta/sqlstore"
)

// TestSharedMigrationsArePortable guards the shared migrations, which both
// SQLite and PostgreSQL run as they are: no dialect-only syntax in their
// statements (comments aside).
func TestSharedMigrationsArePortable(t *testing.T) {
	t.Parallel()
	ms, err := sqlstore.Migrations(fstest.MapFS{})
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	for _, m := range ms {
		var stmts []string
		for _, line := range strings.Split(m.SQL, "\n") {
			if code, _, _ := strings.Cut(line, "--"); strings.TrimSpace(code) != "" {
				stmts = append(stmts, code)
			}
		}
		upper := strings.ToUpper(strings.Join(stmts, "\n"))
		for _, bad := range []string{"AUTOINCREMENT", "WITHOUT ROWID", "STRICT", "PRAGMA", "BLOB", "DATETIME", "SERIAL", "IDENTITY", "BYTEA", "TIMESTAMPTZ"} {
			require.NotContains(t, upper, bad, "%s uses %s", m.Name, bad)
		}
	}
}

// TestMigrations: a backend's own files join the shared ones in version
// order, and a version used twice or a bad name is refused.
func TestMigrations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		files   fstest.MapFS
		wantErr string
	}{
		{name: "own file in order", files: fstest.MapFS{"migrations/0004_x.sql": {Data: []byte("SELECT 1;")}}},
		{name: "version taken", files: fstest.MapFS{"migrations/0001_x.sql": {Data: []byte("SELECT 1;")}}, wantErr: "share version 1"},
		{name: "bad name", files: fstest.MapFS{"migrations/x.sql": {Data: []byte("SELECT 1;")}}, wantErr: "not NNNN_description.sql"},
		{name: "bad version", files: fstest.MapFS{"migrations/0_x.sql": {Data: []byte("SELECT 1;")}}, wantErr: "bad version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ms, err := sqlstore.Migrations(tt.files)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			for i := 1; i < len(ms); i++ {
				require.Less(t, ms[i-1].Version, ms[i].Version)
			}
			var names []string
			for _, m := range ms {
				names = append(names, m.Name)
			}
			require.Contains(t, names, "0004_x.sql")
		})
	}
}
