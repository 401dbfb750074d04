package metatest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

// ReportStore is a backend that keeps both metadata and report aggregates.
type ReportStore interface {
	easel.MetaStore
	easel.ReportStore
}

// RunReports runs the report part of the conformance suite. newStore must
// return a new, empty store for every call; subtests run in parallel and
// close their store when done.
func RunReports(t *testing.T, newStore func(t *testing.T) ReportStore) {
	t.Helper()
	runCases(t, newStore, []testCase[ReportStore]{
		{"ReportsAddSums", testReportsAddSums},
		{"ReportsTenantScoped", testReportsTenantScoped},
		{"ReportsConcurrentAdds", testReportsConcurrentAdds},
		{"ReportsUnknownTenant", testReportsUnknownTenant},
		{"ReportsPurge", testReportsPurge},
	})
}

var reportMinute = time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)

func sampleMinute(tenantID string, minute time.Time, effect string) easel.ReportMinute {
	return easel.ReportMinute{
		TenantID: tenantID, Minute: minute,
		Group: easel.ReportGroup{Source: "client", Effect: effect, Region: "eu", Network: "wifi", Country: "FR", AppVersion: "1.2.3"},
		Count: 2, Bytes: 3000,
		N:   [easel.Measures]int64{2, 1, 2, 2},
		Sum: [easel.Measures]float64{100.5, 20, 300, 420.5},
		Buckets: [easel.Measures]map[int]int64{
			{10: 1, 12: 1}, {5: 1}, {20: 2}, {30: 1, 31: 1},
		},
	}
}

func testReportsAddSums(t *testing.T, s ReportStore) {
	ctx := context.Background()
	tn := createTenant(t, s, "reports")
	a := sampleMinute(tn.ID, reportMinute, "w")
	failed := sampleMinute(tn.ID, reportMinute, "w")
	failed.Group.FailedStage = "upload"
	later := sampleMinute(tn.ID, reportMinute.Add(time.Minute), "blur")
	server := sampleMinute(tn.ID, reportMinute, "w")
	server.Group.Source, server.Group.Stage = "server", "process"
	require.NoError(t, s.AddReportMinutes(ctx, []easel.ReportMinute{a, failed, later, server}))
	require.NoError(t, s.AddReportMinutes(ctx, []easel.ReportMinute{a}))

	got, err := s.ReportMinutes(ctx, tn.ID, reportMinute, reportMinute.Add(2*time.Minute))
	require.NoError(t, err)
	require.Len(t, got, 4)
	byKey := map[string]easel.ReportMinute{}
	for _, m := range got {
		require.Equal(t, tn.ID, m.TenantID)
		byKey[m.Minute.Format(time.RFC3339)+m.Group.Key()] = m
	}
	sum := byKey[reportMinute.Format(time.RFC3339)+a.Group.Key()]
	require.Equal(t, a.Group, sum.Group)
	require.True(t, sum.Minute.Equal(reportMinute))
	require.Equal(t, int64(4), sum.Count)
	require.Equal(t, int64(6000), sum.Bytes)
	require.Equal(t, [easel.Measures]int64{4, 2, 4, 4}, sum.N)
	require.InDelta(t, 201.0, sum.Sum[0], 1e-9)
	require.InDelta(t, 841.0, sum.Sum[3], 1e-9)
	require.Equal(t, map[int]int64{10: 2, 12: 2}, sum.Buckets[0])
	require.Equal(t, map[int]int64{30: 2, 31: 2}, sum.Buckets[3])
	require.Equal(t, int64(2), byKey[reportMinute.Format(time.RFC3339)+failed.Group.Key()].Count, "a failed stage is a group of its own")
	require.Equal(t, server.Group, byKey[reportMinute.Format(time.RFC3339)+server.Group.Key()].Group, "source and stage kept")

	// The range is half open, and ordered by minute.
	got, err = s.ReportMinutes(ctx, tn.ID, reportMinute.Add(time.Minute), reportMinute.Add(2*time.Minute))
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, "blur", got[0].Group.Effect)
	got, err = s.ReportMinutes(ctx, tn.ID, reportMinute.Add(-time.Hour), reportMinute)
	require.NoError(t, err)
	require.Empty(t, got)
}

func testReportsTenantScoped(t *testing.T, s ReportStore) {
	ctx := context.Background()
	one, two := createTenant(t, s, "one"), createTenant(t, s, "two")
	require.NoError(t, s.AddReportMinutes(ctx, []easel.ReportMinute{sampleMinute(one.ID, reportMinute, "w")}))
	got, err := s.ReportMinutes(ctx, two.ID, reportMinute, reportMinute.Add(time.Hour))
	require.NoError(t, err)
	require.Empty(t, got, "another tenant's reports are not shown")
}

func testReportsConcurrentAdds(t *testing.T, s ReportStore) {
	ctx := context.Background()
	tn := createTenant(t, s, "concurrent")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.AddReportMinutes(ctx, []easel.ReportMinute{sampleMinute(tn.ID, reportMinute, "w"), sampleMinute(tn.ID, reportMinute, "f")})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got, err := s.ReportMinutes(ctx, tn.ID, reportMinute, reportMinute.Add(time.Minute))
	require.NoError(t, err)
	require.Len(t, got, 2)
	for _, m := range got {
		require.Equal(t, int64(16), m.Count, "no add lost")
		require.Equal(t, int64(8), m.Buckets[0][10])
	}
}

func testReportsUnknownTenant(t *testing.T, s ReportStore) {
	ctx := context.Background()
	tn := createTenant(t, s, "known")
	err := s.AddReportMinutes(ctx, []easel.ReportMinute{sampleMinute(tn.ID, reportMinute, "w"), sampleMinute("no-such-tenant", reportMinute, "w")})
	requireCode(t, easel.CodeNotFound, err)
	got, err := s.ReportMinutes(ctx, tn.ID, reportMinute, reportMinute.Add(time.Minute))
	require.NoError(t, err)
	require.Empty(t, got, "nothing stored when one row fails")
}

func testReportsPurge(t *testing.T, s ReportStore) {
	ctx := context.Background()
	tn := createTenant(t, s, "purge")
	require.NoError(t, s.AddReportMinutes(ctx, []easel.ReportMinute{
		sampleMinute(tn.ID, reportMinute, "w"), sampleMinute(tn.ID, reportMinute.Add(time.Hour), "w"),
	}))
	n, err := s.PurgeReportMinutes(ctx, reportMinute.Add(time.Minute))
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
	got, err := s.ReportMinutes(ctx, tn.ID, reportMinute.Add(-time.Hour), reportMinute.Add(2*time.Hour))
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, map[int]int64{10: 1, 12: 1}, got[0].Buckets[0])
}
