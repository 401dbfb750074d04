package worker

import (
	"context"
	"fmt"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// Renderer renders an asset's original with parsed operations.
// internal/render.Renderer is the real one.
type Renderer interface {
	Render(ctx context.Context, a easel.Asset, original []byte, opts transform.Options, accept string) (transform.Output, error)
}

// RenderProcessor renders each of a task's operations, as delivery URLs
// would: its outputs are stored where the delivery URL of the same
// operations finds them.
type RenderProcessor struct {
	Renderer Renderer
}

var _ Processor = RenderProcessor{}

// Process implements Processor.
func (p RenderProcessor) Process(ctx context.Context, t easel.Task, a easel.Asset, original []byte) ([]Result, error) {
	results := make([]Result, 0, len(t.Ops))
	for i, ops := range t.Ops {
		o, err := transform.Parse(ops)
		if err != nil {
			return nil, err
		}
		out, err := p.Renderer.Render(ctx, a, original, o, "")
		if err != nil {
			return nil, fmt.Errorf("output %d (%s): %w", i, ops, err)
		}
		results = append(results, Result{
			Ops: ops, Key: easel.VariantKey(a.ID, ops), Data: out.Data,
			Format: string(out.Format), Width: out.Width, Height: out.Height,
		})
	}
	return results, nil
}
