package vips

import (
	"context"
	"fmt"
	"runtime"

	govips "github.com/davidbyttow/govips/v2/vips"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// maxCoord bounds any size a plan may ask for.
const maxCoord = 65_000

// Render executes p on the image in data and encodes the result. overlay
// holds the bytes of p.Overlay's image when p.Overlay is set. Errors are
// *easel.Error: CodeUnsupportedMedia for broken or unknown input,
// CodeTooLarge above the limits, CodeInvalidArgument for a plan that does
// not fit the image, CodeDeadlineExceeded when ctx ends between steps, and
// CodeInternal otherwise.
func (e *Engine) Render(ctx context.Context, data []byte, p transform.Plan, overlay []byte) (out transform.Output, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = transform.Output{}, easel.WrapError(easel.CodeInternal, fmt.Errorf("panic: %v", r), "image processing failed")
		}
	}()
	// libvips reads data in place until the encoder has pulled every pixel.
	defer runtime.KeepAlive(data)
	defer runtime.KeepAlive(overlay)

	if err := ctxErr(ctx); err != nil {
		return out, err
	}
	h, err := e.openHeader(data)
	if err != nil {
		return out, err
	}
	defer h.close()
	if p.Original {
		return transform.Output{Data: data, Format: h.format, Width: h.width, Height: h.height, Pages: h.pages}, nil
	}
	if err := checkPlan(p, h); err != nil {
		return out, err
	}
	if err := transform.CheckCost(p, h.source(), e.cfg.MaxCost); err != nil {
		return out, err
	}
	out, err = e.render(ctx, h, p, overlay, true)
	if err != nil && benign(err) {
		// Decoders stop at the first warning in strict mode; a warning that
		// does not mean lost pixels (stray bytes between JPEG markers) is
		// worth a second, lenient decode.
		out, err = e.render(ctx, h, p, overlay, false)
	}
	return out, err
}

// render is one attempt at Render; strict makes decoders fail on warnings.
func (e *Engine) render(ctx context.Context, h *header, p transform.Plan, overlay []byte, strict bool) (transform.Output, error) {
	r := &renderer{e: e, ctx: ctx, p: p, h: h, overlayData: overlay, strict: strict, kill: newKiller(ctx), pages: 1, shrink: 1}
	defer r.close()
	list := steps
	if r.animated() {
		list = animationSteps
	}
	if err := r.run(list); err != nil {
		return transform.Output{}, r.stopped(err)
	}
	w, ht := r.img.Width(), r.img.Height()
	if r.pages > 1 {
		ht /= r.pages
	}
	return transform.Output{Data: r.out, Format: p.Format, Width: w, Height: ht, Pages: r.pages}, nil
}

// checkPlan refuses plans that cannot be executed on this image.
func checkPlan(p transform.Plan, h *header) error {
	switch p.Format {
	case transform.FormatJPEG, transform.FormatPNG, transform.FormatWebP, transform.FormatAVIF,
		transform.FormatGIF, transform.FormatJXL:
	default:
		return easel.Errorf(easel.CodeInvalidArgument, "cannot encode format %q", p.Format)
	}
	if p.Quality < 0 || p.Quality > 100 {
		return easel.Errorf(easel.CodeInvalidArgument, "quality %d out of range 1..100", p.Quality)
	}
	if p.Pages != 1 && p.Pages != -1 && p.Pages != 0 {
		return easel.Errorf(easel.CodeInvalidArgument, "pages must be 1 or -1, not %d", p.Pages)
	}
	if p.Page < 0 || p.Page >= h.pages {
		return easel.Errorf(easel.CodeInvalidArgument, "page %d does not exist: the image has %d", p.Page, h.pages)
	}
	switch p.Rotate {
	case 0, 90, 180, 270:
	default:
		return easel.Errorf(easel.CodeInvalidArgument, "rotation must be 0, 90, 180 or 270, not %d", p.Rotate)
	}
	if p.ResizeWidth < 0 || p.ResizeHeight < 0 || p.ResizeWidth > maxCoord || p.ResizeHeight > maxCoord {
		return easel.Errorf(easel.CodeInvalidArgument, "resize %dx%d out of range", p.ResizeWidth, p.ResizeHeight)
	}
	for name, rc := range map[string]*transform.Rect{"crop box": p.CropBox, "extract": p.Extract, "embed": p.Embed} {
		if rc == nil {
			continue
		}
		if rc.W < 1 || rc.H < 1 || rc.W > maxCoord || rc.H > maxCoord || rc.X < -maxCoord || rc.Y < -maxCoord ||
			rc.X > maxCoord || rc.Y > maxCoord {
			return easel.Errorf(easel.CodeInvalidArgument, "%s %dx%d+%d+%d out of range", name, rc.W, rc.H, rc.X, rc.Y)
		}
	}
	if p.Format == transform.FormatWebP && (p.Width > 16383 || p.Height > 16383) {
		return easel.Errorf(easel.CodeInvalidArgument, "WebP cannot be larger than 16383x16383, the plan makes %dx%d", p.Width, p.Height)
	}
	return nil
}

// canAnimate reports whether f keeps all frames.
func canAnimate(f transform.Format) bool {
	return f == transform.FormatGIF || f == transform.FormatWebP
}

// animated reports whether the render keeps every frame.
func (r *renderer) animated() bool {
	return r.p.Pages == -1 && canAnimate(r.p.Format) && r.h.pages > 1
}

// renderer holds the state of one Render while its steps run (steps.go).
type renderer struct {
	e           *Engine
	ctx         context.Context
	p           transform.Plan
	h           *header
	overlayData []byte
	strict      bool
	kill        *killer // stops libvips when ctx ends; nil for none

	img    *govips.ImageRef // the frame the steps work on
	pages  int              // frames stacked vertically in img after the animation join
	shrink int              // img's pixels are shrink source pixels (JPEG shrink-on-load)
	done   doneSteps        // steps the load step did already

	refs    []*govips.ImageRef // closed at the end
	overlay *govips.ImageRef   // prepared once, composited on every frame
	text    *govips.ImageRef
	out     []byte // the encoded image, set by finish
}

// doneSteps are the steps a thumbnail load did itself.
type doneSteps struct {
	orient, resize, extract bool
}

// stopped returns the context's error instead of err when the context has
// ended: libvips then fails with "killed", which is no fault of the image.
func (r *renderer) stopped(err error) error {
	if cerr := ctxErr(r.ctx); cerr != nil {
		return cerr
	}
	return err
}

func (r *renderer) track(img *govips.ImageRef) *govips.ImageRef {
	r.kill.watch(img)
	r.refs = append(r.refs, img)
	return img
}

func (r *renderer) close() {
	for _, img := range r.refs {
		img.Close()
	}
	r.kill.release()
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// hasAlpha reports whether f can store transparency.
func hasAlpha(f transform.Format) bool { return f != transform.FormatJPEG }
