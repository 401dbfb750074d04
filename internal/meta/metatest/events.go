package metatest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

// EventStore is a backend that keeps metadata, tasks and the event outbox.
type EventStore interface {
	easel.MetaStore
	easel.TaskStore
	easel.EventOutbox
}

// RunEvents runs the event outbox part of the conformance suite. newStore
// must return a new, empty store for every call; subtests run in parallel
// and close their store when done.
func RunEvents(t *testing.T, newStore func(t *testing.T) EventStore) {
	t.Helper()
	runCases(t, newStore, []testCase[EventStore]{
		{"EventsOnCreate", testEventsOnCreate},
		{"EventsOnStateChanges", testEventsOnStateChanges},
		{"EventsOnlyWithTheChange", testEventsOnlyWithTheChange},
		{"EventsFromStoredTask", testEventsFromStoredTask},
		{"EventsMarkPublished", testEventsMarkPublished},
		{"EventsLimit", testEventsLimit},
		{"EventsOrderPerTask", testEventsOrderPerTask},
		{"EventsCommittedSignal", testEventsCommittedSignal},
		{"EventsConcurrentCompareAndSet", testEventsConcurrentCompareAndSet},
	})
}

func unpublished(t *testing.T, s EventStore) []easel.Event {
	t.Helper()
	es, err := s.UnpublishedEvents(context.Background(), 0, time.Now())
	require.NoError(t, err)
	return es
}

// update applies a compare-and-set update and requires it to happen.
func update(t *testing.T, s EventStore, tk *easel.Task, state easel.TaskState, attempts int, from ...easel.TaskState) {
	t.Helper()
	tk.State, tk.Attempts, tk.UpdatedAt = state, attempts, tk.UpdatedAt.Add(time.Second)
	ok, err := s.UpdateTask(context.Background(), *tk, from...)
	require.NoError(t, err)
	require.True(t, ok, "update to %s", state)
}

func testEventsOnCreate(t *testing.T, s EventStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	b := easel.Batch{ID: easel.NewID(), TenantID: acme.ID, Total: 2, CreatedAt: base}
	t1, t2 := newTask(acme.ID), newTask(acme.ID)
	t1.BatchID, t2.BatchID = b.ID, b.ID
	require.NoError(t, s.CreateTasks(ctx, &b, []easel.Task{t1, t2}))
	require.Equal(t, []easel.Event{
		{ID: t1.ID + ".0.0.accepted", Type: easel.EventAccepted, TaskID: t1.ID, TenantID: acme.ID, AssetID: t1.AssetID, BatchID: b.ID, At: base},
		{ID: t2.ID + ".0.0.accepted", Type: easel.EventAccepted, TaskID: t2.ID, TenantID: acme.ID, AssetID: t2.AssetID, BatchID: b.ID, At: base},
	}, unpublished(t, s))

	// A refused creation records nothing: events commit with their tasks.
	dup := newTask(acme.ID)
	requireCode(t, easel.CodeInvalidArgument, s.CreateTasks(ctx, nil, []easel.Task{dup, t1}))
	requireCode(t, easel.CodeNotFound, s.CreateTasks(ctx, nil, []easel.Task{newTask(easel.NewID())}))
	require.Len(t, unpublished(t, s), 2)
}

func testEventsOnStateChanges(t *testing.T, s EventStore) {
	acme := createTenant(t, s, "acme")
	tk := newTask(acme.ID)
	require.NoError(t, s.CreateTasks(context.Background(), nil, []easel.Task{tk}))
	update(t, s, &tk, easel.TaskQueued, 0, easel.TaskAccepted)
	update(t, s, &tk, easel.TaskRunning, 1, easel.TaskQueued)
	tk.Error = &easel.TaskError{Stage: "process", Code: easel.CodeInternal, Message: "boom"}
	update(t, s, &tk, easel.TaskRetrying, 1, easel.TaskRunning)
	tk.Error = nil
	update(t, s, &tk, easel.TaskRunning, 2, easel.TaskRetrying)
	update(t, s, &tk, easel.TaskRunning, 3, easel.TaskRunning) // redelivered after a crash
	tk.Error = &easel.TaskError{Stage: "process", Code: easel.CodeInvalidArgument, Message: "bad"}
	update(t, s, &tk, easel.TaskDead, 3, easel.TaskRunning)
	tk.Generation, tk.Error = 1, nil
	update(t, s, &tk, easel.TaskAccepted, 0, easel.TaskDead) // retried by hand

	var got []string
	for _, e := range unpublished(t, s) {
		got = append(got, fmt.Sprintf("%s %s %d %v", e.ID, e.Type, e.Attempt, e.Error != nil))
		require.Equal(t, acme.ID, e.TenantID)
		require.Equal(t, tk.AssetID, e.AssetID)
	}
	id := tk.ID
	require.Equal(t, []string{
		id + ".0.0.accepted accepted 0 false",
		id + ".0.0.queued queued 0 false",
		id + ".0.1.started started 1 false",
		id + ".0.1.retrying retrying 1 true",
		id + ".0.2.started started 2 false",
		id + ".0.3.started started 3 false",
		id + ".0.3.dead dead 3 true",
		id + ".1.0.accepted accepted 0 false",
	}, got)
	es := unpublished(t, s)
	require.Equal(t, &easel.TaskError{Stage: "process", Code: easel.CodeInternal, Message: "boom"}, es[3].Error)
	require.Equal(t, base.Add(4*time.Second), es[4].At)
}

func testEventsOnlyWithTheChange(t *testing.T, s EventStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	tk := newTask(acme.ID)
	require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{tk}))
	require.NoError(t, s.MarkEventsPublished(ctx, []string{easel.TaskEvent(tk).ID}))

	// A failed compare-and-set records no event.
	moved := tk
	moved.State, moved.Attempts, moved.UpdatedAt = easel.TaskSucceeded, 1, at(5)
	ok, err := s.UpdateTask(ctx, moved, easel.TaskRunning, easel.TaskQueued)
	require.NoError(t, err)
	require.False(t, ok)
	// Neither does an update of a missing task.
	missing := newTask(acme.ID)
	missing.State = easel.TaskQueued
	_, err = s.UpdateTask(ctx, missing, easel.TaskAccepted)
	requireCode(t, easel.CodeNotFound, err)
	// Nor one that changes no state, generation or attempts (callback timings).
	same := tk
	same.Timings.Callback, same.UpdatedAt = easel.Millis(time.Millisecond), at(6)
	ok, err = s.UpdateTask(ctx, same, easel.TaskAccepted)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = s.UpdateTask(ctx, same)
	require.NoError(t, err)
	require.True(t, ok)
	require.Empty(t, unpublished(t, s))

	// An unconditional update that changes the state does.
	same.State = easel.TaskQueued
	ok, err = s.UpdateTask(ctx, same)
	require.NoError(t, err)
	require.True(t, ok)
	es := unpublished(t, s)
	require.Len(t, es, 1)
	require.Equal(t, easel.EventQueued, es[0].Type)
}

func testEventsFromStoredTask(t *testing.T, s EventStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	b := easel.Batch{ID: easel.NewID(), TenantID: acme.ID, Total: 1, CreatedAt: base}
	tk := newTask(acme.ID)
	tk.BatchID = b.ID
	require.NoError(t, s.CreateTasks(ctx, &b, []easel.Task{tk}))
	// UpdateTask ignores the immutable fields of its argument; so does the event.
	other := tk
	other.TenantID, other.AssetID, other.BatchID = "someone", "else", ""
	other.State, other.UpdatedAt = easel.TaskQueued, at(1)
	ok, err := s.UpdateTask(ctx, other, easel.TaskAccepted)
	require.NoError(t, err)
	require.True(t, ok)
	es := unpublished(t, s)
	require.Len(t, es, 2)
	require.Equal(t, easel.Event{ID: tk.ID + ".0.0.queued", Type: easel.EventQueued, TaskID: tk.ID,
		TenantID: acme.ID, AssetID: tk.AssetID, BatchID: b.ID, At: at(1)}, es[1])
}

func testEventsMarkPublished(t *testing.T, s EventStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	var tasks []easel.Task
	for range 5 {
		tasks = append(tasks, newTask(acme.ID))
	}
	require.NoError(t, s.CreateTasks(ctx, nil, tasks))
	es := unpublished(t, s)
	require.Len(t, es, 5)
	require.NoError(t, s.MarkEventsPublished(ctx, nil))
	require.NoError(t, s.MarkEventsPublished(ctx, []string{es[1].ID, es[3].ID, "no.such.event"}))
	require.Equal(t, []easel.Event{es[0], es[2], es[4]}, unpublished(t, s))
	require.NoError(t, s.MarkEventsPublished(ctx, []string{es[1].ID})) // again: not an error
	require.NoError(t, s.MarkEventsPublished(ctx, []string{es[0].ID, es[2].ID, es[4].ID}))
	require.Empty(t, unpublished(t, s))

	// Many at once.
	tasks = tasks[:0]
	for range 1200 {
		tasks = append(tasks, newTask(acme.ID))
	}
	require.NoError(t, s.CreateTasks(ctx, nil, tasks))
	ids := make([]string, len(tasks))
	for i, tk := range tasks {
		ids[i] = easel.TaskEvent(tk).ID
	}
	require.NoError(t, s.MarkEventsPublished(ctx, ids))
	require.Empty(t, unpublished(t, s))
}

func testEventsLimit(t *testing.T, s EventStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	var tasks []easel.Task
	for range 10 {
		tasks = append(tasks, newTask(acme.ID))
	}
	require.NoError(t, s.CreateTasks(ctx, nil, tasks))
	es, err := s.UnpublishedEvents(ctx, 3, time.Time{})
	require.NoError(t, err)
	require.Len(t, es, 3)
	for i, e := range es {
		require.Equal(t, tasks[i].ID, e.TaskID, "insertion order")
	}
	es, err = s.UnpublishedEvents(ctx, -1, time.Time{})
	require.NoError(t, err)
	require.Len(t, es, 10)
}

// testEventsOrderPerTask moves many tasks through their states from
// concurrent goroutines: each task's events come out in its order.
func testEventsOrderPerTask(t *testing.T, s EventStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	const n = 20
	tasks := make([]easel.Task, n)
	for i := range tasks {
		tasks[i] = newTask(acme.ID)
	}
	require.NoError(t, s.CreateTasks(ctx, nil, tasks))
	var wg sync.WaitGroup
	for i := range tasks {
		wg.Add(1)
		go func(tk easel.Task) {
			defer wg.Done()
			steps := []struct {
				state    easel.TaskState
				attempts int
				from     easel.TaskState
			}{
				{easel.TaskQueued, 0, easel.TaskAccepted},
				{easel.TaskRunning, 1, easel.TaskQueued},
				{easel.TaskSucceeded, 1, easel.TaskRunning},
			}
			for _, st := range steps {
				tk.State, tk.Attempts, tk.UpdatedAt = st.state, st.attempts, tk.UpdatedAt.Add(time.Second)
				ok, err := s.UpdateTask(ctx, tk, st.from)
				if err != nil || !ok {
					t.Errorf("task %s to %s: %v %v", tk.ID, st.state, ok, err)
					return
				}
			}
		}(tasks[i])
	}
	wg.Wait()
	byTask := map[string][]easel.EventType{}
	for _, e := range unpublished(t, s) {
		byTask[e.TaskID] = append(byTask[e.TaskID], e.Type)
	}
	require.Len(t, byTask, n)
	for id, types := range byTask {
		require.Equal(t, []easel.EventType{easel.EventAccepted, easel.EventQueued, easel.EventStarted, easel.EventSucceeded}, types, id)
	}
}

func testEventsCommittedSignal(t *testing.T, s EventStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	tk := newTask(acme.ID)
	drain := func() {
		select {
		case <-s.EventsCommitted():
		default:
		}
	}
	wait := func(what string) {
		t.Helper()
		select {
		case <-s.EventsCommitted():
		case <-time.After(5 * time.Second):
			t.Fatalf("no signal after %s", what)
		}
	}
	drain()
	require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{tk}))
	wait("CreateTasks")
	update(t, s, &tk, easel.TaskQueued, 0, easel.TaskAccepted)
	wait("UpdateTask")
	// Signals coalesce and never block the store.
	for range 3 {
		update(t, s, &tk, tk.State, tk.Attempts+1)
	}
	wait("several updates")
}

// testEventsConcurrentCompareAndSet races updates of the same tasks from one
// state: only the update that wins records its event.
func testEventsConcurrentCompareAndSet(t *testing.T, s EventStore) {
	ctx := context.Background()
	acme := createTenant(t, s, "acme")
	const tasks, racers = 10, 8
	for range tasks {
		tk := newTask(acme.ID)
		tk.State, tk.Attempts = easel.TaskRunning, 1
		require.NoError(t, s.CreateTasks(ctx, nil, []easel.Task{tk}))
		var (
			wg   sync.WaitGroup
			mu   sync.Mutex
			wins int
		)
		for i := range racers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u := tk
				u.State, u.UpdatedAt = easel.TaskSucceeded, at(i+1)
				if i%2 == 1 {
					u.State = easel.TaskDead
				}
				ok, err := s.UpdateTask(ctx, u, easel.TaskRunning)
				if err != nil {
					t.Errorf("update: %v", err)
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		require.Equal(t, 1, wins)
		final := getTask(t, s.(Store), tk.ID)
		var finals []easel.EventType
		for _, e := range unpublished(t, s) {
			if e.TaskID == tk.ID && e.Type != easel.EventStarted {
				finals = append(finals, e.Type)
			}
		}
		require.Equal(t, []easel.EventType{final.State.EventType()}, finals, "only the winner's event")
	}
}
