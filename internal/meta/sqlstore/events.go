package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/easelhq/easel"
)

var _ easel.EventOutbox = (*Store)(nil)

// Limits of UnpublishedEvents and MarkEventsPublished.
const (
	DefaultEventListLimit = 500
	MaxEventListLimit     = 5000
	markChunk             = 500
)

const eventColumns = "id, task_id, tenant_id, asset_id, batch_id, type, attempt, error, at"

// insertEventSQL records the event of a state change, reading the tenant,
// asset and batch from the stored task. Its WHERE clause is completed by
// the caller with the compare-and-set of the update that follows it in the
// same transaction, so that the event exists exactly when the update
// happens. Parameters: event ID, type, attempt, error, at, origin,
// recorded, task ID, new state, generation, attempts, then the from states.
const insertEventSQL = "INSERT INTO task_events (" + eventColumns + ", origin, recorded) SELECT ?, id, tenant_id, asset_id, batch_id, ?, ?, ?, ?, ?, ? " +
	"FROM tasks WHERE id = ? AND NOT (state = ? AND generation = ? AND attempts = ?) ON CONFLICT (id) DO NOTHING"

// insertEventFromSQL is insertEventSQL for a compare-and-set from n states.
func insertEventFromSQL(n int) string {
	if n == 0 {
		return insertEventSQL
	}
	return strings.Replace(insertEventSQL, " ON CONFLICT", " AND state IN (?"+strings.Repeat(", ?", n-1)+") ON CONFLICT", 1)
}

// eventArgs returns the arguments of insertEventFromSQL for t after the
// update.
func (s *Store) eventArgs(t easel.Task, m taskMutable, from []easel.TaskState) []any {
	e := easel.TaskEvent(t)
	args := make([]any, 0, 11+len(from))
	args = append(args, e.ID, string(e.Type), e.Attempt, m.errJSON, m.updated, s.origin, time.Now().UnixNano(),
		t.ID, m.state, m.generation, m.attempts)
	for _, f := range from {
		args = append(args, string(f))
	}
	return args
}

// signalEvents wakes a relay waiting on EventsCommitted, without blocking.
func (s *Store) signalEvents() {
	select {
	case s.events <- struct{}{}:
	default:
	}
}

// EventsCommitted receives after this Store committed new events.
func (s *Store) EventsCommitted() <-chan struct{} { return s.events }

// UnpublishedEvents returns up to limit events of the outbox in insertion
// order: this Store's, and other Stores' recorded before othersBefore. A
// limit of zero or less means DefaultEventListLimit; it is clamped to
// MaxEventListLimit.
func (s *Store) UnpublishedEvents(ctx context.Context, limit int, othersBefore time.Time) ([]easel.Event, error) {
	before := othersBefore.UnixNano()
	if othersBefore.After(maxTime) {
		before = math.MaxInt64
	} else if othersBefore.Before(minTime) {
		before = math.MinInt64
	}
	switch {
	case limit <= 0:
		limit = DefaultEventListLimit
	case limit > MaxEventListLimit:
		limit = MaxEventListLimit
	}
	rows, err := s.read.QueryContext(ctx, "SELECT "+eventColumns+" FROM task_events WHERE origin = ? OR recorded < ? ORDER BY seq LIMIT ?",
		s.origin, before, limit)
	if err != nil {
		return nil, s.errorf("unpublished events: %w", err)
	}
	defer rows.Close()
	events := []easel.Event{}
	for rows.Next() {
		var (
			e       easel.Event
			batch   sql.NullString
			typ     string
			errJSON sql.NullString
			at      int64
		)
		if err := rows.Scan(&e.ID, &e.TaskID, &e.TenantID, &e.AssetID, &batch, &typ, &e.Attempt, &errJSON, &at); err != nil {
			return nil, s.errorf("unpublished events: %w", err)
		}
		e.BatchID, e.Type, e.At = batch.String, easel.EventType(typ), fromNanos(at)
		if errJSON.Valid {
			e.Error = new(easel.TaskError)
			if err := json.Unmarshal([]byte(errJSON.String), e.Error); err != nil {
				return nil, s.errorf("event %s: bad stored error: %w", e.ID, err)
			}
		}
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("unpublished events: %w", err)
	}
	return events, nil
}

// MarkEventsPublished deletes the events with these IDs from the outbox.
func (s *Store) MarkEventsPublished(ctx context.Context, ids []string) error {
	for len(ids) > 0 {
		n := min(len(ids), markChunk)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		query := "DELETE FROM task_events WHERE id IN (?" + strings.Repeat(", ?", n-1) + ")"
		if _, err := s.write.ExecContext(ctx, query, args...); err != nil {
			return s.errorf("mark events published: %w", err)
		}
		ids = ids[n:]
	}
	return nil
}
