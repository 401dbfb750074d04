package vips

import (
	govips "github.com/davidbyttow/govips/v2/vips"

	"github.com/easelhq/easel"
)

// runAnimation loads every frame, runs steps 2 to 9 on each one and stacks
// them again, keeping delays and loop count, for GIF and WebP output.
func (r *renderer) runAnimation() (*govips.ImageRef, int, error) {
	h := r.h
	if px := h.width * h.height * h.pages; px > r.e.cfg.MaxAnimationPixels {
		return nil, 0, easel.Errorf(easel.CodeTooLarge, "animation is %dx%d with %d frames (%d pixels), above the limit of %d pixels",
			h.width, h.height, h.pages, px, r.e.cfg.MaxAnimationPixels)
	}
	strip, err := govips.LoadImageFromBuffer(h.data, r.importParams(true))
	if err != nil {
		return nil, 0, failed("load", err)
	}
	r.track(strip)
	ph := strip.PageHeight()
	if ph < 1 || strip.Height()%ph != 0 {
		return nil, 0, easel.Errorf(easel.CodeUnsupportedMedia, "animation frames have inconsistent heights")
	}
	n := strip.Height() / ph
	// Make the strip one page so that ExtractArea cuts one frame, not the
	// same area out of every frame.
	if err := strip.SetPageHeight(strip.Height()); err != nil {
		return nil, 0, failed("animation", err)
	}
	frames := make([]*govips.ImageRef, 0, n)
	for i := range n {
		if err := ctxErr(r.ctx); err != nil {
			return nil, 0, err
		}
		f, err := strip.Copy()
		if err != nil {
			return nil, 0, failed("animation", err)
		}
		r.track(f)
		if err := f.ExtractArea(0, i*ph, strip.Width(), ph); err != nil {
			return nil, 0, failed("animation", err)
		}
		if err := r.transformFrame(f, 1); err != nil {
			return nil, 0, err
		}
		if err := r.finish(f); err != nil {
			return nil, 0, err
		}
		frames = append(frames, f)
	}
	out, err := frames[0].Copy()
	if err != nil {
		return nil, 0, failed("animation", err)
	}
	r.track(out)
	fh := out.Height()
	if n > 1 {
		if err := out.ArrayJoin(frames[1:], 1); err != nil {
			return nil, 0, failed("animation", err)
		}
	}
	if err := out.SetPageHeight(fh); err != nil {
		return nil, 0, failed("animation", err)
	}
	return out, n, nil
}
