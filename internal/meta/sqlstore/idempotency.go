package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/easelhq/easel"
)

var _ easel.IdempotentAssetStore = (*Store)(nil)

// CreateAssetIdempotent implements easel.IdempotentAssetStore.
func (s *Store) CreateAssetIdempotent(ctx context.Context, a easel.Asset, key easel.IdempotencyKey) (string, bool, error) {
	expires, err := toNanos(key.ExpiresAt, "idempotency key expires_at")
	if err != nil {
		return "", false, err
	}
	id, created := "", false
	err = s.inTx(ctx, func(tx Conn) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM idempotency_keys WHERE tenant_id = ? AND key = ? AND expires_at < ?",
			a.TenantID, key.Key, time.Now().UnixNano()); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "INSERT INTO idempotency_keys (tenant_id, key, request_hash, asset_id, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
			a.TenantID, key.Key, key.RequestHash, a.ID, expires)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 1 {
			id, created = a.ID, true
			return s.insertAsset(ctx, tx, a)
		}
		var hash string
		if err := tx.QueryRowContext(ctx, "SELECT request_hash, asset_id FROM idempotency_keys WHERE tenant_id = ? AND key = ?",
			a.TenantID, key.Key).Scan(&hash, &id); err != nil {
			return err
		}
		if hash != key.RequestHash {
			return easel.Errorf(easel.CodeIdempotencyMismatch, "Idempotency-Key %q was used for a different request", key.Key)
		}
		return nil
	})
	if err != nil {
		var ee *easel.Error
		if errors.As(err, &ee) {
			return "", false, err
		}
		return "", false, s.errorf("create asset %q under idempotency key: %w", a.ID, err)
	}
	return id, created, nil
}

// PurgeIdempotencyKeys implements easel.IdempotentAssetStore.
func (s *Store) PurgeIdempotencyKeys(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, "DELETE FROM idempotency_keys WHERE expires_at < ?", before.UnixNano())
	if err != nil {
		return 0, s.errorf("purge idempotency keys: %w", err)
	}
	return res.RowsAffected()
}
