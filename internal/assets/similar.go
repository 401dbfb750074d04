package assets

import (
	"context"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/render"
	"github.com/easelhq/easel/internal/vision/fingerprint"
)

// Rasterizer decodes an image shrunk to fit within maxSide, for the pHash.
type Rasterizer = render.Rasterizer

// SimilarRequest asks for the near duplicates of an asset.
type SimilarRequest struct {
	AssetID     string
	MaxDistance *int // pHash distance 0..16; nil means Config.NearDistance
	Limit       *int // 1..200; nil means Config.NearLimit
}

// SimilarResult lists near duplicates, nearest first.
type SimilarResult struct {
	Items []easel.Similar `json:"items"`
}

// Similar returns the tenant's assets whose pHash is near the asset's: from
// its analysis, or computed now from its original when it has none yet.
func (s *Assets) Similar(ctx context.Context, tenantID string, req SimilarRequest) (SimilarResult, error) {
	a, err := s.Get(ctx, tenantID, req.AssetID)
	if err != nil {
		return SimilarResult{}, err
	}
	maxDistance, limit := s.cfg.NearDistance, s.cfg.NearLimit
	if req.MaxDistance != nil {
		maxDistance = *req.MaxDistance
	}
	if req.Limit != nil {
		limit = *req.Limit
	}
	if maxDistance < 0 || maxDistance > 16 {
		return SimilarResult{}, easel.Errorf(easel.CodeInvalidArgument, "max_distance must be an integer 0..16")
	}
	if limit < 1 || limit > 200 {
		return SimilarResult{}, easel.Errorf(easel.CodeInvalidArgument, "limit must be an integer 1..200")
	}
	var h uint64
	if a.Analysis != nil && a.PHash != "" {
		h, err = fingerprint.ParseHex(a.PHash)
	} else {
		var original []byte
		if original, err = s.loader.LoadOriginal(ctx, a); err == nil {
			h, err = render.PHash(ctx, s.engine, original)
		}
	}
	if err != nil {
		return SimilarResult{}, err
	}
	items, err := s.store.SimilarAssets(ctx, a.TenantID, h, maxDistance, limit, a.ID)
	if items == nil {
		items = []easel.Similar{}
	}
	return SimilarResult{Items: items}, err
}
