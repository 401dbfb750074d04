package render

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// Renderer renders an asset's original with parsed options: probe the
// header, plan, load the overlay, execute in the engine. Delivery and the
// task worker share it, so a task's output is byte for byte what the
// delivery URL of the same operations serves.
type Renderer struct {
	meta           easel.MetaStore
	blobs          easel.BlobStore
	engine         Engine
	detector       FaceDetector // nil: faces come only from analyses
	plan           transform.PlanConfig
	maxOutputBytes int
	poster         Poster // nil: videos are not rendered
	tempDir        string
}

// AnalysisSide is the long side of the raster faces are detected on and
// hashes computed from. BlazeFace infers at 256 px and pigo at up to 640,
// so 512 loses nothing, and it lets JPEG shrink-on-load decode at 1/8 for
// photos up to 16 MP.
const AnalysisSide = 512

// New returns a Renderer. detector may be nil.
func New(meta easel.MetaStore, blobs easel.BlobStore, engine Engine, detector FaceDetector, plan transform.PlanConfig, maxOutputBytes int) *Renderer {
	return &Renderer{meta: meta, blobs: blobs, engine: engine, detector: detector, plan: plan, maxOutputBytes: maxOutputBytes}
}

// NeedsFaces reports whether operations use faces.
func NeedsFaces(o transform.Options) bool {
	return o.Gravity.Type == transform.GravityFace || o.Gravity.Type == transform.GravityFaces || o.Effects.NeedsFaces()
}

// Faces returns the asset's faces in displayed pixels: from its analysis
// when it has one, else detected now on original.
func (r *Renderer) Faces(ctx context.Context, a easel.Asset, original []byte) ([]easel.Face, error) {
	if a.Analysis != nil {
		return a.Analysis.Faces, nil
	}
	if r.detector == nil {
		return nil, nil
	}
	pix, w, h, err := r.engine.Raster(ctx, original, AnalysisSide)
	if err != nil {
		return nil, err
	}
	faces, err := r.detector.Detect(ctx, pix, w, h)
	if err != nil {
		return nil, err
	}
	return easel.ScaleFaces(faces, float64(a.Width)/float64(w), float64(a.Height)/float64(h)), nil
}

// LoadOriginal reads the asset's original bytes.
func (r *Renderer) LoadOriginal(ctx context.Context, a easel.Asset) ([]byte, error) {
	data, err := ReadBlob(ctx, r.blobs, easel.OriginalKey(a.SHA256))
	if err != nil {
		return nil, fmt.Errorf("load original of %s: %w", a.ID, err)
	}
	return data, nil
}

// render renders original, the bytes of asset a, with opts. accept is the
// request's Accept header, for f_auto ("" outside a request). It plans on
// the original and reads, when the asset has levels, the smallest level
// large enough for the plan instead (Output.Level tells which). With
// tracing it is the span "render" (trace.go).
//
// original may be nil: the original is then read from storage only when no
// level serves the plan. A render from a level plans on what the asset
// records (displayed size, format, pages; its levels tell whether it has
// alpha), so the everyday thumbnail neither reads nor probes the original.
//
// A video renders its poster frame (so_, else DefaultPosterTime) with the
// operations; with a nil original the video is streamed from the blob
// store. so_ on an image is invalid_argument.
func (r *Renderer) render(ctx context.Context, a easel.Asset, original []byte, opts transform.Options, accept string) (transform.Output, error) {
	if original == nil && !a.IsVideo() && !opts.Original {
		if out, ok, err := r.renderLevel(ctx, a, opts, accept); ok || err != nil {
			return out, err
		}
		var err error
		if original, err = r.LoadOriginal(ctx, a); err != nil {
			return transform.Output{}, err
		}
	}
	if opts.Original {
		if original == nil {
			var err error
			if original, err = r.LoadOriginal(ctx, a); err != nil {
				return transform.Output{}, err
			}
		}
		return transform.Output{Data: original, Format: transform.Format(a.Format), Width: a.Width, Height: a.Height, Pages: a.Pages, Faces: -1}, nil
	}
	switch {
	case a.IsVideo():
		var err error
		if a, original, err = r.posterFrame(ctx, a, original, opts); err != nil {
			return transform.Output{}, err
		}
		opts.Offset, opts.HasOffset = 0, false
	case opts.HasOffset:
		return transform.Output{}, easel.Errorf(easel.CodeInvalidArgument, "so_: only videos have a time offset; %s is an image", a.ID)
	}
	src, err := r.engine.Probe(original)
	if err != nil {
		return transform.Output{}, err
	}
	cfg := r.plan
	cfg.Accept = accept
	faces := -1
	if NeedsFaces(opts) {
		found, err := r.Faces(ctx, a, original)
		if err != nil {
			return transform.Output{}, err
		}
		cfg.Faces, faces = found, len(found)
	}
	plan, err := transform.NewPlan(opts, src, cfg)
	if err != nil {
		return transform.Output{}, err
	}
	overlay, err := r.loadOverlay(ctx, a, plan)
	if err != nil {
		return transform.Output{}, err
	}
	data, plan, level := r.fromLevel(ctx, a, original, src, plan)
	out, err := r.engine.Render(ctx, data, plan, overlay)
	if err != nil {
		return out, err
	}
	out.Faces, out.Level = faces, level
	if len(out.Data) > r.maxOutputBytes {
		return transform.Output{}, easel.Errorf(easel.CodeTooLarge, "the rendered image is %d bytes; the limit is %d", len(out.Data), r.maxOutputBytes)
	}
	return out, nil
}

// OverlayAsset returns the l_ asset, which must belong to the tenant.
func OverlayAsset(ctx context.Context, meta easel.MetaStore, tenantID, id string) (easel.Asset, error) {
	ov, err := meta.GetAsset(ctx, id)
	if easel.IsNotFound(err) || err == nil && ov.TenantID != tenantID {
		return easel.Asset{}, easel.Errorf(easel.CodeInvalidArgument, "l_%s: overlay asset not found", id)
	}
	return ov, err
}

// ReadBlob reads a whole blob, sized up front when the store can tell.
func ReadBlob(ctx context.Context, blobs easel.BlobStore, key string) ([]byte, error) {
	rc, err := blobs.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	if f, ok := rc.(interface{ Stat() (os.FileInfo, error) }); ok {
		if fi, err := f.Stat(); err == nil {
			buf.Grow(int(fi.Size()) + bytes.MinRead)
		}
	}
	_, err = buf.ReadFrom(rc)
	return buf.Bytes(), err
}
