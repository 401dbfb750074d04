package vips

import (
	"math"

	govips "github.com/davidbyttow/govips/v2/vips"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// load is the one load step. It decodes the frame the cheapest way the plan
// allows:
//
//   - smart-crop thumbnail: cover then attention crop, with no crop box,
//     rotation or vertical flip, is what vips_thumbnail does itself with
//     crop=attention (shrink-on-load, then the crop on the small image);
//   - shrink-on-load thumbnail: a resize with no crop box and nothing that
//     reads out of order (rotation, vertical flip, smart crop) lets
//     vips_thumbnail shrink while decoding (JPEG shrink, WebP scale, HEIF
//     thumbnail, vector scale) and orient the small image;
//   - full decode otherwise, JPEG shrunk by a power of two when the final
//     size allows (leaving the resize a factor of 2 or more), for the frame steps to orient, crop and resize.
func load(r *renderer) error {
	switch {
	case r.smartThumbnail():
		ex := r.p.Extract
		img, err := govips.LoadThumbnailFromBuffer(r.h.data, ex.W, ex.H, govips.InterestingAttention, govips.SizeBoth, r.importParams(false))
		if err == nil {
			r.img = r.track(img)
			if err := fixSize(img, ex.W, ex.H); err != nil {
				return failed("smart crop", err)
			}
			r.done = doneSteps{orient: true, resize: true, extract: true}
			return nil
		}
	case r.shrinkThumbnail():
		tw, th := r.targetSize(r.h.displayed())
		img, err := govips.LoadThumbnailFromBuffer(r.h.data, tw, th, govips.InterestingNone, govips.SizeForce, r.importParams(false))
		if err == nil {
			r.img = r.track(img)
			if err := fixSize(img, tw, th); err != nil {
				return failed("resize", err)
			}
			r.done = doneSteps{orient: true, resize: true}
			return nil
		}
		// libvips picks its own loader here; when that one fails (an
		// "avis" AVIF goes to ImageMagick), load as the header did.
	}
	return r.decode()
}

// smartThumbnail reports whether vips_thumbnail with crop=attention does
// the load, resize and smart crop of the plan.
func (r *renderer) smartThumbnail() bool {
	p := r.p
	ex := p.Extract
	return p.SmartCrop && ex != nil && p.CropBox == nil && p.Rotate == 0 && !p.FlipV &&
		p.ResizeWidth > 0 && p.ResizeHeight > 0 && ex.W <= p.ResizeWidth && ex.H <= p.ResizeHeight
}

// shrinkThumbnail reports whether vips_thumbnail does the load and resize:
// it reads sequentially, so a later rotation, vertical flip or smart crop
// (attention scans the whole image) would read out of order.
func (r *renderer) shrinkThumbnail() bool {
	p := r.p
	return p.CropBox == nil && (p.ResizeWidth > 0 || p.ResizeHeight > 0) && p.Rotate == 0 && !p.FlipV && !p.SmartCrop
}

// decode decodes the frame with the header's loader, shrinking JPEG on load
// by a power of two when the final size allows.
func (r *renderer) decode() error {
	ip := r.importParams(false)
	shrink := 1
	if (r.p.ResizeWidth > 0 || r.p.ResizeHeight > 0) && r.h.format == transform.FormatJPEG {
		cw, ch := r.h.displayed()
		if cb := r.p.CropBox; cb != nil {
			cw, ch = cb.W, cb.H
		}
		tw, th := r.targetSize(cw, ch)
		ratio := math.Min(float64(cw)/float64(tw), float64(ch)/float64(th))
		// Leave at least a factor of two to the resize step, as
		// vips_thumbnail does: the decoder's DCT scaling is a box filter,
		// and a crop box at a coarse scale is off by up to shrink-1 pixels.
		for _, s := range []int{8, 4, 2} {
			if ratio >= float64(2*s) {
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
		return failed("load", err)
	}
	r.img, r.shrink, r.done = r.track(img), shrink, doneSteps{}
	return nil
}

// targetSize returns the size of the resize step before rotation by
// Rotate, given the displayed size (after orientation and crop box).
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

// loadAnimation loads every frame, runs the frame steps on each one and
// stacks them again, keeping delays and loop count, for GIF and WebP
// output.
func loadAnimation(r *renderer) error {
	h := r.h
	if px := h.width * h.height * h.pages; px > r.e.cfg.MaxAnimationPixels {
		return easel.Errorf(easel.CodeTooLarge, "animation is %dx%d with %d frames (%d pixels), above the limit of %d pixels",
			h.width, h.height, h.pages, px, r.e.cfg.MaxAnimationPixels)
	}
	strip, err := govips.LoadImageFromBuffer(h.data, r.importParams(true))
	if err != nil {
		return failed("load", err)
	}
	r.track(strip)
	ph := strip.PageHeight()
	if ph < 1 || strip.Height()%ph != 0 {
		return easel.Errorf(easel.CodeUnsupportedMedia, "animation frames have inconsistent heights")
	}
	n := strip.Height() / ph
	// Make the strip one page so that ExtractArea cuts one frame, not the
	// same area out of every frame.
	if err := strip.SetPageHeight(strip.Height()); err != nil {
		return failed("animation", err)
	}
	frames := make([]*govips.ImageRef, 0, n)
	for i := range n {
		f, err := strip.Copy()
		if err != nil {
			return failed("animation", err)
		}
		r.track(f)
		if err := f.ExtractArea(0, i*ph, strip.Width(), ph); err != nil {
			return failed("animation", err)
		}
		r.img, r.shrink, r.done = f, 1, doneSteps{}
		if err := r.run(frameSteps); err != nil {
			return err
		}
		frames = append(frames, r.img)
	}
	out, err := frames[0].Copy()
	if err != nil {
		return failed("animation", err)
	}
	r.track(out)
	fh := out.Height()
	if n > 1 {
		if err := out.ArrayJoin(frames[1:], 1); err != nil {
			return failed("animation", err)
		}
	}
	if err := out.SetPageHeight(fh); err != nil {
		return failed("animation", err)
	}
	r.img, r.pages = out, n
	return nil
}
