package render

import (
	"context"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// fromLevel returns what to render plan (made on the original src) from:
// the bytes of the smallest of the asset's levels that transform.ChooseLevel
// finds large enough, with the plan rewritten for it and its side, or the
// original (side 0) when the asset has no levels, none fits, or the
// level's blob cannot be read (a level lost in storage costs speed, not
// the render).
func (r *Renderer) fromLevel(ctx context.Context, a easel.Asset, original []byte, src transform.Source, plan transform.Plan) ([]byte, transform.Plan, int) {
	if len(a.Levels) == 0 {
		return original, plan, 0
	}
	levels := make([]transform.Level, len(a.Levels))
	for i, l := range a.Levels {
		levels[i] = transform.Level{Side: l.Side, Width: l.Width, Height: l.Height, Format: transform.Format(l.Format)}
	}
	l, ok := transform.ChooseLevel(plan, src, levels)
	if !ok {
		return original, plan, 0
	}
	data, err := ReadBlob(ctx, r.blobs, easel.LevelKey(a.ID, l.Side, string(l.Format)))
	if err != nil || len(data) == 0 {
		return original, plan, 0
	}
	return data, transform.PlanForLevel(plan, src, l), l.Side
}
