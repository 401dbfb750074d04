package processing

import (
	"context"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/vision/fingerprint"
)

// UploadHashSide is the raster the upload-time pHash is computed on: the
// hash downsamples to 32x32, so a small decode (shrink-on-load) suffices.
const UploadHashSide = 256

// Similar finds near duplicates by perceptual hash.
type Similar struct {
	engine   Engine
	store    easel.AnalysisStore
	renderer *Renderer
}

// NewSimilar returns a Similar.
func NewSimilar(engine Engine, store easel.AnalysisStore, renderer *Renderer) *Similar {
	return &Similar{engine: engine, store: store, renderer: renderer}
}

// PHash computes the perceptual hash of an image.
func (s *Similar) PHash(ctx context.Context, data []byte) (uint64, error) {
	pix, w, h, err := s.engine.Raster(ctx, data, UploadHashSide)
	if err != nil {
		return 0, err
	}
	return fingerprint.PHash(fingerprint.RGB{Pix: pix, W: w, H: h}), nil
}

// Near returns the tenant's assets within maxDistance of phash, nearest first.
func (s *Similar) Near(ctx context.Context, tenantID string, phash uint64, maxDistance, limit int, excludeID string) ([]easel.Similar, error) {
	if maxDistance < 0 || maxDistance > 16 {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "max_distance must be 0..16")
	}
	out, err := s.store.SimilarAssets(ctx, tenantID, phash, maxDistance, limit, excludeID)
	if out == nil && err == nil {
		out = []easel.Similar{}
	}
	return out, err
}

// ForAsset returns the assets near a's pHash: from its analysis, or computed
// now from its original when it has none yet.
func (s *Similar) ForAsset(ctx context.Context, a easel.Asset, maxDistance, limit int) ([]easel.Similar, error) {
	var h uint64
	var err error
	if a.Analysis != nil && a.PHash != "" {
		h, err = fingerprint.ParseHex(a.PHash)
	} else {
		var original []byte
		if original, err = s.renderer.LoadOriginal(ctx, a); err == nil {
			h, err = s.PHash(ctx, original)
		}
	}
	if err != nil {
		return nil, err
	}
	return s.Near(ctx, a.TenantID, h, maxDistance, limit, a.ID)
}
