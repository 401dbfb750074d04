package sqlstore

import (
	"context"

	"github.com/easelhq/easel"
)

// AddDeadLetter records d. The task must exist and belong to d.TenantID, or
// easel.CodeNotFound is returned; a zero At gives easel.CodeInvalidArgument.
// A task may have several dead letters (one per time it died).
func (s *Store) AddDeadLetter(ctx context.Context, d easel.DeadLetter) error {
	if d.TaskID == "" || d.TenantID == "" {
		return easel.Errorf(easel.CodeInvalidArgument, "dead letter task and tenant are required")
	}
	at, err := toNanos(d.At, "dead letter at")
	if err != nil {
		return err
	}
	res, err := s.write.ExecContext(ctx, `INSERT INTO dead_letters
    (id, task_id, tenant_id, attempts, stage, code, message, at)
SELECT ?, ?, ?, ?, ?, ?, ?, ?
WHERE EXISTS (SELECT 1 FROM tasks WHERE id = ? AND tenant_id = ?)`,
		easel.NewID(), d.TaskID, d.TenantID, d.Attempts, d.Error.Stage, string(d.Error.Code), d.Error.Message, at,
		d.TaskID, d.TenantID)
	if err != nil {
		return s.errorf("add dead letter of %q: %w", d.TaskID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.errorf("add dead letter of %q: %w", d.TaskID, err)
	}
	if n == 0 {
		return easel.Errorf(easel.CodeNotFound, "task %s of tenant %s not found", d.TaskID, d.TenantID)
	}
	return nil
}

// ListDeadLetters returns the task's dead letters, oldest first (ties in
// insertion order, mostly: by attempts, then a time-ordered row ID). A
// missing task has none.
func (s *Store) ListDeadLetters(ctx context.Context, taskID string) ([]easel.DeadLetter, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT task_id, tenant_id, attempts, stage, code, message, at
FROM dead_letters WHERE task_id = ? ORDER BY at, attempts, id`, taskID)
	if err != nil {
		return nil, s.errorf("list dead letters of %q: %w", taskID, err)
	}
	defer rows.Close()
	list := []easel.DeadLetter{}
	for rows.Next() {
		var (
			d    easel.DeadLetter
			code string
			at   int64
		)
		if err := rows.Scan(&d.TaskID, &d.TenantID, &d.Attempts, &d.Error.Stage, &code, &d.Error.Message, &at); err != nil {
			return nil, s.errorf("list dead letters of %q: %w", taskID, err)
		}
		d.Error.Code = easel.Code(code)
		d.At = fromNanos(at)
		list = append(list, d)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("list dead letters of %q: %w", taskID, err)
	}
	return list, nil
}
