package processing

import (
	"context"

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
}
