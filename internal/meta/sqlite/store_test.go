package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/meta/metatest"
	"github.com/easelhq/easel/internal/meta/sqlite"
	"github.com/easelhq/easel/internal/meta/sqlstore"
)

// open opens a store on a new file in a temporary directory.
func open(t *testing.T) (*sqlite.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "meta.db")
	s, err := sqlite.Open(t.Context(), sqlite.Config{Path: path})
	require.NoError(t, err)
	return s, path
}

func TestConformance(t *testing.T) {
	t.Parallel()
	metatest.Run(t, func(t *testing.T) easel.MetaStore {
		s, _ := open(t)
		return s
	})
}

// migrationRows returns the rows of schema_migrations, read directly.
func migrationRows(t *testing.T, path string) map[int]int64 {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.Query("SELECT version, applied_at FROM schema_migrations")
	require.NoError(t, err)
	defer rows.Close()
	got := map[int]int64{}
	for rows.Next() {
		var v int
		var at int64
		require.NoError(t, rows.Scan(&v, &at))
		got[v] = at
	}
	require.NoError(t, rows.Err())
	return got
}

func TestReopenAppliesNoMigrationTwice(t *testing.T) {
	t.Parallel()
	s, path := open(t)
	ctx := t.Context()
	tn := easel.Tenant{ID: easel.NewID(), Name: "acme", CreatedAt: time.Now().UTC()}
	require.NoError(t, s.CreateTenant(ctx, tn))
	require.NoError(t, s.Close())

	first := migrationRows(t, path)
	require.Contains(t, first, 1)

	for range 2 {
		s, err := sqlite.Open(ctx, sqlite.Config{Path: path})
		require.NoError(t, err)
		_, err = s.GetTenant(ctx, tn.ID)
		require.NoError(t, err, "data survives reopening")
		require.NoError(t, s.Close())
	}
	require.Equal(t, first, migrationRows(t, path), "migrations re-applied")
}

func TestConcurrentOpen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "meta.db")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := sqlite.Open(t.Context(), sqlite.Config{Path: path})
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	files, err := migrationPaths()
	require.NoError(t, err)
	require.Len(t, migrationRows(t, path), len(files), "each migration applied once")
}

func TestRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	s, path := open(t)
	require.NoError(t, s.Close())
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	_, err = db.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)")
	require.NoError(t, err)
	require.NoError(t, db.Close())

	_, err = sqlite.Open(t.Context(), sqlite.Config{Path: path})
	require.ErrorContains(t, err, "newer")
}

func TestPragmas(t *testing.T) {
	t.Parallel()
	s, path := open(t)
	t.Cleanup(func() { s.Close() })
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	var mode string
	require.NoError(t, db.QueryRow("PRAGMA journal_mode").Scan(&mode))
	require.Equal(t, "wal", mode)
}

// createAssets has writers goroutines each create perWriter assets in stores.
func createAssets(t *testing.T, stores []*sqlite.Store, tenantID string, writers, perWriter int) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter)
	for w := range writers {
		s := stores[w%len(stores)]
		wg.Go(func() {
			for range perWriter {
				a := easel.Asset{ID: easel.NewID(), TenantID: tenantID, SHA256: "abc", Format: "png",
					Width: 1, Height: 1, Pages: 1, Bytes: 1, CreatedAt: time.Now()}
				if err := s.CreateAsset(ctx, a); err != nil {
					errs <- err
					return
				}
				if _, err := s.GetAsset(ctx, a.ID); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func countAssets(t *testing.T, s *sqlite.Store, tenantID string) int {
	t.Helper()
	page, _, err := s.ListAssets(context.Background(), tenantID, easel.ListPage{Limit: sqlstore.MaxPageLimit})
	require.NoError(t, err)
	return len(page)
}

func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		stores int // stores on the same file, standing in for processes
	}{
		{"one store", 1},
		{"two stores", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "meta.db")
			var stores []*sqlite.Store
			for range tt.stores {
				s, err := sqlite.Open(t.Context(), sqlite.Config{Path: path, BusyTimeout: 10 * time.Second})
				require.NoError(t, err)
				t.Cleanup(func() { s.Close() })
				stores = append(stores, s)
			}
			tn := easel.Tenant{ID: easel.NewID(), Name: "acme", CreatedAt: time.Now()}
			require.NoError(t, stores[0].CreateTenant(t.Context(), tn))

			createAssets(t, stores, tn.ID, 8, 50)
			require.Equal(t, 400, countAssets(t, stores[0], tn.ID))
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cfg   sqlite.Config
		valid bool
	}{
		{"default", sqlite.NewDefaultConfig("/var/lib/easel/meta.db"), true},
		{"empty path", sqlite.Config{}, false},
		{"memory", sqlite.Config{Path: ":memory:"}, false},
		{"uri", sqlite.Config{Path: "file:x.db"}, false},
		{"query", sqlite.Config{Path: "x.db?mode=ro"}, false},
		{"negative timeout", sqlite.Config{Path: "x.db", BusyTimeout: -time.Second}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if tt.valid {
				require.NoError(t, err)
				return
			}
			require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))
		})
	}
}

func TestAnalysisConformance(t *testing.T) {
	t.Parallel()
	metatest.RunAnalysis(t, func(t *testing.T) metatest.AnalysisStore {
		s, _ := open(t)
		return s
	})
}

func TestLevelsConformance(t *testing.T) {
	t.Parallel()
	metatest.RunLevels(t, func(t *testing.T) metatest.LevelStore {
		s, _ := open(t)
		return s
	})
}

func TestReportsConformance(t *testing.T) {
	t.Parallel()
	metatest.RunReports(t, func(t *testing.T) metatest.ReportStore {
		s, _ := open(t)
		return s
	})
}

// TestDeleteAssetRemovesAnalysisRows checks, in the tables themselves,
// that deleting an asset takes its analysis and pHash bands with it
// (foreign keys are on, so ON DELETE CASCADE runs).
func TestDeleteAssetRemovesAnalysisRows(t *testing.T) {
	t.Parallel()
	s, path := open(t)
	t.Cleanup(func() { s.Close() })
	ctx := t.Context()
	tn := easel.Tenant{ID: easel.NewID(), Name: "acme", CreatedAt: time.Now()}
	require.NoError(t, s.CreateTenant(ctx, tn))
	var ids []string
	for range 2 {
		a := easel.Asset{ID: easel.NewID(), TenantID: tn.ID, SHA256: "abc", Format: "png", Width: 1, Height: 1, Pages: 1, Bytes: 1, CreatedAt: time.Now()}
		require.NoError(t, s.CreateAsset(ctx, a))
		require.NoError(t, s.SetAnalysis(ctx, a.ID, easel.Analysis{PHash: "0123456789abcdef", DHash: "fedcba9876543210", AnalyzedAt: time.Now()}))
		ids = append(ids, a.ID)
	}

	db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	require.NoError(t, err)
	defer db.Close()
	count := func(table, id string) int {
		var n int
		require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM "+table+" WHERE asset_id = ?", id).Scan(&n))
		return n
	}
	require.Equal(t, 1, count("asset_analysis", ids[0]))
	require.Equal(t, 4, count("phash_bands", ids[0]))

	_, err = s.DeleteAsset(ctx, ids[0])
	require.NoError(t, err)
	require.Zero(t, count("asset_analysis", ids[0]))
	require.Zero(t, count("phash_bands", ids[0]))
	require.Equal(t, 1, count("asset_analysis", ids[1]), "the other asset keeps its analysis")
	require.Equal(t, 4, count("phash_bands", ids[1]))
}

// migrationPaths returns the files of SQLite's migrations: the shared ones
// of sqlstore and SQLite's own.
func migrationPaths() ([]string, error) {
	shared, err := filepath.Glob("../sqlstore/migrations/*.sql")
	if err != nil {
		return nil, err
	}
	own, err := filepath.Glob("migrations/*.sql")
	return append(shared, own...), err
}
