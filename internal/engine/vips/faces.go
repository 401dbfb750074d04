package vips

import (
	"errors"
	"image"

	govips "github.com/davidbyttow/govips/v2/vips"

	"github.com/easelhq/easel/internal/vision/retouch"
	"github.com/easelhq/easel/transform"
)

// faceEffects runs the face effects of step 8 on the plan's faces, which
// are in the image's pixels. Every effect works on regions cut out of the
// image and put back, so pixels outside them are not touched.
func (r *renderer) faceEffects(img *govips.ImageRef) error {
	fx := r.p.Effects
	if !fx.NeedsFaces() || len(r.p.Faces) == 0 {
		return nil
	}
	// Regions are read out of order, which a shrink-on-load pipeline
	// (sequential) cannot serve: read it once, top to bottom, into memory.
	if err := materialize(img); err != nil {
		return err
	}
	for _, f := range r.p.Faces {
		box, ok := clipRect(f.Box, img.Width(), img.Height())
		if !ok {
			continue
		}
		if fx.BlurFaces > 0 {
			if err := regionOp(img, box, func(sub *govips.ImageRef) error { return sub.GaussianBlur(fx.BlurFaces) }); err != nil {
				return failed("blur faces", err)
			}
		}
		if fx.PixelateFaces > 0 {
			if err := regionOp(img, box, func(sub *govips.ImageRef) error { return pixelate(sub, fx.PixelateFaces) }); err != nil {
				return failed("pixelate faces", err)
			}
		}
	}
	if fx.RedEye || fx.Whiten > 0 {
		if err := r.retouch(img); err != nil {
			return failed("retouch", err)
		}
	}
	return nil
}

// retouch removes red eye and whitens teeth in Go on the pixels of the
// faces' area, then puts the area back.
func (r *renderer) retouch(img *govips.ImageRef) error {
	var area transform.Rect
	for i, f := range r.p.Faces {
		// Eyes and mouth lie inside the face box; a margin keeps feathered
		// edges whole.
		b := f.Box
		grown := transform.Rect{X: b.X - b.W/4, Y: b.Y - b.H/4, W: b.W + b.W/2, H: b.H + b.H/2}
		area = unionRect(area, grown, i > 0)
	}
	area, ok := clipRect(area, img.Width(), img.Height())
	if !ok {
		return nil
	}
	sub, err := img.Copy()
	if err != nil {
		return err
	}
	defer sub.Close()
	if err := sub.ExtractArea(area.X, area.Y, area.W, area.H); err != nil {
		return err
	}
	raw, err := sub.ToBytes()
	if err != nil {
		return failed("decode", errors.New("")) // see Raster
	}
	bands := sub.Bands()
	n := area.W * area.H
	if len(raw) != n*bands || bands < 3 {
		return nil // not 8-bit RGB(A): leave the image as it is
	}
	rgb := retouch.RGB{Pix: make([]byte, n*3), W: area.W, H: area.H}
	for i := 0; i < n; i++ {
		copy(rgb.Pix[i*3:i*3+3], raw[i*bands:i*bands+3])
	}
	faces := make([]transform.FaceRegion, len(r.p.Faces))
	for i, f := range r.p.Faces {
		faces[i] = shiftFace(f, -area.X, -area.Y)
	}
	changed := 0
	if r.p.Effects.RedEye {
		changed += retouch.RedEye(rgb, faces)
	}
	if r.p.Effects.Whiten > 0 {
		changed += retouch.Whiten(rgb, faces, r.p.Effects.Whiten)
	}
	if changed == 0 {
		return nil
	}
	nrgba := image.NewNRGBA(image.Rect(0, 0, area.W, area.H))
	for i := 0; i < n; i++ {
		copy(nrgba.Pix[i*4:i*4+3], rgb.Pix[i*3:i*3+3])
		nrgba.Pix[i*4+3] = 255
		if bands == 4 {
			nrgba.Pix[i*4+3] = raw[i*4+3]
		}
	}
	patch, err := govips.NewImageFromGoImage(nrgba)
	if err != nil {
		return err
	}
	defer patch.Close()
	if bands == 3 {
		if err := patch.ExtractBand(0, 3); err != nil {
			return err
		}
	}
	return img.Insert(patch, area.X, area.Y, false, nil)
}

// regionOp applies op to box of img and puts the result back in place.
func regionOp(img *govips.ImageRef, box transform.Rect, op func(*govips.ImageRef) error) error {
	sub, err := img.Copy()
	if err != nil {
		return err
	}
	defer sub.Close()
	if err := sub.ExtractArea(box.X, box.Y, box.W, box.H); err != nil {
		return err
	}
	if err := op(sub); err != nil {
		return err
	}
	if err := fixSize(sub, box.W, box.H); err != nil {
		return err
	}
	return img.Insert(sub, box.X, box.Y, false, nil)
}

func clipRect(r transform.Rect, w, h int) (transform.Rect, bool) {
	x0, y0 := max(r.X, 0), max(r.Y, 0)
	x1, y1 := min(r.X+r.W, w), min(r.Y+r.H, h)
	if x1 <= x0 || y1 <= y0 {
		return transform.Rect{}, false
	}
	return transform.Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}, true
}

func unionRect(a, b transform.Rect, haveA bool) transform.Rect {
	if !haveA {
		return b
	}
	x0, y0 := min(a.X, b.X), min(a.Y, b.Y)
	x1, y1 := max(a.X+a.W, b.X+b.W), max(a.Y+a.H, b.Y+b.H)
	return transform.Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

func shiftFace(f transform.FaceRegion, dx, dy int) transform.FaceRegion {
	fx, fy := float64(dx), float64(dy)
	f.Box.X += dx
	f.Box.Y += dy
	f.RightEye = transform.PointF{X: f.RightEye.X + fx, Y: f.RightEye.Y + fy}
	f.LeftEye = transform.PointF{X: f.LeftEye.X + fx, Y: f.LeftEye.Y + fy}
	f.Mouth = transform.PointF{X: f.Mouth.X + fx, Y: f.Mouth.Y + fy}
	return f
}

// materialize replaces img's pipeline by its pixels in memory: one
// sequential read, then random access for what follows.
func materialize(img *govips.ImageRef) error {
	raw, err := img.ToBytes()
	if err != nil {
		return failed("decode", errors.New("")) // see Raster
	}
	w, h, bands := img.Width(), img.Height(), img.Bands()
	if bands != 3 && bands != 4 || len(raw) != w*h*bands {
		return nil // not 8-bit RGB(A): regions will be read from the pipeline
	}
	nrgba := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		copy(nrgba.Pix[i*4:i*4+3], raw[i*bands:i*bands+3])
		nrgba.Pix[i*4+3] = 255
		if bands == 4 {
			nrgba.Pix[i*4+3] = raw[i*4+3]
		}
	}
	mem, err := govips.NewImageFromGoImage(nrgba)
	if err != nil {
		return failed("materialize", err)
	}
	defer mem.Close()
	if bands == 3 {
		if err := mem.ExtractBand(0, 3); err != nil {
			return failed("materialize", err)
		}
	}
	// mem covers img entirely: insert serves every region from it alone.
	return img.Insert(mem, 0, 0, false, nil)
}
