package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/easelhq/easel"
)

// CreateTenant stores t. An existing ID is refused with
// easel.CodeInvalidArgument.
func (s *Store) CreateTenant(ctx context.Context, t easel.Tenant) error {
	if t.ID == "" {
		return easel.Errorf(easel.CodeInvalidArgument, "tenant ID is empty")
	}
	created, err := toNanos(t.CreatedAt, "tenant created_at")
	if err != nil {
		return err
	}
	_, err = s.write.ExecContext(ctx,
		"INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)", t.ID, t.Name, created)
	if err != nil {
		if s.d.IsPrimaryKeyViolation(err) {
			return easel.Errorf(easel.CodeInvalidArgument, "tenant %s already exists", t.ID)
		}
		return s.errorf("create tenant %q: %w", t.ID, err)
	}
	return nil
}

// GetTenant returns the tenant with the given ID.
func (s *Store) GetTenant(ctx context.Context, id string) (easel.Tenant, error) {
	t, err := scanTenant(s.read.QueryRowContext(ctx,
		"SELECT id, name, created_at FROM tenants WHERE id = ?", id))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return easel.Tenant{}, easel.Errorf(easel.CodeNotFound, "tenant %s not found", id)
		}
		return easel.Tenant{}, s.errorf("get tenant %q: %w", id, err)
	}
	return t, nil
}

// ListTenants returns all tenants, oldest first (ties by ID).
func (s *Store) ListTenants(ctx context.Context) ([]easel.Tenant, error) {
	rows, err := s.read.QueryContext(ctx,
		"SELECT id, name, created_at FROM tenants ORDER BY created_at, id")
	if err != nil {
		return nil, s.errorf("list tenants: %w", err)
	}
	defer rows.Close()
	tenants := []easel.Tenant{}
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, s.errorf("list tenants: %w", err)
		}
		tenants = append(tenants, t)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("list tenants: %w", err)
	}
	return tenants, nil
}

// scanner is a Row or Rows.
type scanner interface{ Scan(dest ...any) error }

func scanTenant(sc scanner) (easel.Tenant, error) {
	var (
		t       easel.Tenant
		created int64
	)
	if err := sc.Scan(&t.ID, &t.Name, &created); err != nil {
		return easel.Tenant{}, err
	}
	t.CreatedAt = fromNanos(created)
	return t, nil
}
