package sqlstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/easelhq/easel"
)

var _ easel.TaskLister = (*Store)(nil)

// ListTenantTasks returns the tenant's tasks matching f, newest first (by
// descending ID), a page at a time, as ListAssets does: page.Limit defaults
// to DefaultPageLimit and is clamped to MaxPageLimit; the cursor is the
// encoded ID of the last task of the page before. A flow filter matches
// the stored ops' first entry, "<name>@<version>".
func (s *Store) ListTenantTasks(ctx context.Context, tenantID string, f easel.TaskFilter, page easel.ListPage) ([]easel.Task, string, error) {
	limit := page.Limit
	switch {
	case limit <= 0:
		limit = DefaultPageLimit
	case limit > MaxPageLimit:
		limit = MaxPageLimit
	}
	where := []string{"tenant_id = ?"}
	args := []any{tenantID}
	if f.State != "" {
		if !validTaskState(f.State) {
			return nil, "", easel.Errorf(easel.CodeInvalidArgument, "state %q: must be accepted, queued, running, retrying, succeeded or dead", f.State)
		}
		where, args = append(where, "state = ?"), append(args, string(f.State))
	}
	kind := f.Kind
	if f.Flow != "" {
		if kind != "" && kind != easel.TaskFlow {
			return nil, "", easel.Errorf(easel.CodeInvalidArgument, "flow: only tasks of kind flow run a flow")
		}
		kind = easel.TaskFlow
		// ops is the JSON array ["<name>@<version>", ...]; names hold no
		// character JSON escapes.
		prefix := `["` + f.Flow + `@`
		if name, v, ok := strings.Cut(f.Flow, "@"); ok {
			if _, err := strconv.Atoi(v); err != nil || name == "" {
				return nil, "", easel.Errorf(easel.CodeInvalidArgument, "flow %q: must be a name or name@version", f.Flow)
			}
			prefix = `["` + f.Flow + `",`
		}
		if strings.ContainsAny(f.Flow, `"\`) {
			return nil, "", easel.Errorf(easel.CodeInvalidArgument, "flow %q: not a flow name", f.Flow)
		}
		where, args = append(where, "substr(ops, 1, ?) = ?"), append(args, len(prefix), prefix)
	}
	if kind != "" {
		where, args = append(where, "kind = ?"), append(args, kind)
	}
	if f.AssetID != "" {
		where, args = append(where, "asset_id = ?"), append(args, f.AssetID)
	}
	if f.BatchID != "" {
		where, args = append(where, "batch_id = ?"), append(args, f.BatchID)
	}
	if page.Cursor != "" {
		after, err := decodeCursor(page.Cursor)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "id < ?"), append(args, after)
	}
	query := "SELECT " + selectTaskColumns + " FROM tasks WHERE " + strings.Join(where, " AND ") + " ORDER BY id DESC LIMIT ?"
	rows, err := s.read.QueryContext(ctx, query, append(args, limit+1)...)
	if err != nil {
		return nil, "", s.errorf("list tasks of %q: %w", tenantID, err)
	}
	defer rows.Close()
	out := []easel.Task{}
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, "", s.errorf("list tasks of %q: %w", tenantID, err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, "", s.errorf("list tasks of %q: %w", tenantID, err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = encodeCursor(out[limit-1].ID)
	}
	return out, next, nil
}
