package vips

import (
	"context"
	"fmt"
	"math"
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
	r := &renderer{e: e, ctx: ctx, p: p, h: h, overlayData: overlay, strict: strict, kill: newKiller(ctx)}
	defer r.close()
	img, pages, err := r.run()
	if err != nil {
		return transform.Output{}, r.stopped(err)
	}
	if err := ctxErr(ctx); err != nil {
		return transform.Output{}, err
	}
	r.kill.watch(img)
	buf, err := encode(img, p)
	if err != nil {
		return transform.Output{}, r.stopped(err)
	}
	w, ht := img.Width(), img.Height()
	if pages > 1 {
		ht /= pages
	}
	return transform.Output{Data: buf, Format: p.Format, Width: w, Height: ht, Pages: pages}, nil
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

// renderer holds the state of one Render.
type renderer struct {
	e           *Engine
	ctx         context.Context
	p           transform.Plan
	h           *header
	overlayData []byte
	strict      bool
	refs        []*govips.ImageRef // closed at the end
	overlay     *govips.ImageRef   // prepared once, composited on every frame
	text        *govips.ImageRef
	kill        *killer // stops libvips when ctx ends; nil for none
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

// run executes steps 1 to 9 and returns the image to encode with its number
// of frames (stacked vertically when more than one).
func (r *renderer) run() (*govips.ImageRef, int, error) {
	if r.p.Pages == -1 && canAnimate(r.p.Format) && r.h.pages > 1 {
		return r.runAnimation()
	}
	img, err := r.loadFrame()
	if err != nil {
		return nil, 0, err
	}
	if err := r.finish(img); err != nil {
		return nil, 0, err
	}
	return img, 1, nil
}

// targetSize returns the size of step 5 before rotation by Rotate, given
// the displayed size (after orientation and crop box).
func (r *renderer) targetSize(dw, dh int) (tw, th int) {
	rw, rh := dw, dh
	turned := r.p.Rotate == 90 || r.p.Rotate == 270
	if turned {
		rw, rh = dh, dw
	}
	if r.p.ResizeWidth > 0 {
		rw = r.p.ResizeWidth
	}
	if r.p.ResizeHeight > 0 {
		rh = r.p.ResizeHeight
	}
	if turned {
		return rh, rw
	}
	return rw, rh
}

// importParams returns loader options selecting the page(s) to read.
func (r *renderer) importParams(all bool) *govips.ImportParams {
	ip := govips.NewImportParams()
	ip.FailOnError.Set(r.strict)
	switch r.h.format {
	case transform.FormatGIF, transform.FormatWebP, transform.FormatTIFF, transform.FormatPDF,
		transform.FormatHEIF, transform.FormatAVIF:
		if all {
			ip.NumPages.Set(-1)
		} else if r.p.Page > 0 {
			ip.Page.Set(r.p.Page)
		}
	case transform.FormatBMP:
		// magickload: page and n are fine but never needed
	}
	return ip
}

// loadFrame runs steps 1 to 5 on one frame. Without a crop box the load
// shrinks as far as the final size allows (vips_thumbnail_buffer: JPEG
// shrink, WebP scale, HEIF thumbnail, vector scale), then rotates and flips
// the small image.
func (r *renderer) loadFrame() (*govips.ImageRef, error) {
	dw, dh := r.h.displayed()
	resize := r.p.ResizeWidth > 0 || r.p.ResizeHeight > 0
	if ex := r.p.Extract; r.p.SmartCrop && ex != nil && r.p.CropBox == nil && r.p.Rotate == 0 && !r.p.FlipV &&
		r.p.ResizeWidth > 0 && r.p.ResizeHeight > 0 && ex.W <= r.p.ResizeWidth && ex.H <= r.p.ResizeHeight {
		// Cover then attention crop is what vips_thumbnail does itself with
		// crop=attention: shrink-on-load, and the crop on the small image.
		img, err := govips.LoadThumbnailFromBuffer(r.h.data, ex.W, ex.H, govips.InterestingAttention, govips.SizeBoth, r.importParams(false))
		if err == nil {
			r.track(img)
			if err := fixSize(img, ex.W, ex.H); err != nil {
				return nil, failed("smart crop", err)
			}
			if err := r.rotateFlip(img); err != nil {
				return nil, err
			}
			return img, toSRGB(img)
		}
	}
	// vips_thumbnail reads sequentially: a later rotation, vertical flip
	// or smart crop (attention scans the whole image) would read out of order.
	sequential := r.p.Rotate == 0 && !r.p.FlipV && !r.p.SmartCrop
	if r.p.CropBox == nil && resize && sequential {
		tw, th := r.targetSize(dw, dh)
		img, err := govips.LoadThumbnailFromBuffer(r.h.data, tw, th, govips.InterestingNone, govips.SizeForce, r.importParams(false))
		if err != nil {
			// libvips picks its own loader here; when that one fails
			// (an "avis" AVIF goes to ImageMagick), load as the header did.
			return r.loadFull()
		}
		r.track(img)
		if err := fixSize(img, tw, th); err != nil {
			return nil, failed("resize", err)
		}
		if err := ctxErr(r.ctx); err != nil {
			return nil, err
		}
		if err := r.rotateFlip(img); err != nil {
			return nil, err
		}
		return img, toSRGB(img)
	}
	return r.loadFull()
}

// loadFull decodes the frame with the header's loader, shrinking JPEG on
// load by a power of two when the final size allows.
func (r *renderer) loadFull() (*govips.ImageRef, error) {
	resize := r.p.ResizeWidth > 0 || r.p.ResizeHeight > 0
	ip := r.importParams(false)
	shrink := 1
	if resize && r.h.format == transform.FormatJPEG {
		cw, ch := r.h.displayed()
		if cb := r.p.CropBox; cb != nil {
			cw, ch = cb.W, cb.H
		}
		tw, th := r.targetSize(cw, ch)
		ratio := math.Min(float64(cw)/float64(tw), float64(ch)/float64(th))
		for _, s := range []int{8, 4, 2} {
			if ratio >= float64(s) {
				shrink = s
				break
			}
		}
		if shrink > 1 {
			ip.JpegShrinkFactor.Set(shrink)
		}
	}
	img, err := govips.LoadImageFromBuffer(r.h.data, ip)
	if err != nil {
		return nil, failed("load", err)
	}
	r.track(img)
	if err := r.transformFrame(img, shrink); err != nil {
		return nil, err
	}
	return img, nil
}

// transformFrame runs steps 2 to 5 on a decoded frame whose coordinates are
// 1/shrink of the source's.
func (r *renderer) transformFrame(img *govips.ImageRef, shrink int) error {
	if img.Orientation() > 1 && r.h.orientation > 1 {
		if err := img.AutoRotate(); err != nil {
			return failed("orient", err)
		}
	}
	if cb := r.p.CropBox; cb != nil {
		x, y := cb.X/shrink, cb.Y/shrink
		w, h := ceilDiv(cb.W, shrink), ceilDiv(cb.H, shrink)
		if x < 0 || y < 0 || x >= img.Width() || y >= img.Height() {
			return easel.Errorf(easel.CodeInvalidArgument, "crop box %dx%d+%d+%d is outside the %dx%d image",
				cb.W, cb.H, cb.X, cb.Y, img.Width()*shrink, img.Height()*shrink)
		}
		w, h = min(w, img.Width()-x), min(h, img.Height()-y)
		if err := img.ExtractArea(x, y, w, h); err != nil {
			return failed("crop", err)
		}
	}
	if err := r.rotateFlip(img); err != nil {
		return err
	}
	if err := ctxErr(r.ctx); err != nil {
		return err
	}
	if r.p.ResizeWidth > 0 || r.p.ResizeHeight > 0 {
		tw, th := img.Width(), img.Height()
		if r.p.ResizeWidth > 0 {
			tw = r.p.ResizeWidth
		}
		if r.p.ResizeHeight > 0 {
			th = r.p.ResizeHeight
		}
		if tw != img.Width() || th != img.Height() {
			hs, vs := float64(tw)/float64(img.Width()), float64(th)/float64(img.Height())
			if err := img.ResizeWithVScale(hs, vs, govips.KernelLanczos3); err != nil {
				return failed("resize", err)
			}
			if err := fixSize(img, tw, th); err != nil {
				return failed("resize", err)
			}
		}
	}
	return toSRGB(img)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// rotateFlip runs step 4.
func (r *renderer) rotateFlip(img *govips.ImageRef) error {
	angle := map[int]govips.Angle{90: govips.Angle90, 180: govips.Angle180, 270: govips.Angle270}
	if a, ok := angle[r.p.Rotate]; ok {
		if err := img.Rotate(a); err != nil {
			return failed("rotate", err)
		}
	}
	if r.p.FlipH {
		if err := img.Flip(govips.DirectionHorizontal); err != nil {
			return failed("flip", err)
		}
	}
	if r.p.FlipV {
		if err := img.Flip(govips.DirectionVertical); err != nil {
			return failed("flip", err)
		}
	}
	return nil
}

// fixSize makes img exactly w x h: resizers may round one pixel off.
func fixSize(img *govips.ImageRef, w, h int) error {
	if img.Width() == w && img.Height() == h {
		return nil
	}
	if img.Width() > w || img.Height() > h {
		if err := img.ExtractArea(0, 0, min(w, img.Width()), min(h, img.Height())); err != nil {
			return err
		}
	}
	if img.Width() < w || img.Height() < h {
		return img.Embed(0, 0, w, h, govips.ExtendCopy)
	}
	return nil
}

// toSRGB converts img to 8-bit sRGB (3 bands, 4 with alpha) with its
// embedded profile (CMYK without one: libvips' built-in CMYK profile) and
// drops the profile.
func toSRGB(img *govips.ImageRef) error {
	interp := img.Interpretation()
	if img.HasICCProfile() || interp == govips.InterpretationCMYK {
		fallback := "srgb"
		if interp == govips.InterpretationCMYK {
			fallback = "cmyk"
		} else if img.Bands() <= 2 {
			fallback = ""
		}
		if fallback != "" || img.HasICCProfile() {
			if fallback == "" {
				fallback = "srgb"
			}
			if err := img.TransformICCProfileWithFallback("srgb", fallback); err != nil {
				// A broken embedded profile: fall back to plain colourspace
				// conversion below rather than refusing the image.
				if interp == govips.InterpretationCMYK {
					return failed("colour", err)
				}
			}
		}
		if img.HasICCProfile() {
			if err := img.RemoveICCProfile(); err != nil {
				return failed("colour", err)
			}
		}
	}
	if img.Interpretation() != govips.InterpretationSRGB || img.BandFormat() != govips.BandFormatUchar {
		if err := img.ToColorSpace(govips.InterpretationSRGB); err != nil {
			return failed("colour", err)
		}
	}
	if img.BandFormat() != govips.BandFormatUchar {
		if err := img.Cast(govips.BandFormatUchar); err != nil {
			return failed("colour", err)
		}
	}
	return nil
}

// finish runs steps 6 to 9 on one frame.
func (r *renderer) finish(img *govips.ImageRef) error {
	p := r.p
	if ex := p.Extract; ex != nil {
		w, h := min(ex.W, img.Width()), min(ex.H, img.Height())
		if p.SmartCrop {
			if w < img.Width() || h < img.Height() {
				if err := img.SmartCrop(w, h, govips.InterestingAttention); err != nil {
					return failed("smart crop", err)
				}
			}
		} else {
			x, y := max(ex.X, 0), max(ex.Y, 0)
			if x >= img.Width() || y >= img.Height() {
				return easel.Errorf(easel.CodeInvalidArgument, "extract %dx%d+%d+%d is outside the %dx%d image",
					ex.W, ex.H, ex.X, ex.Y, img.Width(), img.Height())
			}
			if err := img.ExtractArea(x, y, min(w, img.Width()-x), min(h, img.Height()-y)); err != nil {
				return failed("extract", err)
			}
		}
	}
	if em := p.Embed; em != nil {
		bg := p.Background
		if bg.A < 255 && !img.HasAlpha() && hasAlpha(p.Format) {
			if err := img.AddAlpha(); err != nil {
				return failed("embed", err)
			}
		}
		var err error
		if img.HasAlpha() {
			err = img.EmbedBackgroundRGBA(em.X, em.Y, em.W, em.H, &govips.ColorRGBA{R: bg.R, G: bg.G, B: bg.B, A: bg.A})
		} else {
			err = img.EmbedBackground(em.X, em.Y, em.W, em.H, &govips.Color{R: bg.R, G: bg.G, B: bg.B})
		}
		if err != nil {
			return failed("embed", err)
		}
	}
	if err := ctxErr(r.ctx); err != nil {
		return err
	}
	if err := applyEffects(img, p.Effects); err != nil {
		return err
	}
	if err := r.faceEffects(img); err != nil {
		return err
	}
	if err := ctxErr(r.ctx); err != nil {
		return err
	}
	if p.Overlay != nil && len(r.overlayData) > 0 {
		if err := r.compositeOverlay(img); err != nil {
			return err
		}
	}
	if p.Text != nil && p.Text.Text != "" {
		if err := r.compositeText(img); err != nil {
			return err
		}
	}
	return nil
}

// hasAlpha reports whether f can store transparency.
func hasAlpha(f transform.Format) bool { return f != transform.FormatJPEG }
