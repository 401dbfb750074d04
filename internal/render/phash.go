package render

import (
	"context"

	"github.com/easelhq/easel/internal/vision/fingerprint"
)

// HashSide is the raster the upload-time pHash is computed on: the hash
// downsamples to 32x32, so a small decode (shrink-on-load) suffices.
const HashSide = 256

// Rasterizer decodes an image as displayed, shrunk to fit within maxSide, as
// 8-bit sRGB with 3 bytes per pixel. Engine is one.
type Rasterizer interface {
	Raster(ctx context.Context, data []byte, maxSide int) (pix []byte, w, h int, err error)
}

// PHash computes the perceptual hash of an image from a HashSide decode.
func PHash(ctx context.Context, engine Rasterizer, data []byte) (uint64, error) {
	pix, w, h, err := engine.Raster(ctx, data, HashSide)
	if err != nil {
		return 0, err
	}
	return fingerprint.PHash(fingerprint.RGB{Pix: pix, W: w, H: h}), nil
}
