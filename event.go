package easel

import (
	"context"
	"strconv"
	"time"
)

// EventOutbox keeps task events committed in the same transaction as the
// state changes they tell of, until a relay has published them: a state
// change is never committed without its event, and an event is never lost
// while the queue is down.
//
// A TaskStore that is an EventOutbox records, in the transaction of
// CreateTasks, one event per task (TaskEvent of the task as created) and, in
// the transaction of an UpdateTask that changed the stored state, generation
// or attempts, TaskEvent of the task as updated. An UpdateTask that changes
// none of the three (recording callback timings, say) records no event.
// The event's tenant, asset and batch are the stored task's.
//
// Every implementation passes the event part of internal/meta/metatest.
type EventOutbox interface {
	// UnpublishedEvents returns up to limit events not yet marked
	// published, in commit order (a task's events in the order of its state
	// changes): those this store value recorded, and those that other store
	// values (other processes) recorded before othersBefore. Until then they
	// are left to the relays of those processes, so that two relays do not
	// publish the same fresh events.
	UnpublishedEvents(ctx context.Context, limit int, othersBefore time.Time) ([]Event, error)
	// MarkEventsPublished removes the events with these IDs from the
	// outbox, once the queue has acknowledged them. Unknown IDs are ignored.
	MarkEventsPublished(ctx context.Context, ids []string) error
	// EventsCommitted receives (coalesced, never blocking the store) after
	// this store committed new events, so that a relay in the same process
	// publishes them at once instead of at its next poll.
	EventsCommitted() <-chan struct{}
}

// EventType returns the event that tells of a task entering the state.
func (s TaskState) EventType() EventType {
	switch s {
	case TaskAccepted:
		return EventAccepted
	case TaskQueued:
		return EventQueued
	case TaskRunning:
		return EventStarted
	case TaskRetrying:
		return EventRetrying
	case TaskSucceeded:
		return EventSucceeded
	case TaskDead:
		return EventDead
	}
	return EventType(s)
}

// TaskEvent returns the event of t having just entered its state. Its ID,
// <task>.<generation>.<attempts>.<type>, is the same for the same state
// change whoever computes it, and differs between state changes: within a
// generation a state is entered at most once per attempt.
func TaskEvent(t Task) Event {
	typ := t.State.EventType()
	return Event{
		ID:   EventID(t.ID, t.Generation, t.Attempts, typ),
		Type: typ, TaskID: t.ID, TenantID: t.TenantID, AssetID: t.AssetID, BatchID: t.BatchID,
		Attempt: t.Attempts, Error: t.Error, At: t.UpdatedAt,
	}
}

// EventID is the ID of the event of type typ of a task's generation and
// attempt.
func EventID(taskID string, generation, attempt int, typ EventType) string {
	return taskID + "." + strconv.Itoa(generation) + "." + strconv.Itoa(attempt) + "." + string(typ)
}
