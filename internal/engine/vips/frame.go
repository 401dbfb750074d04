package vips

import (
	govips "github.com/davidbyttow/govips/v2/vips"

	"github.com/easelhq/easel"
)

// orient applies the EXIF orientation, unless the load did.
func orient(r *renderer) error {
	if r.done.orient || r.h.orientation <= 1 || r.img.Orientation() <= 1 {
		return nil
	}
	if err := r.img.AutoRotate(); err != nil {
		return failed("orient", err)
	}
	return nil
}

// cropBox cuts Plan.CropBox (displayed pixels of the source) out of the
// frame, whose pixels are r.shrink source pixels.
func cropBox(r *renderer) error {
	cb := r.p.CropBox
	if cb == nil {
		return nil
	}
	img, s := r.img, r.shrink
	x, y := cb.X/s, cb.Y/s
	w, h := ceilDiv(cb.W, s), ceilDiv(cb.H, s)
	if x < 0 || y < 0 || x >= img.Width() || y >= img.Height() {
		return easel.Errorf(easel.CodeInvalidArgument, "crop box %dx%d+%d+%d is outside the %dx%d image",
			cb.W, cb.H, cb.X, cb.Y, img.Width()*s, img.Height()*s)
	}
	w, h = min(w, img.Width()-x), min(h, img.Height()-y)
	if err := img.ExtractArea(x, y, w, h); err != nil {
		return failed("crop", err)
	}
	return nil
}

var angles = map[int]govips.Angle{90: govips.Angle90, 180: govips.Angle180, 270: govips.Angle270}

// rotateFlip rotates by Plan.Rotate, then flips.
func rotateFlip(r *renderer) error {
	if a, ok := angles[r.p.Rotate]; ok {
		if err := r.img.Rotate(a); err != nil {
			return failed("rotate", err)
		}
	}
	if r.p.FlipH {
		if err := r.img.Flip(govips.DirectionHorizontal); err != nil {
			return failed("flip", err)
		}
	}
	if r.p.FlipV {
		if err := r.img.Flip(govips.DirectionVertical); err != nil {
			return failed("flip", err)
		}
	}
	return nil
}

// resize scales the frame to exactly ResizeWidth x ResizeHeight, unless the
// load did.
func resize(r *renderer) error {
	if r.done.resize || r.p.ResizeWidth == 0 && r.p.ResizeHeight == 0 {
		return nil
	}
	img := r.img
	tw, th := img.Width(), img.Height()
	if r.p.ResizeWidth > 0 {
		tw = r.p.ResizeWidth
	}
	if r.p.ResizeHeight > 0 {
		th = r.p.ResizeHeight
	}
	if tw == img.Width() && th == img.Height() {
		return nil
	}
	hs, vs := float64(tw)/float64(img.Width()), float64(th)/float64(img.Height())
	if err := img.ResizeWithVScale(hs, vs, govips.KernelLanczos3); err != nil {
		return failed("resize", err)
	}
	if err := fixSize(img, tw, th); err != nil {
		return failed("resize", err)
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

// colour makes the frame 8-bit sRGB.
func colour(r *renderer) error { return toSRGB(r.img) }

// extract cuts Plan.Extract out of the resized frame, or a smart crop of
// its size, unless the load did.
func extract(r *renderer) error {
	ex := r.p.Extract
	if ex == nil || r.done.extract {
		return nil
	}
	img := r.img
	w, h := min(ex.W, img.Width()), min(ex.H, img.Height())
	if r.p.SmartCrop {
		if w < img.Width() || h < img.Height() {
			if err := img.SmartCrop(w, h, govips.InterestingAttention); err != nil {
				return failed("smart crop", err)
			}
		}
		return nil
	}
	x, y := max(ex.X, 0), max(ex.Y, 0)
	if x >= img.Width() || y >= img.Height() {
		return easel.Errorf(easel.CodeInvalidArgument, "extract %dx%d+%d+%d is outside the %dx%d image",
			ex.W, ex.H, ex.X, ex.Y, img.Width(), img.Height())
	}
	if err := img.ExtractArea(x, y, min(w, img.Width()-x), min(h, img.Height()-y)); err != nil {
		return failed("extract", err)
	}
	return nil
}

// embed places the frame on a canvas of Plan.Background.
func embed(r *renderer) error {
	em := r.p.Embed
	if em == nil {
		return nil
	}
	img, bg := r.img, r.p.Background
	if bg.A < 255 && !img.HasAlpha() && hasAlpha(r.p.Format) {
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
	return nil
}

// effects runs Plan.Effects but the face ones.
func effects(r *renderer) error { return applyEffects(r.img, r.p.Effects) }

// faces runs the face effects.
func faces(r *renderer) error { return r.faceEffects(r.img) }

// watermark composites the overlay, then the text.
func watermark(r *renderer) error {
	if r.p.Overlay != nil && len(r.overlayData) > 0 {
		if err := r.compositeOverlay(r.img); err != nil {
			return err
		}
	}
	if r.p.Text != nil && r.p.Text.Text != "" {
		if err := r.compositeText(r.img); err != nil {
			return err
		}
	}
	return nil
}
