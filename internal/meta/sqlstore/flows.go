package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/easelhq/easel"
)

var _ easel.FlowStore = (*Store)(nil)

// maxFlowYAML bounds a stored flow definition (internal/flow refuses
// larger ones before they get here).
const maxFlowYAML = 256 << 10

// PutFlow stores d as the next version of its name. A concurrent PutFlow
// of the same name that took the version first makes a d.Version 0 try the
// one after; with a d.Version set, it is CodeInvalidArgument.
func (s *Store) PutFlow(ctx context.Context, d easel.FlowDefinition) (easel.FlowDefinition, error) {
	if d.Name == "" || d.YAML == "" || d.CreatedBy == "" {
		return d, easel.Errorf(easel.CodeInvalidArgument, "flow name, YAML and creator are required")
	}
	if len(d.YAML) > maxFlowYAML {
		return d, easel.Errorf(easel.CodeTooLarge, "flow definition larger than %d bytes", maxFlowYAML)
	}
	if d.Version < 0 {
		return d, easel.Errorf(easel.CodeInvalidArgument, "flow %s: version must be positive", d.Name)
	}
	created, err := toNanos(d.CreatedAt, "flow created_at")
	if err != nil {
		return d, err
	}
	for attempt := 0; ; attempt++ {
		out := d
		err := s.inTx(ctx, func(tx Conn) error {
			var next int
			if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) + 1 FROM flow_versions WHERE name = ?", d.Name).Scan(&next); err != nil {
				return err
			}
			if d.Version != 0 && d.Version != next {
				return easel.Errorf(easel.CodeInvalidArgument, "flow %s: version %d is not the next one (%d)", d.Name, d.Version, next)
			}
			out.Version = next
			_, err := tx.ExecContext(ctx, "INSERT INTO flow_versions (name, version, yaml, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
				d.Name, next, d.YAML, d.CreatedBy, created)
			return err
		})
		if err != nil && s.d.IsPrimaryKeyViolation(err) {
			if d.Version == 0 && attempt < 5 {
				continue
			}
			return d, easel.Errorf(easel.CodeInvalidArgument, "flow %s: version %d was stored meanwhile", d.Name, out.Version)
		}
		if err != nil {
			return d, s.wrap(err, "put flow "+d.Name)
		}
		return out, nil
	}
}

// ListFlowDefinitions returns the versions not deleted, by name then version.
func (s *Store) ListFlowDefinitions(ctx context.Context) ([]easel.FlowDefinition, error) {
	rows, err := s.read.QueryContext(ctx, "SELECT name, version, yaml, created_by, created_at FROM flow_versions "+
		"WHERE deleted_at IS NULL ORDER BY name, version")
	if err != nil {
		return nil, s.errorf("list flows: %w", err)
	}
	defer rows.Close()
	out := []easel.FlowDefinition{}
	for rows.Next() {
		var d easel.FlowDefinition
		var created int64
		if err := rows.Scan(&d.Name, &d.Version, &d.YAML, &d.CreatedBy, &created); err != nil {
			return nil, s.errorf("list flows: %w", err)
		}
		d.CreatedAt = fromNanos(created)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("list flows: %w", err)
	}
	return out, nil
}

// DeleteFlow marks every version of the flow deleted.
func (s *Store) DeleteFlow(ctx context.Context, name string, at time.Time) error {
	n, err := toNanos(at, "flow deleted_at")
	if err != nil {
		return err
	}
	res, err := s.write.ExecContext(ctx, "UPDATE flow_versions SET deleted_at = ? WHERE name = ? AND deleted_at IS NULL", n, name)
	if err != nil {
		return s.errorf("delete flow %s: %w", name, err)
	}
	if c, err := res.RowsAffected(); err == nil && c == 0 {
		return easel.Errorf(easel.CodeNotFound, "no flow %q defined over the API", name)
	}
	return nil
}

// FlowsVersion is the number of flow versions plus the number deleted:
// rows are never removed nor undeleted, so it grows on every change.
func (s *Store) FlowsVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.read.QueryRowContext(ctx, "SELECT COUNT(*) + COUNT(deleted_at) FROM flow_versions").Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, s.errorf("flows version: %w", err)
	}
	return v, nil
}
