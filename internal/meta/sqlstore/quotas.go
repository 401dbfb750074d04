package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/easelhq/easel"
)

var _ easel.QuotaStore = (*Store)(nil)

// TenantPolicy implements easel.QuotaStore.
func (s *Store) TenantPolicy(ctx context.Context, tenantID string) (easel.TenantPolicy, error) {
	var (
		p                           = easel.TenantPolicy{TenantID: tenantID}
		maxBytes, uploads, burst    sql.NullInt64
		renders                     sql.NullFloat64
		keepOriginals, keepVariants sql.NullInt64
		updated                     int64
	)
	err := s.read.QueryRowContext(ctx, "SELECT max_stored_bytes, uploads_per_minute, renders_per_second, render_burst, "+
		"retention_originals, retention_variants, updated_at FROM tenant_policies WHERE tenant_id = ?", tenantID).
		Scan(&maxBytes, &uploads, &renders, &burst, &keepOriginals, &keepVariants, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err != nil {
		return easel.TenantPolicy{}, s.errorf("get policy of tenant %q: %w", tenantID, err)
	}
	p.MaxStoredBytes = nullInt(maxBytes)
	p.UploadsPerMinute = nullInt(uploads)
	p.RenderBurst = nullInt(burst)
	if renders.Valid {
		p.RendersPerSecond = &renders.Float64
	}
	p.RetentionOriginals = nullDuration(keepOriginals)
	p.RetentionVariants = nullDuration(keepVariants)
	p.UpdatedAt = fromNanos(updated)
	return p, nil
}

// SetTenantPolicy implements easel.QuotaStore.
func (s *Store) SetTenantPolicy(ctx context.Context, p easel.TenantPolicy) error {
	negative := func(v *int64) bool { return v != nil && *v < 0 }
	switch {
	case negative(p.MaxStoredBytes), negative(p.UploadsPerMinute), negative(p.RenderBurst),
		p.RendersPerSecond != nil && !(*p.RendersPerSecond >= 0),
		p.RetentionOriginals != nil && *p.RetentionOriginals < 0,
		p.RetentionVariants != nil && *p.RetentionVariants < 0:
		return easel.Errorf(easel.CodeInvalidArgument, "a tenant policy's limits and retentions must not be negative")
	}
	updated := p.UpdatedAt
	if updated.IsZero() {
		updated = time.Now()
	}
	var renders sql.NullFloat64
	if p.RendersPerSecond != nil {
		renders = sql.NullFloat64{Float64: *p.RendersPerSecond, Valid: true}
	}
	_, err := s.write.ExecContext(ctx, "INSERT INTO tenant_policies (tenant_id, max_stored_bytes, uploads_per_minute, renders_per_second, "+
		"render_burst, retention_originals, retention_variants, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "+
		"ON CONFLICT (tenant_id) DO UPDATE SET max_stored_bytes = excluded.max_stored_bytes, uploads_per_minute = excluded.uploads_per_minute, "+
		"renders_per_second = excluded.renders_per_second, render_burst = excluded.render_burst, "+
		"retention_originals = excluded.retention_originals, retention_variants = excluded.retention_variants, updated_at = excluded.updated_at",
		p.TenantID, toNullInt(p.MaxStoredBytes), toNullInt(p.UploadsPerMinute), renders, toNullInt(p.RenderBurst),
		toNullDuration(p.RetentionOriginals), toNullDuration(p.RetentionVariants), updated.UnixNano())
	if err != nil {
		if s.d.IsForeignKeyViolation(err) {
			return easel.Errorf(easel.CodeNotFound, "tenant %s not found", p.TenantID)
		}
		return s.errorf("set policy of tenant %q: %w", p.TenantID, err)
	}
	return nil
}

// RecordVariant implements easel.QuotaStore: the tenant is the asset's.
func (s *Store) RecordVariant(ctx context.Context, v easel.StoredVariant) error {
	created, err := toNanos(v.CreatedAt, "variant created_at")
	if err != nil {
		return err
	}
	_, err = s.write.ExecContext(ctx, "INSERT INTO variants (key, asset_id, tenant_id, bytes, created_at) "+
		"SELECT ?, id, tenant_id, ?, ? FROM assets WHERE id = ? "+
		"ON CONFLICT (key) DO UPDATE SET bytes = excluded.bytes, created_at = excluded.created_at",
		v.Key, v.Bytes, created, v.AssetID)
	if err != nil && !s.d.IsForeignKeyViolation(err) { // deleted meanwhile
		return s.errorf("record variant %q: %w", v.Key, err)
	}
	return nil
}

// ForgetVariant implements easel.QuotaStore.
func (s *Store) ForgetVariant(ctx context.Context, key string) error {
	if _, err := s.write.ExecContext(ctx, "DELETE FROM variants WHERE key = ?", key); err != nil {
		return s.errorf("forget variant %q: %w", key, err)
	}
	return nil
}

// StoredUsage implements easel.QuotaStore.
func (s *Store) StoredUsage(ctx context.Context, tenantID string) (easel.StoredUsage, error) {
	var u easel.StoredUsage
	err := s.read.QueryRowContext(ctx, "SELECT COUNT(*), COALESCE(SUM(bytes), 0), COALESCE(SUM(levels_bytes), 0) FROM assets WHERE tenant_id = ?",
		tenantID).Scan(&u.Assets, &u.OriginalBytes, &u.LevelBytes)
	if err == nil {
		err = s.read.QueryRowContext(ctx, "SELECT COUNT(*), COALESCE(SUM(bytes), 0) FROM variants WHERE tenant_id = ?",
			tenantID).Scan(&u.Variants, &u.VariantBytes)
	}
	if err != nil {
		return easel.StoredUsage{}, s.errorf("stored usage of tenant %q: %w", tenantID, err)
	}
	return u, nil
}

// RecordUpload implements easel.QuotaStore.
func (s *Store) RecordUpload(ctx context.Context, tenantID string, bytes int64, at time.Time) error {
	when, err := toNanos(at, "upload time")
	if err != nil {
		return err
	}
	if _, err := s.write.ExecContext(ctx, "INSERT INTO upload_log (id, tenant_id, bytes, at) VALUES (?, ?, ?, ?)",
		easel.NewID(), tenantID, bytes, when); err != nil {
		return s.errorf("record upload of tenant %q: %w", tenantID, err)
	}
	return nil
}

// CountUploads implements easel.QuotaStore.
func (s *Store) CountUploads(ctx context.Context, tenantID string, since time.Time) (int64, time.Time, error) {
	var (
		n      int64
		oldest sql.NullInt64
	)
	err := s.read.QueryRowContext(ctx, "SELECT COUNT(*), MIN(at) FROM upload_log WHERE tenant_id = ? AND at >= ?",
		tenantID, since.UnixNano()).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, s.errorf("count uploads of tenant %q: %w", tenantID, err)
	}
	if !oldest.Valid {
		return n, time.Time{}, nil
	}
	return n, fromNanos(oldest.Int64), nil
}

// AddRenders implements easel.QuotaStore.
func (s *Store) AddRenders(ctx context.Context, tenantID string, at time.Time, n int64) error {
	minute := at.Truncate(time.Minute).UnixNano()
	if _, err := s.write.ExecContext(ctx, "INSERT INTO render_counts (tenant_id, minute, renders) VALUES (?, ?, ?) "+
		"ON CONFLICT (tenant_id, minute) DO UPDATE SET renders = render_counts.renders + excluded.renders",
		tenantID, minute, n); err != nil {
		return s.errorf("add renders of tenant %q: %w", tenantID, err)
	}
	return nil
}

// CountRenders implements easel.QuotaStore.
func (s *Store) CountRenders(ctx context.Context, tenantID string, since time.Time) (int64, error) {
	var n int64
	if err := s.read.QueryRowContext(ctx, "SELECT COALESCE(SUM(renders), 0) FROM render_counts WHERE tenant_id = ? AND minute >= ?",
		tenantID, since.UnixNano()).Scan(&n); err != nil {
		return 0, s.errorf("count renders of tenant %q: %w", tenantID, err)
	}
	return n, nil
}

// PurgeUsage implements easel.QuotaStore.
func (s *Store) PurgeUsage(ctx context.Context, before time.Time) error {
	if _, err := s.write.ExecContext(ctx, "DELETE FROM upload_log WHERE at < ?", before.UnixNano()); err != nil {
		return s.errorf("purge upload log: %w", err)
	}
	if _, err := s.write.ExecContext(ctx, "DELETE FROM render_counts WHERE minute < ?", before.UnixNano()); err != nil {
		return s.errorf("purge render counts: %w", err)
	}
	return nil
}

func nullInt(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

func nullDuration(n sql.NullInt64) *time.Duration {
	if !n.Valid {
		return nil
	}
	d := time.Duration(n.Int64)
	return &d
}

func toNullInt(v *int64) sql.NullInt64 {
	if v == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *v, Valid: true}
}

func toNullDuration(v *time.Duration) sql.NullInt64 {
	if v == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(*v), Valid: true}
}
