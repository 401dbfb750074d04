package metatest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

// Store is a backend that keeps both metadata and tasks.
type Store interface {
	easel.MetaStore
	easel.TaskStore
}

// RunTasks runs the task part of the conformance suite. newStore must return
// a new, empty store for every call; subtests run in parallel and close their
// store when done.
func RunTasks(t *testing.T, newStore func(t *testing.T) Store) {
	t.Helper()
	runCases(t, newStore, []testCase[Store]{
		{"TaskCreateGet", testTaskCreateGet},
		{"TaskMinimalRoundTrip", testTaskMinimalRoundTrip},
		{"TaskInvalid", testTaskInvalid},
		{"TaskDuplicate", testTaskDuplicate},
		{"TaskNotFound", testTaskNotFound},
		{"BatchCounts", testBatchCounts},
		{"BatchTenantIsolation", testBatchTenantIsolation},
		{"CreateManyTasks", testCreateManyTasks},
		{"UpdateTask", testUpdateTask},
		{"UpdateTaskCompareAndSet", testUpdateTaskCompareAndSet},
		{"TaskProgress", testTaskProgress},
		{"ListTasks", testListTasks},
		{"DeadLetters", testDeadLetters},
		{"CallbackDeliveries", testCallbackDeliveries},
		{"WebhookSecret", testWebhookSecret},
		{"SourceTask", testSourceTask},
		{"SourceAssets", testSourceAssets},
	})
}

// newTask returns an accepted render task of the tenant, created and updated at base.
func newTask(tenantID string) easel.Task {
	return easel.Task{
		ID: easel.NewID(), TenantID: tenantID, AssetID: easel.NewID(), Kind: easel.TaskRender,
		Ops: []string{"w_100"}, State: easel.TaskAccepted, CreatedAt: base, UpdatedAt: base,
	}
}

func ptr[T any](v T) *T { return &v }

func getTask(t *testing.T, s Store, id string) easel.Task {
	t.Helper()
	got, err := s.GetTask(context.Background(), id)
	require.NoError(t, err)
	return got
}

func testTaskCreateGet(t *testing.T, s Store) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	b := easel.Batch{ID: easel.NewID(), TenantID: acme.ID, Total: 1, CreatedAt: at(-1)}
	tk := easel.Task{
		ID: easel.NewID(), TenantID: acme.ID, AssetID: easel.NewID(), BatchID: b.ID,
		Kind: easel.TaskRender, Region: "eu-west",
		Ops:   []string{"w_100,h_100,c_fill", "f_webp,q_80", "ünïcode \"quoted\""},
		State: easel.TaskDead, Attempts: 3, Generation: 2,
		CallbackURL: "https://example.com/hook?a=1&b=2",
		Timings: easel.Timings{
			QueueWait: easel.Millis(1234567 * time.Nanosecond),
			Download:  easel.Millis(987654321 * time.Nanosecond),
			Process:   easel.Millis(3*time.Second + 1),
			Store:     easel.Millis(999999),
			Callback:  easel.Millis(7),
		},
		Outputs: []easel.TaskOutput{
			{Ops: "w_100,h_100,c_fill", Key: "tasks/x/0.jpeg", Format: "jpeg", Width: 100, Height: 100, Bytes: 4321},
			{Ops: "f_webp,q_80", Key: "tasks/x/1.webp", Format: "webp", Width: 640, Height: 480, Bytes: 1 << 40},
		},
		Error:      &easel.TaskError{Stage: "callback", Code: easel.CodeDeadlineExceeded, Message: "timed out after 10s"},
		CreatedAt:  at(0),
		UpdatedAt:  at(30),
		StartedAt:  ptr(at(20)),
		FinishedAt: ptr(at(29)),
	}
	require.NoError(t, s.CreateTasks(ctx, &b, []easel.Task{tk}))
	require.Equal(t, tk, getTask(t, s, tk.ID))
	gotBatch, err := s.GetBatch(ctx, b.ID)
	require.NoError(t, err)
	require.Equal(t, b, gotBatch)

	// Times in another zone come back equal, in UTC.
	paris := time.FixedZone("UTC+2", 2*60*60)
	tz := newTask(acme.ID)
	tz.CreatedAt = time.Date(2030, 7, 1, 12, 0, 0, 1, paris)
	tz.UpdatedAt = tz.CreatedAt
	require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{tz}))
	got := getTask(t, s, tz.ID)
	require.True(t, tz.CreatedAt.Equal(got.CreatedAt))
	require.Equal(t, time.UTC, got.CreatedAt.Location())
}

func testTaskMinimalRoundTrip(t *testing.T, s Store) {
	acme := createTenant(t, s, "acme")
	tk := newTask(acme.ID)
	require.NoError(t, s.CreateTasks(context.Background(), nil, []easel.Task{tk}))
	got := getTask(t, s, tk.ID)
	require.Equal(t, tk, got)
	require.Nil(t, got.Outputs)
	require.Nil(t, got.Error)
	require.Nil(t, got.StartedAt)
	require.Nil(t, got.FinishedAt)
	require.Empty(t, got.BatchID)

	// Clearing outputs and error by update reads back nil too.
	full := got
	full.State, full.UpdatedAt = easel.TaskRetrying, at(1)
	full.Outputs = []easel.TaskOutput{{Ops: "w_1", Key: "k", Format: "png", Width: 1, Height: 1, Bytes: 1}}
	full.Error = &easel.TaskError{Stage: "process", Code: easel.CodeInternal, Message: "boom"}
	ok, err := s.UpdateTask(context.Background(), full)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, full, getTask(t, s, tk.ID))
	full.Outputs, full.Error, full.UpdatedAt = nil, nil, at(2)
	ok, err = s.UpdateTask(context.Background(), full)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, full, getTask(t, s, tk.ID))
}

func testTaskInvalid(t *testing.T, s Store) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	tests := []struct {
		name   string
		modify func(*easel.Task)
	}{
		{"empty ID", func(tk *easel.Task) { tk.ID = "" }},
		{"zero created_at", func(tk *easel.Task) { tk.CreatedAt = time.Time{} }},
		{"zero updated_at", func(tk *easel.Task) { tk.UpdatedAt = time.Time{} }},
		{"unknown state", func(tk *easel.Task) { tk.State = "sleeping" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := newTask(acme.ID)
			tt.modify(&tk)
			requireCode(t, easel.CodeInvalidArgument, s.CreateTasks(ctx, nil, []easel.Task{tk}))
		})
	}

	tk := newTask(acme.ID)
	require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{tk}))
	zero := tk
	zero.UpdatedAt = time.Time{}
	_, err := s.UpdateTask(ctx, zero)
	requireCode(t, easel.CodeInvalidArgument, err)
	_, err = s.UpdateTask(ctx, tk, "sleeping")
	requireCode(t, easel.CodeInvalidArgument, err)
	_, err = s.ListTasks(ctx, easel.TaskAccepted, time.Time{}, 10)
	requireCode(t, easel.CodeInvalidArgument, err)
	requireCode(t, easel.CodeInvalidArgument, s.SetWebhookSecret(ctx, acme.ID, nil))
}

func testTaskDuplicate(t *testing.T, s Store) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	tk := newTask(acme.ID)
	require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{tk}))

	// An existing ID fails the whole call: the new task beside it is not kept.
	fresh := newTask(acme.ID)
	requireCode(t, easel.CodeInvalidArgument, s.CreateTasks(ctx, nil, []easel.Task{fresh, tk}))
	_, err := s.GetTask(ctx, fresh.ID)
	requireCode(t, easel.CodeNotFound, err)

	// So does an ID given twice, and a batch that exists.
	requireCode(t, easel.CodeInvalidArgument, s.CreateTasks(ctx, nil, []easel.Task{fresh, fresh}))
	b := easel.Batch{ID: easel.NewID(), TenantID: acme.ID, Total: 0, CreatedAt: base}
	require.NoError(t, s.CreateTasks(ctx, &b, nil))
	in := newTask(acme.ID)
	in.BatchID = b.ID
	requireCode(t, easel.CodeInvalidArgument, s.CreateTasks(ctx, &b, []easel.Task{in}))
	_, err = s.GetTask(ctx, in.ID)
	requireCode(t, easel.CodeNotFound, err)
}

func testTaskNotFound(t *testing.T, s Store) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	missing := newTask(acme.ID)

	_, err := s.GetTask(ctx, missing.ID)
	requireCode(t, easel.CodeNotFound, err)
	ok, err := s.UpdateTask(ctx, missing)
	requireCode(t, easel.CodeNotFound, err)
	require.False(t, ok)
	ok, err = s.UpdateTask(ctx, missing, easel.TaskAccepted)
	requireCode(t, easel.CodeNotFound, err)
	require.False(t, ok)

	_, err = s.GetBatch(ctx, easel.NewID())
	requireCode(t, easel.CodeNotFound, err)
	_, err = s.BatchCounts(ctx, easel.NewID())
	requireCode(t, easel.CodeNotFound, err)

	noTenant := newTask(easel.NewID())
	requireCode(t, easel.CodeNotFound, s.CreateTasks(ctx, nil, []easel.Task{noTenant}))
	noBatch := newTask(acme.ID)
	noBatch.BatchID = easel.NewID()
	requireCode(t, easel.CodeNotFound, s.CreateTasks(ctx, nil, []easel.Task{noBatch}))
	b := easel.Batch{ID: easel.NewID(), TenantID: easel.NewID(), CreatedAt: base}
	requireCode(t, easel.CodeNotFound, s.CreateTasks(ctx, &b, nil))
	_, err = s.GetBatch(ctx, b.ID)
	requireCode(t, easel.CodeNotFound, err)

	requireCode(t, easel.CodeNotFound, s.AddDeadLetter(ctx, easel.DeadLetter{
		TaskID: missing.ID, TenantID: acme.ID, Attempts: 1, At: base}))
	requireCode(t, easel.CodeNotFound, s.AddCallbackDelivery(ctx, easel.CallbackDelivery{
		TaskID: missing.ID, Attempt: 1, URL: "https://example.com", At: base}))
	dls, err := s.ListDeadLetters(ctx, missing.ID)
	require.NoError(t, err)
	require.Empty(t, dls)
	cbs, err := s.ListCallbackDeliveries(ctx, missing.ID)
	require.NoError(t, err)
	require.Empty(t, cbs)

	_, err = s.WebhookSecret(ctx, easel.NewID())
	requireCode(t, easel.CodeNotFound, err)
	requireCode(t, easel.CodeNotFound, s.SetWebhookSecret(ctx, easel.NewID(), []byte("secret")))
}

// setState moves the task to state with an unconditional update.
func setState(t *testing.T, s Store, tk *easel.Task, state easel.TaskState) {
	t.Helper()
	tk.State = state
	tk.UpdatedAt = tk.UpdatedAt.Add(time.Second)
	ok, err := s.UpdateTask(context.Background(), *tk)
	require.NoError(t, err)
	require.True(t, ok)
}

func testBatchCounts(t *testing.T, s Store) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	b := easel.Batch{ID: easel.NewID(), TenantID: acme.ID, Total: 5, CreatedAt: base}
	tasks := make([]easel.Task, 5)
	for i := range tasks {
		tasks[i] = newTask(acme.ID)
		tasks[i].BatchID = b.ID
	}
	require.NoError(t, s.CreateTasks(ctx, &b, tasks))
	// A task outside the batch, and an empty batch, count for nothing.
	require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{newTask(acme.ID)}))
	empty := easel.Batch{ID: easel.NewID(), TenantID: acme.ID, CreatedAt: base}
	require.NoError(t, s.CreateTasks(ctx, &empty, nil))

	counts := func(id string) map[easel.TaskState]int {
		t.Helper()
		c, err := s.BatchCounts(ctx, id)
		require.NoError(t, err)
		return c
	}
	require.Empty(t, counts(empty.ID))
	require.Equal(t, map[easel.TaskState]int{easel.TaskAccepted: 5}, counts(b.ID))

	setState(t, s, &tasks[0], easel.TaskQueued)
	setState(t, s, &tasks[1], easel.TaskQueued)
	setState(t, s, &tasks[2], easel.TaskRunning)
	require.Equal(t, map[easel.TaskState]int{easel.TaskAccepted: 2, easel.TaskQueued: 2, easel.TaskRunning: 1}, counts(b.ID))

	for i := range tasks {
		setState(t, s, &tasks[i], easel.TaskSucceeded)
	}
	setState(t, s, &tasks[4], easel.TaskDead)
	require.Equal(t, map[easel.TaskState]int{easel.TaskSucceeded: 4, easel.TaskDead: 1}, counts(b.ID))

	// Tasks may join an existing batch later.
	late := newTask(acme.ID)
	late.BatchID = b.ID
	require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{late}))
	require.Equal(t, map[easel.TaskState]int{easel.TaskSucceeded: 4, easel.TaskDead: 1, easel.TaskAccepted: 1}, counts(b.ID))
}

func testBatchTenantIsolation(t *testing.T, s Store) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	other := createTenant(t, s, "other")
	b := easel.Batch{ID: easel.NewID(), TenantID: acme.ID, Total: 1, CreatedAt: base}

	foreign := newTask(other.ID)
	foreign.BatchID = b.ID
	requireCode(t, easel.CodeInvalidArgument, s.CreateTasks(ctx, &b, []easel.Task{foreign}))
	_, err := s.GetBatch(ctx, b.ID)
	requireCode(t, easel.CodeNotFound, err) // nothing of a refused call is kept

	outside := newTask(acme.ID) // not marked as in the batch
	requireCode(t, easel.CodeInvalidArgument, s.CreateTasks(ctx, &b, []easel.Task{outside}))

	require.NoError(t, s.CreateTasks(ctx, &b, nil))
	requireCode(t, easel.CodeInvalidArgument, s.CreateTasks(ctx, nil, []easel.Task{foreign}))
	_, err = s.GetTask(ctx, foreign.ID)
	requireCode(t, easel.CodeNotFound, err)
}

func testCreateManyTasks(t *testing.T, s Store) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	b := easel.Batch{ID: easel.NewID(), TenantID: acme.ID, Total: 300, CreatedAt: base}
	tasks := make([]easel.Task, 300)
	for i := range tasks {
		tasks[i] = newTask(acme.ID)
		tasks[i].BatchID = b.ID
		tasks[i].Ops = []string{"w_100", "w_200", "f_webp"}
	}
	require.NoError(t, s.CreateTasks(ctx, &b, tasks))
	c, err := s.BatchCounts(ctx, b.ID)
	require.NoError(t, err)
	require.Equal(t, map[easel.TaskState]int{easel.TaskAccepted: 300}, c)
	require.Equal(t, tasks[299], getTask(t, s, tasks[299].ID))
}

func testUpdateTask(t *testing.T, s Store) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	tk := newTask(acme.ID)
	require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{tk}))

	// A state outside from: nothing changes, and it is no error.
	next := tk
	next.State, next.Attempts, next.UpdatedAt, next.StartedAt = easel.TaskRunning, 1, at(5), ptr(at(5))
	ok, err := s.UpdateTask(ctx, next, easel.TaskQueued, easel.TaskRetrying)
	require.NoError(t, err)
	require.False(t, ok)
	require.Equal(t, tk, getTask(t, s, tk.ID))

	// One of several from states.
	ok, err = s.UpdateTask(ctx, next, easel.TaskQueued, easel.TaskAccepted, easel.TaskRetrying)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, next, getTask(t, s, tk.ID))

	// Only the mutable fields change.
	changed := next
	changed.TenantID, changed.AssetID, changed.Kind, changed.Region = "x", "y", "z", "w"
	changed.Ops, changed.CallbackURL, changed.CreatedAt = []string{"other"}, "https://other", at(99)
	changed.State, changed.Generation, changed.UpdatedAt, changed.FinishedAt = easel.TaskSucceeded, 4, at(6), ptr(at(6))
	changed.Timings = easel.Timings{Process: easel.Millis(1500 * time.Microsecond)}
	ok, err = s.UpdateTask(ctx, changed, easel.TaskRunning)
	require.NoError(t, err)
	require.True(t, ok)
	want := next
	want.State, want.Generation, want.UpdatedAt, want.FinishedAt = easel.TaskSucceeded, 4, at(6), ptr(at(6))
	want.Timings = changed.Timings
	require.Equal(t, want, getTask(t, s, tk.ID))

	// Without from, the update is unconditional (a manual retry of anything).
	retry := want
	retry.State, retry.Generation, retry.UpdatedAt, retry.FinishedAt = easel.TaskAccepted, 5, at(7), nil
	ok, err = s.UpdateTask(ctx, retry)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, retry, getTask(t, s, tk.ID))
}

func testUpdateTaskCompareAndSet(t *testing.T, s Store) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	tk := newTask(acme.ID)
	tk.State = easel.TaskRunning
	require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{tk}))

	const workers = 20
	var (
		wg    sync.WaitGroup
		wins  atomic.Int32
		start = make(chan struct{})
		errs  = make([]error, workers)
	)
	for i := range workers {
		wg.Go(func() {
			done := tk
			done.State, done.Attempts, done.UpdatedAt, done.FinishedAt = easel.TaskSucceeded, i+1, at(10+i), ptr(at(10+i))
			<-start
			ok, err := s.UpdateTask(ctx, done, easel.TaskRunning)
			errs[i] = err
			if ok {
				wins.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.EqualValues(t, 1, wins.Load(), "exactly one update from running succeeds")
	got := getTask(t, s, tk.ID)
	require.Equal(t, easel.TaskSucceeded, got.State)
	require.Equal(t, at(10+got.Attempts-1), got.UpdatedAt, "the winner's fields are stored whole")
}

func testListTasks(t *testing.T, s Store) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	other := createTenant(t, s, "other")
	mk := func(tenantID string, state easel.TaskState, updated int) easel.Task {
		tk := newTask(tenantID)
		tk.State, tk.UpdatedAt = state, at(updated)
		return tk
	}
	// Inserted out of order of updated_at.
	a3 := mk(acme.ID, easel.TaskAccepted, 3)
	a1 := mk(acme.ID, easel.TaskAccepted, 1)
	o2 := mk(other.ID, easel.TaskAccepted, 2)
	a9 := mk(acme.ID, easel.TaskAccepted, 9)
	q0 := mk(acme.ID, easel.TaskQueued, 0)
	require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{a3, a1, q0, a9}))
	require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{o2}))

	ids := func(state easel.TaskState, before time.Time, limit int) []string {
		t.Helper()
		list, err := s.ListTasks(ctx, state, before, limit)
		require.NoError(t, err)
		out := []string{}
		for _, tk := range list {
			out = append(out, tk.ID)
		}
		return out
	}
	require.Equal(t, []string{a1.ID, o2.ID, a3.ID}, ids(easel.TaskAccepted, at(9), 10), "strictly before, all tenants")
	require.Equal(t, []string{a1.ID, o2.ID}, ids(easel.TaskAccepted, at(9), 2))
	require.Equal(t, []string{a1.ID, o2.ID, a3.ID, a9.ID}, ids(easel.TaskAccepted, at(100), 10))
	require.Equal(t, []string{q0.ID}, ids(easel.TaskQueued, at(100), 10))
	require.Empty(t, ids(easel.TaskRunning, at(100), 10))
	require.Empty(t, ids(easel.TaskAccepted, at(1), 10))

	// Moving a task out of the state, or updating it, changes its place.
	setState(t, s, &a1, easel.TaskQueued)
	a3.UpdatedAt = at(50)
	ok, err := s.UpdateTask(ctx, a3, easel.TaskAccepted)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, []string{o2.ID, a9.ID, a3.ID}, ids(easel.TaskAccepted, at(100), 10))

	list, err := s.ListTasks(ctx, easel.TaskQueued, at(100), 10)
	require.NoError(t, err)
	require.Equal(t, []easel.Task{q0, a1}, list, "whole tasks")
}

func testDeadLetters(t *testing.T, s Store) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	other := createTenant(t, s, "other")
	tk, tk2 := newTask(acme.ID), newTask(acme.ID)
	require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{tk, tk2}))

	d2 := easel.DeadLetter{TaskID: tk.ID, TenantID: acme.ID, Attempts: 5, At: at(20),
		Error: easel.TaskError{Stage: "process", Code: easel.CodeUnsupportedMedia, Message: "bad header"}}
	d1 := easel.DeadLetter{TaskID: tk.ID, TenantID: acme.ID, Attempts: 3, At: at(10),
		Error: easel.TaskError{Stage: "download", Code: easel.CodeNotFound, Message: "original missing"}}
	dx := easel.DeadLetter{TaskID: tk2.ID, TenantID: acme.ID, Attempts: 1, At: at(0),
		Error: easel.TaskError{Stage: "queue", Code: easel.CodeInternal, Message: "x"}}
	for _, d := range []easel.DeadLetter{d2, d1, dx} {
		require.NoError(t, s.AddDeadLetter(ctx, d))
	}
	list, err := s.ListDeadLetters(ctx, tk.ID)
	require.NoError(t, err)
	require.Equal(t, []easel.DeadLetter{d1, d2}, list)
	list, err = s.ListDeadLetters(ctx, tk2.ID)
	require.NoError(t, err)
	require.Equal(t, []easel.DeadLetter{dx}, list)

	wrongTenant := d1
	wrongTenant.TenantID = other.ID
	requireCode(t, easel.CodeNotFound, s.AddDeadLetter(ctx, wrongTenant))
	zero := d1
	zero.At = time.Time{}
	requireCode(t, easel.CodeInvalidArgument, s.AddDeadLetter(ctx, zero))
}

func testCallbackDeliveries(t *testing.T, s Store) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	tk, tk2 := newTask(acme.ID), newTask(acme.ID)
	require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{tk, tk2}))

	c3 := easel.CallbackDelivery{TaskID: tk.ID, Attempt: 3, URL: "https://example.com/h", Status: 200,
		Latency: 123456789 * time.Nanosecond, Delivered: true, At: at(30)}
	c1 := easel.CallbackDelivery{TaskID: tk.ID, Attempt: 1, URL: "https://example.com/h", Status: 0,
		Latency: 10 * time.Second, Error: "context deadline exceeded", At: at(10)}
	c2 := easel.CallbackDelivery{TaskID: tk.ID, Attempt: 2, URL: "https://example.com/h", Status: 503,
		Latency: time.Millisecond, Error: "503 Service Unavailable", At: at(20)}
	// Same instant: the attempt number orders them.
	c4 := easel.CallbackDelivery{TaskID: tk.ID, Attempt: 4, URL: "https://example.com/h", Status: 200,
		Latency: 1, Delivered: true, At: at(30)}
	cx := easel.CallbackDelivery{TaskID: tk2.ID, Attempt: 1, URL: "https://other", Status: 500, At: at(0)}
	for _, c := range []easel.CallbackDelivery{c4, c3, c1, cx, c2} {
		require.NoError(t, s.AddCallbackDelivery(ctx, c))
	}
	list, err := s.ListCallbackDeliveries(ctx, tk.ID)
	require.NoError(t, err)
	require.Equal(t, []easel.CallbackDelivery{c1, c2, c3, c4}, list)
	list, err = s.ListCallbackDeliveries(ctx, tk2.ID)
	require.NoError(t, err)
	require.Equal(t, []easel.CallbackDelivery{cx}, list)

	zero := c1
	zero.At = time.Time{}
	requireCode(t, easel.CodeInvalidArgument, s.AddCallbackDelivery(ctx, zero))
}

func testWebhookSecret(t *testing.T, s Store) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	other := createTenant(t, s, "other")

	_, err := s.WebhookSecret(ctx, acme.ID)
	requireCode(t, easel.CodeNotFound, err)

	first := randomBytes(t, 32)
	require.NoError(t, s.SetWebhookSecret(ctx, acme.ID, first))
	got, err := s.WebhookSecret(ctx, acme.ID)
	require.NoError(t, err)
	require.Equal(t, first, got)

	second := randomBytes(t, 32)
	require.NoError(t, s.SetWebhookSecret(ctx, acme.ID, second))
	got, err = s.WebhookSecret(ctx, acme.ID)
	require.NoError(t, err)
	require.Equal(t, second, got)

	_, err = s.WebhookSecret(ctx, other.ID)
	requireCode(t, easel.CodeNotFound, err) // secrets are per tenant

	// The tenant itself is untouched.
	tn, err := s.GetTenant(ctx, acme.ID)
	require.NoError(t, err)
	require.Equal(t, acme, tn)
}

func testTaskProgress(t *testing.T, s Store) {
	ps, ok := s.(easel.ProgressStore)
	require.True(t, ok, "every task store keeps progress (easel.ProgressStore)")
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	tk := newTask(acme.ID)
	require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{tk}))

	// Not running: nothing changes.
	set, err := ps.SetTaskProgress(ctx, tk.ID, 0.5)
	require.NoError(t, err)
	require.False(t, set)
	require.Zero(t, getTask(t, s, tk.ID).Progress)

	running := tk
	running.State, running.Attempts, running.UpdatedAt = easel.TaskRunning, 1, at(1)
	ok, err = s.UpdateTask(ctx, running, easel.TaskAccepted)
	require.NoError(t, err)
	require.True(t, ok)
	for _, c := range []struct{ set, want float64 }{{0.25, 0.25}, {0.75, 0.75}, {7, 1}, {-1, 0}} {
		set, err := ps.SetTaskProgress(ctx, tk.ID, c.set)
		require.NoError(t, err)
		require.True(t, set)
		got := getTask(t, s, tk.ID)
		require.InDelta(t, c.want, got.Progress, 1e-9)
		require.Equal(t, easel.TaskRunning, got.State)
		require.Equal(t, running.UpdatedAt, got.UpdatedAt, "progress is no state change")
	}

	_, err = ps.SetTaskProgress(ctx, easel.NewID(), 0.5)
	requireCode(t, easel.CodeNotFound, err)
}
