package assets

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/easelhq/easel"
)

// Store is what Assets needs of the metadata store.
type Store interface {
	GetAsset(ctx context.Context, id string) (easel.Asset, error)
	ListAssets(ctx context.Context, tenantID string, page easel.ListPage) ([]easel.Asset, string, error)
	DeleteAsset(ctx context.Context, id string) (remaining int, err error)
	// CountAssetsBySHA256 counts the assets, of any tenant, whose original
	// has the hash.
	CountAssetsBySHA256(ctx context.Context, sha256hex string) (int, error)
	SimilarAssets(ctx context.Context, tenantID string, phash uint64, maxDistance, limit int, excludeID string) ([]easel.Similar, error)
}

// Config configures Assets.
type Config struct {
	// NearDistance and NearLimit are the defaults of a similar search: the
	// largest pHash distance (0..16) and the number of assets returned.
	NearDistance int
	NearLimit    int
	// Purge, when set, tells front caches the asset is gone (internal/purge).
	// Delete calls it after the asset is removed and before returning; it
	// must bound its own time and report its failures itself.
	Purge func(ctx context.Context, assetID string)
	// Signer, when set, signs delivery URLs for Sign (internal/keys.Keys).
	Signer Signer
}

// OriginalLoader reads an asset's original bytes. internal/render.Renderer is one.
type OriginalLoader interface {
	LoadOriginal(ctx context.Context, a easel.Asset) ([]byte, error)
}

// Assets reads, lists and deletes originals and finds near duplicates.
type Assets struct {
	cfg    Config
	store  Store
	blobs  easel.BlobStore
	engine Rasterizer
	loader OriginalLoader
	log    *slog.Logger
	// onDelete is told of every deleted asset, so caches can forget it.
	onDelete func(assetID string)
}

// New returns an Assets service. onDelete may be nil.
func New(cfg Config, store Store, blobs easel.BlobStore, engine Rasterizer, loader OriginalLoader, log *slog.Logger, onDelete func(string)) *Assets {
	if onDelete == nil {
		onDelete = func(string) {}
	}
	return &Assets{cfg: cfg, store: store, blobs: blobs, engine: engine, loader: loader, log: log, onDelete: onDelete}
}

// Get returns the tenant's asset. Another tenant's asset is not found.
func (s *Assets) Get(ctx context.Context, tenantID, id string) (easel.Asset, error) {
	if !easel.ValidID(id) {
		return easel.Asset{}, easel.Errorf(easel.CodeNotFound, "asset %q not found", id)
	}
	a, err := s.store.GetAsset(ctx, id)
	if err != nil {
		return easel.Asset{}, err
	}
	if a.TenantID != tenantID {
		return easel.Asset{}, easel.Errorf(easel.CodeNotFound, "asset %s not found", id)
	}
	return a, nil
}

// ListRequest asks for one page of a tenant's assets.
type ListRequest struct {
	Cursor string // empty for the first page, then the NextCursor of the page before
	Limit  *int   // 1..1000; nil means 50
}

// ListResult is one page of assets, newest first.
type ListResult struct {
	Items      []easel.Asset `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

// List returns a page of the tenant's assets, newest first.
func (s *Assets) List(ctx context.Context, tenantID string, req ListRequest) (ListResult, error) {
	page := easel.ListPage{Cursor: req.Cursor, Limit: 50}
	if req.Limit != nil {
		if *req.Limit < 1 || *req.Limit > 1000 {
			return ListResult{}, easel.Errorf(easel.CodeInvalidArgument, "limit must be an integer 1..1000")
		}
		page.Limit = *req.Limit
	}
	items, next, err := s.store.ListAssets(ctx, tenantID, page)
	if err != nil {
		return ListResult{}, err
	}
	if items == nil {
		items = []easel.Asset{}
	}
	return ListResult{Items: items, NextCursor: next}, nil
}

// Delete removes the asset, every stored variant and level of it, and the
// original when no other asset uses the same bytes.
func (s *Assets) Delete(ctx context.Context, tenantID, id string) error {
	a, err := s.Get(ctx, tenantID, id)
	if err != nil {
		return err
	}
	return s.Remove(ctx, a)
}

// Remove deletes an asset as Delete does, whichever tenant owns it (the
// retention janitor's way in). It is idempotent: an asset whose row is
// gone already (a removal cut short) has what is left of it deleted, so
// calling it again after a failure finishes the job. Only a.ID and
// a.SHA256 are read.
func (s *Assets) Remove(ctx context.Context, a easel.Asset) error {
	id := a.ID
	remaining, err := s.store.DeleteAsset(ctx, id)
	if easel.IsNotFound(err) {
		remaining, err = s.store.CountAssetsBySHA256(ctx, a.SHA256)
	}
	if err != nil {
		return err
	}
	s.onDelete(id)
	if s.cfg.Purge != nil {
		s.cfg.Purge(ctx, id)
	}
	var keys []string
	err = s.blobs.List(ctx, easel.VariantPrefix(id), func(b easel.BlobInfo) error {
		keys = append(keys, b.Key)
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete asset %s: list variants: %w", id, err)
	}
	err = s.blobs.List(ctx, easel.LevelPrefix(id), func(b easel.BlobInfo) error {
		keys = append(keys, b.Key)
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete asset %s: list levels: %w", id, err)
	}
	if remaining == 0 && a.SHA256 != "" {
		keys = append(keys, easel.OriginalKey(a.SHA256))
	}
	for _, k := range keys {
		if err := s.blobs.Delete(ctx, k); err != nil {
			return fmt.Errorf("delete asset %s: %w", id, err)
		}
	}
	s.log.Debug("asset deleted", "asset", id, "blobs", len(keys))
	return nil
}
