package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/easelhq/easel"
)

var _ easel.RetentionStore = (*Store)(nil)

// AcquireLease implements easel.RetentionStore: one statement that inserts
// the lease, or takes it over when it expired or is holder's already.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := time.Now().UnixNano()
	res, err := s.write.ExecContext(ctx, "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) "+
		"ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at "+
		"WHERE leases.holder = excluded.holder OR leases.expires_at < ?",
		name, holder, now+int64(ttl), now)
	if err != nil {
		return false, s.errorf("acquire lease %q: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, s.errorf("acquire lease %q: %w", name, err)
	}
	return n == 1, nil
}

// ReleaseLease implements easel.RetentionStore.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := s.write.ExecContext(ctx, "DELETE FROM leases WHERE name = ? AND holder = ?", name, holder); err != nil {
		return s.errorf("release lease %q: %w", name, err)
	}
	return nil
}

// ExpiredAssets implements easel.RetentionStore.
func (s *Store) ExpiredAssets(ctx context.Context, tenantID string, before time.Time, limit int) ([]easel.Asset, error) {
	rows, err := s.read.QueryContext(ctx, selectAssets+"WHERE a.tenant_id = ? AND a.created_at < ? ORDER BY a.created_at, a.id LIMIT ?",
		tenantID, before.UnixNano(), limit)
	if err != nil {
		return nil, s.errorf("expired assets of %q: %w", tenantID, err)
	}
	defer rows.Close()
	var out []easel.Asset
	for rows.Next() {
		a, err := scanAsset(rows)
		if err != nil {
			return nil, s.errorf("expired assets of %q: %w", tenantID, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("expired assets of %q: %w", tenantID, err)
	}
	return out, nil
}

// ExpiredVariants implements easel.RetentionStore.
func (s *Store) ExpiredVariants(ctx context.Context, tenantID string, before time.Time, limit int) ([]easel.StoredVariant, error) {
	rows, err := s.read.QueryContext(ctx, "SELECT key, asset_id, tenant_id, bytes, created_at FROM variants "+
		"WHERE tenant_id = ? AND created_at < ? ORDER BY created_at, key LIMIT ?", tenantID, before.UnixNano(), limit)
	if err != nil {
		return nil, s.errorf("expired variants of %q: %w", tenantID, err)
	}
	defer rows.Close()
	var out []easel.StoredVariant
	for rows.Next() {
		var (
			v       easel.StoredVariant
			created int64
		)
		if err := rows.Scan(&v.Key, &v.AssetID, &v.TenantID, &v.Bytes, &created); err != nil {
			return nil, s.errorf("expired variants of %q: %w", tenantID, err)
		}
		v.CreatedAt = fromNanos(created)
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("expired variants of %q: %w", tenantID, err)
	}
	return out, nil
}

// BeginRetention implements easel.RetentionStore, in one transaction.
func (s *Store) BeginRetention(ctx context.Context, items []easel.RetentionItem) error {
	err := s.inTx(ctx, func(tx Conn) error {
		st, err := tx.PrepareContext(ctx, "INSERT INTO retention_log (id, tenant_id, kind, asset_id, key, bytes, created_at, started_at) "+
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
		if err != nil {
			return err
		}
		defer st.Close()
		for _, it := range items {
			if it.Kind != easel.RetentionOriginal && it.Kind != easel.RetentionVariant {
				return easel.Errorf(easel.CodeInvalidArgument, "retention item kind %q", it.Kind)
			}
			created, err := toNanos(it.CreatedAt, "retention item created_at")
			if err != nil {
				return err
			}
			started, err := toNanos(it.StartedAt, "retention item started_at")
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, it.ID, it.TenantID, it.Kind, it.AssetID, it.Key, it.Bytes, created, started); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if easel.ErrorCode(err) == easel.CodeInvalidArgument {
			return err
		}
		return s.errorf("begin retention: %w", err)
	}
	return nil
}

const retentionColumns = "id, tenant_id, kind, asset_id, key, bytes, created_at, started_at, done_at"

// PendingRetention implements easel.RetentionStore.
func (s *Store) PendingRetention(ctx context.Context, limit int) ([]easel.RetentionItem, error) {
	return s.retentionItems(ctx, "SELECT "+retentionColumns+" FROM retention_log WHERE done_at IS NULL ORDER BY started_at, id LIMIT ?", limit)
}

// RetentionLog implements easel.RetentionStore.
func (s *Store) RetentionLog(ctx context.Context, tenantID string, limit int) ([]easel.RetentionItem, error) {
	return s.retentionItems(ctx, "SELECT "+retentionColumns+" FROM retention_log WHERE tenant_id = ? ORDER BY started_at DESC, id DESC LIMIT ?", tenantID, limit)
}

func (s *Store) retentionItems(ctx context.Context, query string, args ...any) ([]easel.RetentionItem, error) {
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, s.errorf("retention log: %w", err)
	}
	defer rows.Close()
	var out []easel.RetentionItem
	for rows.Next() {
		var (
			it               easel.RetentionItem
			created, started int64
			done             sql.NullInt64
		)
		if err := rows.Scan(&it.ID, &it.TenantID, &it.Kind, &it.AssetID, &it.Key, &it.Bytes, &created, &started, &done); err != nil {
			return nil, s.errorf("retention log: %w", err)
		}
		it.CreatedAt, it.StartedAt, it.DoneAt = fromNanos(created), fromNanos(started), nullableTime(done)
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("retention log: %w", err)
	}
	return out, nil
}

// FinishRetention implements easel.RetentionStore.
func (s *Store) FinishRetention(ctx context.Context, id string, at time.Time) error {
	if _, err := s.write.ExecContext(ctx, "UPDATE retention_log SET done_at = ? WHERE id = ? AND done_at IS NULL", at.UnixNano(), id); err != nil {
		return s.errorf("finish retention item %q: %w", id, err)
	}
	return nil
}

// CountAssetsBySHA256 implements easel.RetentionStore.
func (s *Store) CountAssetsBySHA256(ctx context.Context, sha256hex string) (int, error) {
	var n int
	if err := s.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM assets WHERE sha256 = ?", sha256hex).Scan(&n); err != nil {
		return 0, s.errorf("count assets of %q: %w", sha256hex, err)
	}
	return n, nil
}
