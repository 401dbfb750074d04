package render

import (
	"context"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// Plan probes original and returns the plan Render would execute for opts,
// without rendering: thumbor's meta/ endpoint answers it. a is the asset
// (or the stand-in of a fetched original) the bytes belong to.
func (r *Renderer) Plan(ctx context.Context, a easel.Asset, original []byte, opts transform.Options, accept string) (transform.Source, transform.Plan, error) {
	src, err := r.engine.Probe(original)
	if err != nil {
		return transform.Source{}, transform.Plan{}, err
	}
	cfg := r.plan
	cfg.Accept = accept
	if NeedsFaces(opts) {
		found, err := r.Faces(ctx, a, original)
		if err != nil {
			return src, transform.Plan{}, err
		}
		cfg.Faces = found
	}
	plan, err := transform.NewPlan(opts, src, cfg)
	return src, plan, err
}

// Probe reads the header of original.
func (r *Renderer) Probe(original []byte) (transform.Source, error) { return r.engine.Probe(original) }
