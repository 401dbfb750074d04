package postgres_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/meta/metatest"
	"github.com/easelhq/easel/internal/meta/postgres"
	"github.com/easelhq/easel/internal/meta/postgres/pgtest"
)

// open opens a store on a new schema of srv.
func open(t *testing.T, srv *pgtest.Server) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(t.Context(), postgres.NewDefaultConfig(srv.NewSchema(t)))
	require.NoError(t, err)
	return s
}

// TestConformance runs the whole metatest suite on one server.
func TestConformance(t *testing.T) {
	srv := pgtest.Start(t)
	t.Run("Meta", func(t *testing.T) {
		metatest.Run(t, func(t *testing.T) easel.MetaStore { return open(t, srv) })
	})
	t.Run("Tasks", func(t *testing.T) {
		metatest.RunTasks(t, func(t *testing.T) metatest.Store { return open(t, srv) })
	})
	t.Run("Analysis", func(t *testing.T) {
		metatest.RunAnalysis(t, func(t *testing.T) metatest.AnalysisStore { return open(t, srv) })
	})
	t.Run("Levels", func(t *testing.T) {
		metatest.RunLevels(t, func(t *testing.T) metatest.LevelStore { return open(t, srv) })
	})
	t.Run("Quotas", func(t *testing.T) {
		metatest.RunQuotas(t, func(t *testing.T) metatest.QuotaStore { return open(t, srv) })
	})
	t.Run("Reports", func(t *testing.T) {
		metatest.RunReports(t, func(t *testing.T) metatest.ReportStore { return open(t, srv) })
	})
	t.Run("Events", func(t *testing.T) {
		metatest.RunEvents(t, func(t *testing.T) metatest.EventStore { return open(t, srv) })
	})
	t.Run("Console", func(t *testing.T) {
		metatest.RunConsole(t, func(t *testing.T) metatest.ConsoleStore { return open(t, srv) })
	})
}
