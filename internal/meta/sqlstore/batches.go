package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/easelhq/easel"
)

// GetBatch returns the batch with the given ID, whichever tenant owns it.
func (s *Store) GetBatch(ctx context.Context, id string) (easel.Batch, error) {
	var (
		b       easel.Batch
		created int64
	)
	err := s.read.QueryRowContext(ctx, "SELECT id, tenant_id, total, created_at FROM batches WHERE id = ?", id).
		Scan(&b.ID, &b.TenantID, &b.Total, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return easel.Batch{}, easel.Errorf(easel.CodeNotFound, "batch %s not found", id)
	}
	if err != nil {
		return easel.Batch{}, s.errorf("get batch %q: %w", id, err)
	}
	b.CreatedAt = fromNanos(created)
	return b, nil
}

// BatchCounts returns the number of the batch's tasks in each state; states
// with no task are left out. A missing batch gives easel.CodeNotFound.
func (s *Store) BatchCounts(ctx context.Context, batchID string) (map[easel.TaskState]int, error) {
	// One read transaction, so the existence check and the counts agree.
	tx, err := s.read.BeginTx(ctx, true)
	if err != nil {
		return nil, s.errorf("count batch %q: %w", batchID, err)
	}
	defer func() { _ = tx.Rollback() }()
	var one int
	err = tx.QueryRowContext(ctx, "SELECT 1 FROM batches WHERE id = ?", batchID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, easel.Errorf(easel.CodeNotFound, "batch %s not found", batchID)
	}
	if err != nil {
		return nil, s.errorf("count batch %q: %w", batchID, err)
	}
	rows, err := tx.QueryContext(ctx, "SELECT state, COUNT(*) FROM tasks WHERE batch_id = ? GROUP BY state", batchID)
	if err != nil {
		return nil, s.errorf("count batch %q: %w", batchID, err)
	}
	defer rows.Close()
	counts := map[easel.TaskState]int{}
	for rows.Next() {
		var (
			state string
			n     int
		)
		if err := rows.Scan(&state, &n); err != nil {
			return nil, s.errorf("count batch %q: %w", batchID, err)
		}
		counts[easel.TaskState(state)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("count batch %q: %w", batchID, err)
	}
	return counts, nil
}
