package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

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
		"SELECT "+tenantColumns+" FROM tenants WHERE id = ?", id))
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
		"SELECT "+tenantColumns+" FROM tenants ORDER BY created_at, id")
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

// SetTenantDisabled disables the tenant at disabledAt, or enables it when
// disabledAt is nil; a missing tenant gives easel.CodeNotFound. Disabling a
// disabled tenant keeps the first time. Each change of state counts in
// SigningKeysVersion.
func (s *Store) SetTenantDisabled(ctx context.Context, id string, disabledAt *time.Time) error {
	var at sql.NullInt64
	if disabledAt != nil {
		ns, err := toNanos(*disabledAt, "tenant disabled_at")
		if err != nil {
			return err
		}
		at = sql.NullInt64{Int64: ns, Valid: true}
	}
	return s.inTx(ctx, func(tx Conn) error {
		var current sql.NullInt64
		err := tx.QueryRowContext(ctx, "SELECT disabled_at FROM tenants WHERE id = ?", id).Scan(&current)
		if errors.Is(err, sql.ErrNoRows) {
			return easel.Errorf(easel.CodeNotFound, "tenant %s not found", id)
		}
		if err != nil {
			return s.errorf("set tenant %q disabled: %w", id, err)
		}
		if current.Valid == at.Valid {
			return nil // no change of state
		}
		if _, err := tx.ExecContext(ctx,
			"UPDATE tenants SET disabled_at = ?, state_changes = state_changes + 1 WHERE id = ?", at, id); err != nil {
			return s.errorf("set tenant %q disabled: %w", id, err)
		}
		return nil
	})
}

const tenantColumns = "id, name, created_at, disabled_at"

// scanner is a Row or Rows.
type scanner interface{ Scan(dest ...any) error }

func scanTenant(sc scanner) (easel.Tenant, error) {
	var (
		t        easel.Tenant
		created  int64
		disabled sql.NullInt64
	)
	if err := sc.Scan(&t.ID, &t.Name, &created, &disabled); err != nil {
		return easel.Tenant{}, err
	}
	t.CreatedAt = fromNanos(created)
	t.DisabledAt = nullableTime(disabled)
	return t, nil
}
