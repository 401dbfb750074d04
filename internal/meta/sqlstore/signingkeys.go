package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/easelhq/easel"
)

const signingKeyColumns = "id, tenant_id, secret, created_at, revoked_at"

// CreateSigningKey stores k. An existing ID is refused with
// easel.CodeInvalidArgument; a missing tenant gives easel.CodeNotFound.
func (s *Store) CreateSigningKey(ctx context.Context, k easel.SigningKey) error {
	if k.ID == "" {
		return easel.Errorf(easel.CodeInvalidArgument, "signing key ID is empty")
	}
	if len(k.Secret) == 0 {
		return easel.Errorf(easel.CodeInvalidArgument, "signing key %s has no secret", k.ID)
	}
	created, err := toNanos(k.CreatedAt, "signing key created_at")
	if err != nil {
		return err
	}
	var revoked sql.NullInt64
	if k.RevokedAt != nil {
		if revoked.Int64, err = toNanos(*k.RevokedAt, "signing key revoked_at"); err != nil {
			return err
		}
		revoked.Valid = true
	}
	_, err = s.write.ExecContext(ctx, "INSERT INTO signing_keys ("+signingKeyColumns+") VALUES (?, ?, ?, ?, ?)",
		k.ID, k.TenantID, encodeBytes(k.Secret), created, revoked)
	switch {
	case err == nil:
		return nil
	case s.d.IsPrimaryKeyViolation(err):
		return easel.Errorf(easel.CodeInvalidArgument, "signing key %s already exists", k.ID)
	case s.d.IsForeignKeyViolation(err):
		return easel.Errorf(easel.CodeNotFound, "tenant %s not found", k.TenantID)
	default:
		return s.errorf("create signing key %q: %w", k.ID, err)
	}
}

// ListSigningKeys returns a tenant's signing keys, revoked ones included,
// oldest first.
func (s *Store) ListSigningKeys(ctx context.Context, tenantID string) ([]easel.SigningKey, error) {
	rows, err := s.read.QueryContext(ctx,
		"SELECT "+signingKeyColumns+" FROM signing_keys WHERE tenant_id = ? ORDER BY created_at, id", tenantID)
	if err != nil {
		return nil, s.errorf("list signing keys of %q: %w", tenantID, err)
	}
	defer rows.Close()
	keys := []easel.SigningKey{}
	for rows.Next() {
		var (
			k       easel.SigningKey
			secret  string
			created int64
			revoked sql.NullInt64
		)
		if err := rows.Scan(&k.ID, &k.TenantID, &secret, &created, &revoked); err != nil {
			return nil, s.errorf("list signing keys of %q: %w", tenantID, err)
		}
		if k.Secret, err = decodeBytes(secret); err != nil {
			return nil, s.errorf("signing key %q: bad stored secret: %w", k.ID, err)
		}
		k.CreatedAt = fromNanos(created)
		k.RevokedAt = nullableTime(revoked)
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("list signing keys of %q: %w", tenantID, err)
	}
	return keys, nil
}

// RevokeSigningKey marks the key revoked at at. Revoking a revoked key is not
// an error and keeps the first revocation time.
func (s *Store) RevokeSigningKey(ctx context.Context, id string, at time.Time) error {
	if err := s.revoke(ctx, "signing_keys", id, at); err != nil {
		if easel.IsNotFound(err) {
			return easel.Errorf(easel.CodeNotFound, "signing key %s not found", id)
		}
		return s.errorf("revoke signing key %q: %w", id, err)
	}
	return nil
}

// SigningKeysVersion returns the number of signing keys plus the number of
// revoked ones plus the tenants' changes of state (disable, enable). Keys
// are never deleted nor un-revoked and the changes only add up, so it grows
// on every creation, revocation, disable and enable.
func (s *Store) SigningKeysVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.read.QueryRowContext(ctx,
		"SELECT (SELECT COUNT(*) + COUNT(revoked_at) FROM signing_keys) + (SELECT CAST(COALESCE(SUM(state_changes), 0) AS BIGINT) FROM tenants)").Scan(&v); err != nil {
		return 0, s.errorf("signing keys version: %w", err)
	}
	return v, nil
}
