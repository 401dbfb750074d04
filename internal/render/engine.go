package render

import (
	"context"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// Engine decodes, transforms and encodes images. internal/engine/vips is the
// real one.
type Engine interface {
	// Probe reads the image's header without decoding pixels. Bytes that are
	// not a supported image give CodeUnsupportedMedia; over-limit images give
	// CodeTooLarge.
	Probe(data []byte) (transform.Source, error)
	// Render executes plan on data. overlay holds the bytes of the l_ asset
	// when plan.Overlay is set. It is safe for concurrent use.
	Render(ctx context.Context, data []byte, plan transform.Plan, overlay []byte) (transform.Output, error)
	// Raster decodes the first frame as displayed, shrunk to fit within
	// maxSide, as 8-bit sRGB with 3 bytes per pixel.
	Raster(ctx context.Context, data []byte, maxSide int) (pix []byte, w, h int, err error)
}

// FaceDetector finds faces in an 8-bit sRGB raster (3 bytes per pixel),
// in the raster's pixels, largest first.
type FaceDetector interface {
	Detect(ctx context.Context, pix []byte, w, h int) ([]easel.Face, error)
	Name() string
}
