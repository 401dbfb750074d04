package render

import (
	"context"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/telemetry"
	"github.com/easelhq/easel/transform"
)

// Render renders original, the bytes of asset a, with opts. accept is the
// request's Accept header, for f_auto ("" outside a request). It plans on
// the original and reads, when the asset has levels, the smallest level
// large enough for the plan instead (Output.Level tells which). original
// may be nil: it is then read from storage only when no level serves.
//
// Under a recording span (a traced delivery or task) it is a span "render"
// with the canonical operations and their effect keys as attributes.
func (r *Renderer) Render(ctx context.Context, a easel.Asset, original []byte, opts transform.Options, accept string) (transform.Output, error) {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return r.render(ctx, a, original, opts, accept)
	}
	ops := opts.String()
	ctx, span := telemetry.Start(ctx, "render", trace.WithAttributes(
		attribute.String("easel.asset.id", a.ID),
		attribute.String("easel.ops", ops),
		attribute.StringSlice("easel.effects", EffectKeys(ops)),
		attribute.Int("easel.original.bytes", len(original))))
	defer span.End()
	out, err := r.render(ctx, a, original, opts, accept)
	if err != nil {
		telemetry.Fail(span, err)
		span.SetAttributes(attribute.String("easel.error.code", string(easel.ErrorCode(err))))
		return out, err
	}
	span.SetAttributes(attribute.String("easel.output.format", string(out.Format)),
		attribute.Int("easel.output.width", out.Width), attribute.Int("easel.output.height", out.Height),
		attribute.Int("easel.output.bytes", len(out.Data)), attribute.Int("easel.source.level", out.Level))
	return out, nil
}

// EffectKeys returns the keys of canonical operations, each once in order:
// "w_300,h_200,c_fill,e_blur:300,f_webp" gives w, h, c, e_blur, f (an
// effect keeps its name, every other operation its key alone).
func EffectKeys(ops string) []string {
	keys := make([]string, 0, strings.Count(ops, ",")+1)
	for item := range strings.SplitSeq(ops, ",") {
		key, value, _ := strings.Cut(item, "_")
		if key == "e" {
			name, _, _ := strings.Cut(value, ":")
			key = "e_" + name
		}
		if key != "" && !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	return keys
}
