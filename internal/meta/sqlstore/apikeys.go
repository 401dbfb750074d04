package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/easelhq/easel"
)

const apiKeyColumns = "id, tenant_id, name, prefix, hash, created_at, revoked_at, scopes, expires_at"

// CreateAPIKey stores k. A key whose ID or hash exists already is refused
// with easel.CodeInvalidArgument; a missing tenant gives easel.CodeNotFound.
func (s *Store) CreateAPIKey(ctx context.Context, k easel.APIKey) error {
	if k.ID == "" {
		return easel.Errorf(easel.CodeInvalidArgument, "api key ID is empty")
	}
	if len(k.Hash) == 0 {
		return easel.Errorf(easel.CodeInvalidArgument, "api key %s has no hash", k.ID)
	}
	created, err := toNanos(k.CreatedAt, "api key created_at")
	if err != nil {
		return err
	}
	var revoked sql.NullInt64
	if k.RevokedAt != nil {
		if revoked.Int64, err = toNanos(*k.RevokedAt, "api key revoked_at"); err != nil {
			return err
		}
		revoked.Valid = true
	}
	var expires sql.NullInt64
	if k.ExpiresAt != nil {
		if expires.Int64, err = toNanos(*k.ExpiresAt, "api key expires_at"); err != nil {
			return err
		}
		expires.Valid = true
	}
	_, err = s.write.ExecContext(ctx, "INSERT INTO api_keys ("+apiKeyColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		k.ID, k.TenantID, k.Name, k.Prefix, encodeBytes(k.Hash), created, revoked, k.Scopes.Canonical().String(), expires)
	switch {
	case err == nil:
		return nil
	case s.d.IsPrimaryKeyViolation(err):
		return easel.Errorf(easel.CodeInvalidArgument, "api key %s already exists", k.ID)
	case s.d.IsUniqueViolation(err):
		return easel.Errorf(easel.CodeInvalidArgument, "an api key with the same hash already exists")
	case s.d.IsForeignKeyViolation(err):
		return easel.Errorf(easel.CodeNotFound, "tenant %s not found", k.TenantID)
	default:
		return s.errorf("create api key %q: %w", k.ID, err)
	}
}

// APIKeyByHash returns the key, revoked or not, whose Hash equals hash.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (easel.APIKey, error) {
	k, err := scanAPIKey(s.read.QueryRowContext(ctx,
		"SELECT "+apiKeyColumns+" FROM api_keys WHERE hash = ?", encodeBytes(hash)))
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return easel.APIKey{}, easel.Errorf(easel.CodeNotFound, "api key not found")
		}
		return easel.APIKey{}, s.errorf("api key by hash: %w", err)
	}
	return k, nil
}

// ListAPIKeys returns a tenant's keys, revoked ones included, oldest first.
func (s *Store) ListAPIKeys(ctx context.Context, tenantID string) ([]easel.APIKey, error) {
	rows, err := s.read.QueryContext(ctx,
		"SELECT "+apiKeyColumns+" FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id", tenantID)
	if err != nil {
		return nil, s.errorf("list api keys of %q: %w", tenantID, err)
	}
	defer rows.Close()
	keys := []easel.APIKey{}
	for rows.Next() {
		k, err := scanAPIKey(rows)
		if err != nil {
			return nil, s.errorf("list api keys of %q: %w", tenantID, err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("list api keys of %q: %w", tenantID, err)
	}
	return keys, nil
}

// RevokeAPIKey marks the key revoked at at. Revoking a revoked key is not an
// error and keeps the first revocation time.
func (s *Store) RevokeAPIKey(ctx context.Context, id string, at time.Time) error {
	if err := s.revoke(ctx, "api_keys", id, at); err != nil {
		if easel.IsNotFound(err) {
			return easel.Errorf(easel.CodeNotFound, "api key %s not found", id)
		}
		return s.errorf("revoke api key %q: %w", id, err)
	}
	return nil
}

// revoke sets revoked_at of the row id in table unless it is set already.
// It returns a CodeNotFound error if there is no such row.
func (s *Store) revoke(ctx context.Context, table, id string, at time.Time) error {
	ns, err := toNanos(at, "revoked_at")
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx Conn) error {
		res, err := tx.ExecContext(ctx,
			"UPDATE "+table+" SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", ns, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			return err
		}
		var one int
		err = tx.QueryRowContext(ctx, "SELECT 1 FROM "+table+" WHERE id = ?", id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return easel.Errorf(easel.CodeNotFound, "%s not found", id)
		}
		return err
	})
}

func scanAPIKey(sc scanner) (easel.APIKey, error) {
	var (
		k       easel.APIKey
		hash    string
		created int64
		revoked sql.NullInt64
		scopes  string
		expires sql.NullInt64
	)
	if err := sc.Scan(&k.ID, &k.TenantID, &k.Name, &k.Prefix, &hash, &created, &revoked, &scopes, &expires); err != nil {
		return easel.APIKey{}, err
	}
	var err error
	if k.Scopes, err = easel.ParseScopes(scopes); err != nil {
		return easel.APIKey{}, fmt.Errorf("api key %s: bad stored scopes: %w", k.ID, err)
	}
	k.ExpiresAt = nullableTime(expires)
	if k.Hash, err = decodeBytes(hash); err != nil {
		return easel.APIKey{}, fmt.Errorf("api key %s: bad stored hash: %w", k.ID, err)
	}
	k.CreatedAt = fromNanos(created)
	k.RevokedAt = nullableTime(revoked)
	return k, nil
}
