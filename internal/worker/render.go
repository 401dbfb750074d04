package worker

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/processing"
	"github.com/easelhq/easel/transform"
)

// RenderProcessor renders each of a task's operations, as delivery URLs
// would: its outputs are stored where the delivery URL of the same
// operations finds them.
type RenderProcessor struct {
	Renderer *processing.Renderer
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
			Ops: ops, Key: processing.VariantKey(a.ID, ops), Data: out.Data,
			Format: string(out.Format), Width: out.Width, Height: out.Height,
		})
	}
	return results, nil
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
