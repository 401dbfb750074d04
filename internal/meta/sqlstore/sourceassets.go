package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/easelhq/easel"
)

var _ easel.SourceAssetStore = (*Store)(nil)

// GetSourceAsset implements easel.SourceAssetStore.
func (s *Store) GetSourceAsset(ctx context.Context, tenantID, source, path, sha256 string) (string, error) {
	var id string
	err := s.read.QueryRowContext(ctx, "SELECT asset_id FROM source_assets WHERE tenant_id = ? AND source = ? AND path = ? AND sha256 = ?",
		tenantID, source, path, sha256).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", easel.Errorf(easel.CodeNotFound, "no asset of source %q path %q", source, path)
	} else if err != nil {
		return "", s.errorf("get source asset %s:%s: %w", source, path, err)
	}
	return id, nil
}

// PutSourceAsset implements easel.SourceAssetStore.
func (s *Store) PutSourceAsset(ctx context.Context, r easel.SourceAsset) error {
	if r.TenantID == "" || r.Source == "" || r.Path == "" || r.SHA256 == "" || r.AssetID == "" {
		return easel.Errorf(easel.CodeInvalidArgument, "source asset: tenant, source, path, sha256 and asset are required")
	}
	created, err := toNanos(r.CreatedAt, "source asset created_at")
	if err != nil {
		return err
	}
	_, err = s.write.ExecContext(ctx, "INSERT INTO source_assets (tenant_id, source, path, sha256, etag, asset_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "+
		"ON CONFLICT (tenant_id, source, path, sha256) DO UPDATE SET asset_id = excluded.asset_id, etag = excluded.etag, created_at = excluded.created_at",
		r.TenantID, r.Source, r.Path, r.SHA256, r.ETag, r.AssetID, created)
	if s.d.IsForeignKeyViolation(err) {
		return easel.Errorf(easel.CodeNotFound, "tenant %s not found", r.TenantID)
	} else if err != nil {
		return s.errorf("put source asset %s:%s: %w", r.Source, r.Path, err)
	}
	return nil
}
