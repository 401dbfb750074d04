package transform

import (
	"math"

	"github.com/easelhq/easel"
)

// Faces in the planner.
//
// Coordinates are continuous: pixel (i, j) covers [i, i+1) x [j, j+1), so
// its centre is (i+0.5, j+0.5), and an image of w x h spans [0, w] x [0, h].
// Under this convention every geometric step is an exact affine map:
//
//	crop box at (cx, cy)    (x, y) → (x - cx, y - cy)
//	rotate 90 clockwise     (x, y) → (h - y, x)      of a w x h image
//	rotate 180              (x, y) → (w - x, h - y)
//	rotate 270 clockwise    (x, y) → (y, w - x)
//	flip horizontally       (x, y) → (w - x, y)
//	flip vertically         (x, y) → (x, h - y)
//	resize w x h to rw x rh (x, y) → (x * rw/w, y * rh/h)
//	extract at (ex, ey)     (x, y) → (x - ex, y - ey)
//	embed at (ox, oy)       (x, y) → (x + ox, y + oy)
//
// Boxes are mapped by their corners and kept as floating-point boxes until
// the end, where they are rounded outwards to whole pixels and clipped to the
// output. On the source, after the crop box and after the extract, faces
// whose box lies wholly outside the image are dropped and the others' boxes
// are clipped to it; keypoints are mapped but never clipped, so they may lie
// outside the output when a face is cut.

// faceBox is a face during planning: its box as [X0, X1] x [Y0, Y1] and its
// keypoints, in the continuous coordinates of the current step's image.
type faceBox struct {
	X0, Y0, X1, Y1           float64
	RightEye, LeftEye, Mouth PointF
}

func (f faceBox) area() float64 { return (f.X1 - f.X0) * (f.Y1 - f.Y0) }

// mapped applies m to the keypoints and to the corners of the box, and
// orders the box again (rotations and flips swap its sides).
func (f faceBox) mapped(m func(PointF) PointF) faceBox {
	a, b := m(PointF{f.X0, f.Y0}), m(PointF{f.X1, f.Y1})
	return faceBox{
		X0: math.Min(a.X, b.X), X1: math.Max(a.X, b.X),
		Y0: math.Min(a.Y, b.Y), Y1: math.Max(a.Y, b.Y),
		RightEye: m(f.RightEye), LeftEye: m(f.LeftEye), Mouth: m(f.Mouth),
	}
}

// mapFaces applies m to every face.
func mapFaces(faces []faceBox, m func(PointF) PointF) []faceBox {
	out := make([]faceBox, len(faces))
	for i, f := range faces {
		out[i] = f.mapped(m)
	}
	return out
}

// clipFaces drops the faces whose box lies wholly outside [0, w] x [0, h]
// (touching its edge is outside) and clips the boxes of the others.
func clipFaces(faces []faceBox, w, h float64) []faceBox {
	var out []faceBox
	for _, f := range faces {
		if f.X1 <= 0 || f.Y1 <= 0 || f.X0 >= w || f.Y0 >= h {
			continue
		}
		f.X0, f.Y0 = math.Max(f.X0, 0), math.Max(f.Y0, 0)
		f.X1, f.Y1 = math.Min(f.X1, w), math.Min(f.Y1, h)
		out = append(out, f)
	}
	return out
}

// sourceFaces converts the source's faces (displayed pixels) and leaves out
// those that are not finite or have an empty box.
func sourceFaces(faces []easel.Face) []faceBox {
	var out []faceBox
	for _, f := range faces {
		b := f.Box
		v := []float64{b.X, b.Y, b.W, b.H, f.RightEye.X, f.RightEye.Y, f.LeftEye.X, f.LeftEye.Y, f.Mouth.X, f.Mouth.Y}
		if !allFinite(v) || !(b.W > 0 && b.H > 0) {
			continue
		}
		out = append(out, faceBox{
			X0: b.X, Y0: b.Y, X1: b.X + b.W, Y1: b.Y + b.H,
			RightEye: PointF(f.RightEye), LeftEye: PointF(f.LeftEye), Mouth: PointF(f.Mouth),
		})
	}
	return out
}

func allFinite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// workingFaces maps the source's faces (displayed pixels of a dw x dh
// image) to the working image: through the crop box, the rotation and the
// flips.
func workingFaces(faces []faceBox, o Options, dw, dh int) []faceBox {
	w, h := float64(dw), float64(dh)
	faces = clipFaces(faces, w, h) // a detector's box may stick out
	if r := o.CropBox; r != nil {
		x, y := float64(r.X), float64(r.Y)
		faces = mapFaces(faces, func(p PointF) PointF { return PointF{p.X - x, p.Y - y} })
		w, h = float64(r.W), float64(r.H)
		faces = clipFaces(faces, w, h)
	}
	switch o.Rotate {
	case 90:
		faces = mapFaces(faces, func(p PointF) PointF { return PointF{h - p.Y, p.X} })
		w, h = h, w
	case 180:
		faces = mapFaces(faces, func(p PointF) PointF { return PointF{w - p.X, h - p.Y} })
	case 270:
		faces = mapFaces(faces, func(p PointF) PointF { return PointF{p.Y, w - p.X} })
		w, h = h, w
	}
	if o.FlipH {
		faces = mapFaces(faces, func(p PointF) PointF { return PointF{w - p.X, p.Y} })
	}
	if o.FlipV {
		faces = mapFaces(faces, func(p PointF) PointF { return PointF{p.X, h - p.Y} })
	}
	return faces
}

// scaleFaces maps faces of a w x h image to the same image resized to
// rw x rh.
func scaleFaces(faces []faceBox, w, h, rw, rh int) []faceBox {
	if rw == w && rh == h {
		return faces
	}
	sx, sy := float64(rw)/float64(w), float64(rh)/float64(h)
	return mapFaces(faces, func(p PointF) PointF { return PointF{p.X * sx, p.Y * sy} })
}

// outputFaces maps the faces of the working image (ww x wh) through the
// resize, the extract and the embed of p, and rounds them to FaceRegions.
func (p *Plan) outputFaces(faces []faceBox, ww, wh int) []FaceRegion {
	rw, rh := ww, wh
	if p.ResizeWidth > 0 {
		rw, rh = p.ResizeWidth, p.ResizeHeight
	}
	faces = scaleFaces(faces, ww, wh, rw, rh)
	if e := p.Extract; e != nil {
		x, y := float64(e.X), float64(e.Y)
		faces = mapFaces(faces, func(q PointF) PointF { return PointF{q.X - x, q.Y - y} })
		faces = clipFaces(faces, float64(e.W), float64(e.H))
	}
	if e := p.Embed; e != nil {
		x, y := float64(e.X), float64(e.Y)
		faces = mapFaces(faces, func(q PointF) PointF { return PointF{q.X + x, q.Y + y} })
	}
	var out []FaceRegion
	for _, f := range faces {
		box, ok := roundOut(f, p.Width, p.Height)
		if !ok {
			continue
		}
		out = append(out, FaceRegion{Box: box, RightEye: f.RightEye, LeftEye: f.LeftEye, Mouth: f.Mouth})
	}
	return out
}

// roundEps absorbs the floating-point error of the mapping, so that a box
// edge computed as 50.000000001 is not rounded out to 51.
const roundEps = 1e-6

// roundOut rounds the box of f outwards to whole pixels and clips it to
// w x h; false when nothing of it is left.
func roundOut(f faceBox, w, h int) (Rect, bool) {
	x0 := max(0, int(math.Floor(f.X0+roundEps)))
	y0 := max(0, int(math.Floor(f.Y0+roundEps)))
	x1 := min(w, int(math.Ceil(f.X1-roundEps)))
	y1 := min(h, int(math.Ceil(f.Y1-roundEps)))
	if x1 <= x0 || y1 <= y0 {
		return Rect{}, false
	}
	return Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}, true
}

// faceTarget returns the box that a crop at gravity t must keep, in the
// working image: the largest face's box (by area) for g_face, the bounding
// box of all faces for g_faces, and also for g_smart when faces are needed
// by an effect (the positions of the faces must be known when planning,
// and attention is decided by the engine later). False when there is none:
// then g_face and g_faces fall back to g_smart.
func faceTarget(t GravityType, faces []faceBox, needFaces bool) (faceBox, bool) {
	if len(faces) == 0 {
		return faceBox{}, false
	}
	switch {
	case t == GravityFace:
		best := faces[0]
		for _, f := range faces[1:] {
			if f.area() > best.area() {
				best = f
			}
		}
		return best, true
	case t == GravityFaces, t == GravitySmart && needFaces:
		u := faces[0]
		for _, f := range faces[1:] {
			u.X0, u.Y0 = math.Min(u.X0, f.X0), math.Min(u.Y0, f.Y0)
			u.X1, u.Y1 = math.Max(u.X1, f.X1), math.Max(u.Y1, f.Y1)
		}
		return u, true
	}
	return faceBox{}, false
}

// focusOffset returns the offset of a cut of size n out of size total that
// keeps the span [lo, hi] (inside [0, total]): centred on it, and containing
// it whole (rounded outwards) when n is large enough.
func focusOffset(lo, hi float64, total, n int) int {
	x := int(math.Round((lo+hi)/2 - float64(n)/2))
	first, last := int(math.Floor(lo+roundEps)), int(math.Ceil(hi-roundEps))
	if last-first <= n {
		x = max(last-n, min(x, first))
	}
	return max(0, min(x, total-n))
}
