package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"math"

	"github.com/easelhq/easel"
)

var _ easel.ProgressStore = (*Store)(nil)

// SetTaskProgress implements easel.ProgressStore: one UPDATE of the
// progress column of a running task, with no event.
func (s *Store) SetTaskProgress(ctx context.Context, id string, progress float64) (bool, error) {
	if math.IsNaN(progress) {
		progress = 0
	}
	progress = min(max(progress, 0), 1)
	res, err := s.write.ExecContext(ctx, "UPDATE tasks SET progress = ? WHERE id = ? AND state = ?", progress, id, string(easel.TaskRunning))
	if err != nil {
		return false, s.errorf("set progress of task %q: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.errorf("set progress of task %q: %w", id, err)
	}
	if n == 1 {
		return true, nil
	}
	var one int
	err = s.read.QueryRowContext(ctx, "SELECT 1 FROM tasks WHERE id = ?", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, easel.Errorf(easel.CodeNotFound, "task %s not found", id)
	}
	if err != nil {
		return false, s.errorf("set progress of task %q: %w", id, err)
	}
	return false, nil
}
