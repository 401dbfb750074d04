package sqlstore

import (
	"context"
	"time"

	"github.com/easelhq/easel"
)

// AddCallbackDelivery records d. A missing task gives easel.CodeNotFound; a
// zero At gives easel.CodeInvalidArgument.
func (s *Store) AddCallbackDelivery(ctx context.Context, d easel.CallbackDelivery) error {
	if d.TaskID == "" {
		return easel.Errorf(easel.CodeInvalidArgument, "callback delivery task is required")
	}
	at, err := toNanos(d.At, "callback delivery at")
	if err != nil {
		return err
	}
	_, err = s.write.ExecContext(ctx, `INSERT INTO callback_deliveries
    (id, task_id, attempt, url, status, latency_ns, error, delivered, at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		easel.NewID(), d.TaskID, d.Attempt, d.URL, d.Status, int64(d.Latency), d.Error, d.Delivered, at)
	switch {
	case err == nil:
		return nil
	case s.d.IsForeignKeyViolation(err):
		return easel.Errorf(easel.CodeNotFound, "task %s not found", d.TaskID)
	default:
		return s.errorf("add callback delivery of %q: %w", d.TaskID, err)
	}
}

// ListCallbackDeliveries returns the task's callback attempts, oldest first
// (ties by attempt, then a time-ordered row ID). A missing task has none.
func (s *Store) ListCallbackDeliveries(ctx context.Context, taskID string) ([]easel.CallbackDelivery, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT task_id, attempt, url, status, latency_ns, error, delivered, at
FROM callback_deliveries WHERE task_id = ? ORDER BY at, attempt, id`, taskID)
	if err != nil {
		return nil, s.errorf("list callback deliveries of %q: %w", taskID, err)
	}
	defer rows.Close()
	list := []easel.CallbackDelivery{}
	for rows.Next() {
		var (
			d       easel.CallbackDelivery
			latency int64
			at      int64
		)
		if err := rows.Scan(&d.TaskID, &d.Attempt, &d.URL, &d.Status, &latency, &d.Error, &d.Delivered, &at); err != nil {
			return nil, s.errorf("list callback deliveries of %q: %w", taskID, err)
		}
		d.Latency = time.Duration(latency)
		d.At = fromNanos(at)
		list = append(list, d)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("list callback deliveries of %q: %w", taskID, err)
	}
	return list, nil
}
