package render

import (
	"context"
	"fmt"

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
	l, ok := transform.ChooseLevel(plan, src, assetLevels(a))
	if !ok {
		return original, plan, 0
	}
	data, err := ReadBlob(ctx, r.blobs, easel.LevelKey(a.ID, l.Side, string(l.Format)))
	if err != nil || len(data) == 0 {
		return original, plan, 0
	}
	return data, transform.PlanForLevel(plan, src, l), l.Side
}

// renderLevel renders opts from one of a's levels without reading the
// original: it plans on what a records, which is what NewPlan reads of a
// probed original (displayed size, format, pages; alpha only matters for
// formats that cannot be written, and a's levels are JPEG exactly when it
// is opaque). ok is false, with no error, when the original is needed: no
// levels, no level large enough, or faces to find that no analysis holds.
func (r *Renderer) renderLevel(ctx context.Context, a easel.Asset, opts transform.Options, accept string) (out transform.Output, ok bool, err error) {
	if len(a.Levels) == 0 || opts.Original || opts.HasOffset || a.IsVideo() || a.Width <= 0 || a.Height <= 0 {
		return out, false, nil
	}
	faces := -1
	cfg := r.plan
	cfg.Accept = accept
	if NeedsFaces(opts) {
		if a.Analysis == nil {
			return out, false, nil
		}
		cfg.Faces, faces = a.Analysis.Faces, len(a.Analysis.Faces)
	}
	src := transform.Source{Format: transform.Format(a.Format), Width: a.Width, Height: a.Height, Orientation: 1,
		Pages: max(a.Pages, 1), HasAlpha: transform.Format(a.Levels[0].Format) != transform.FormatJPEG}
	plan, err := transform.NewPlan(opts, src, cfg)
	if err != nil {
		return out, false, nil // the original's own probe decides what is wrong
	}
	l, found := transform.ChooseLevel(plan, src, assetLevels(a))
	if !found {
		return out, false, nil
	}
	data, rerr := ReadBlob(ctx, r.blobs, easel.LevelKey(a.ID, l.Side, string(l.Format)))
	if rerr != nil || len(data) == 0 {
		return out, false, nil // a lost level costs speed, not the render
	}
	overlay, err := r.loadOverlay(ctx, a, plan)
	if err != nil {
		return out, true, err
	}
	out, err = r.engine.Render(ctx, data, transform.PlanForLevel(plan, src, l), overlay)
	if err != nil {
		return out, true, err
	}
	out.Faces, out.Level = faces, l.Side
	if len(out.Data) > r.maxOutputBytes {
		return transform.Output{}, true, easel.Errorf(easel.CodeTooLarge, "the rendered image is %d bytes; the limit is %d", len(out.Data), r.maxOutputBytes)
	}
	return out, true, nil
}

// loadOverlay reads the bytes of plan's l_ image (nil without one), then
// checks that ctx has not ended.
func (r *Renderer) loadOverlay(ctx context.Context, a easel.Asset, plan transform.Plan) ([]byte, error) {
	var overlay []byte
	if plan.Overlay != nil {
		ov, err := OverlayAsset(ctx, r.meta, a.TenantID, plan.Overlay.AssetID)
		if err != nil {
			return nil, err
		}
		if overlay, err = ReadBlob(ctx, r.blobs, easel.OriginalKey(ov.SHA256)); err != nil {
			return nil, fmt.Errorf("render %s: load overlay: %w", a.ID, err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, easel.WrapError(easel.CodeDeadlineExceeded, err, "render timed out")
	}
	return overlay, nil
}

// assetLevels describes a's stored levels for transform.ChooseLevel.
func assetLevels(a easel.Asset) []transform.Level {
	levels := make([]transform.Level, len(a.Levels))
	for i, l := range a.Levels {
		levels[i] = transform.Level{Side: l.Side, Width: l.Width, Height: l.Height, Format: transform.Format(l.Format)}
	}
	return levels
}
