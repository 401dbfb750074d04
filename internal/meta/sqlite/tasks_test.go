package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/meta/metatest"
	"github.com/easelhq/easel/internal/meta/sqlite"
)

func TestTaskConformance(t *testing.T) {
	t.Parallel()
	metatest.RunTasks(t, func(t *testing.T) metatest.Store {
		s, _ := open(t)
		return s
	})
}

// TestMigrateFrom0001 opens a database left at schema version 1 (as written
// by an easel before tasks existed, with data in it) and checks that Open
// brings it to the newest version, keeping the data.
func TestMigrateFrom0001(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "meta.db")
	init, err := os.ReadFile("../sqlstore/migrations/0001_init.sql")
	require.NoError(t, err)

	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)")
	require.NoError(t, err)
	tn := easel.Tenant{ID: easel.NewID(), Name: "old", CreatedAt: time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)}
	for _, stmt := range []string{
		"CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, applied_at BIGINT NOT NULL)",
		string(init),
		"INSERT INTO schema_migrations (version, applied_at) VALUES (1, 0)",
		fmt.Sprintf("INSERT INTO tenants (id, name, created_at) VALUES ('%s', '%s', %d)", tn.ID, tn.Name, tn.CreatedAt.UnixNano()),
	} {
		_, err := db.Exec(stmt)
		require.NoError(t, err)
	}
	require.NoError(t, db.Close())
	require.Equal(t, []int{1}, versions(t, path))

	s, err := sqlite.Open(t.Context(), sqlite.Config{Path: path})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	require.Equal(t, []int{1, 2, 3, 4, 5, 6, 12}, versions(t, path))

	ctx := t.Context()
	got, err := s.GetTenant(ctx, tn.ID)
	require.NoError(t, err)
	require.Equal(t, tn, got)
	_, err = s.WebhookSecret(ctx, tn.ID)
	require.True(t, easel.IsNotFound(err), "old tenants have no secret: %v", err)
	require.NoError(t, s.SetWebhookSecret(ctx, tn.ID, []byte("k")))
	tk := easel.Task{ID: easel.NewID(), TenantID: tn.ID, AssetID: easel.NewID(), Kind: easel.TaskRender,
		Ops: []string{"w_1"}, State: easel.TaskAccepted, CreatedAt: tn.CreatedAt, UpdatedAt: tn.CreatedAt}
	require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{tk}))
	gotTask, err := s.GetTask(ctx, tk.ID)
	require.NoError(t, err)
	require.Equal(t, tk, gotTask)
}

func versions(t *testing.T, path string) []int {
	t.Helper()
	var vs []int
	for v := range migrationRows(t, path) {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs
}

func newTestTenant(t testing.TB, s *sqlite.Store) easel.Tenant {
	tn := easel.Tenant{ID: easel.NewID(), Name: "acme", CreatedAt: time.Now()}
	require.NoError(t, s.CreateTenant(context.Background(), tn))
	return tn
}

func makeTasks(tenantID, batchID string, n int) []easel.Task {
	now := time.Now()
	tasks := make([]easel.Task, n)
	for i := range tasks {
		tasks[i] = easel.Task{ID: easel.NewID(), TenantID: tenantID, AssetID: easel.NewID(), BatchID: batchID,
			Kind: easel.TaskRender, Ops: []string{"w_100,h_100,c_fill", "f_webp,q_80"}, State: easel.TaskAccepted,
			CallbackURL: "https://example.com/hook", CreatedAt: now, UpdatedAt: now}
	}
	return tasks
}

// TestCreate300TasksFast checks the batch path stays one cheap transaction.
func TestCreate300TasksFast(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	s, _ := open(t)
	t.Cleanup(func() { s.Close() })
	tn := newTestTenant(t, s)
	var best time.Duration
	for i := range 3 {
		b := easel.Batch{ID: easel.NewID(), TenantID: tn.ID, Total: 300, CreatedAt: time.Now()}
		tasks := makeTasks(tn.ID, b.ID, 300)
		start := time.Now()
		require.NoError(t, s.CreateTasks(t.Context(), &b, tasks))
		if d := time.Since(start); i == 0 || d < best {
			best = d
		}
	}
	t.Logf("300 tasks in %v", best)
	// Well under 100 ms normally; generous under the race detector.
	require.Less(t, best, 500*time.Millisecond)
}

func BenchmarkCreateTasks300(b *testing.B) {
	s, _ := openB(b)
	tn := newTestTenant(b, s)
	for b.Loop() {
		b.StopTimer()
		batch := easel.Batch{ID: easel.NewID(), TenantID: tn.ID, Total: 300, CreatedAt: time.Now()}
		tasks := makeTasks(tn.ID, batch.ID, 300)
		b.StartTimer()
		if err := s.CreateTasks(context.Background(), &batch, tasks); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateTask measures sequential compare-and-set updates, the
// worker's hot path (about three per task), on a table of 10,000 tasks.
func BenchmarkUpdateTask(b *testing.B) {
	s, _ := openB(b)
	tn := newTestTenant(b, s)
	var tasks []easel.Task
	for range 10 {
		batch := easel.Batch{ID: easel.NewID(), TenantID: tn.ID, Total: 1000, CreatedAt: time.Now()}
		ts := makeTasks(tn.ID, batch.ID, 1000)
		if err := s.CreateTasks(context.Background(), &batch, ts); err != nil {
			b.Fatal(err)
		}
		tasks = append(tasks, ts...)
	}
	ctx := context.Background()
	states := []easel.TaskState{easel.TaskQueued, easel.TaskRunning, easel.TaskSucceeded}
	outputs := []easel.TaskOutput{{Ops: "w_100,h_100,c_fill", Key: "tasks/x/0.jpeg", Format: "jpeg", Width: 100, Height: 100, Bytes: 4321}}
	i := 0
	for b.Loop() {
		t := &tasks[i%len(tasks)]
		from := t.State
		if from == easel.TaskSucceeded {
			from = easel.TaskAccepted
			t.State = easel.TaskAccepted
		}
		t.State = states[(i/len(tasks))%len(states)]
		if from == t.State {
			t.State = easel.TaskRunning
		}
		t.Attempts++
		t.UpdatedAt = time.Now()
		t.Timings.Process = easel.Millis(time.Duration(i) * time.Microsecond)
		t.Outputs = outputs
		ok, err := s.UpdateTask(ctx, *t, from, easel.TaskSucceeded)
		if err != nil || !ok {
			b.Fatalf("update %d: %v %v", i, ok, err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
}

func openB(b *testing.B) (*sqlite.Store, string) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "meta.db")
	s, err := sqlite.Open(b.Context(), sqlite.Config{Path: path})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s, path
}
