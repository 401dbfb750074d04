// Package retouch holds the face effects that work on pixels around face
// keypoints: red-eye removal (RedEye) and teeth whitening (Whiten). It is
// pure Go, standard library only, and works in place on an 8-bit sRGB
// raster, with the faces of a transform.Plan (Plan.Faces) in its pixels.
//
// Each effect changes pixels only inside its regions: discs around the eyes
// for RedEye, ellipses around the mouths for Whiten (see EyeRegions and
// MouthRegions). Not one byte outside them is written.
//
// Coordinates are continuous, as in package transform: pixel (x, y) covers
// [x, x+1) x [y, y+1), and its centre is (x+0.5, y+0.5). A pixel belongs to
// a region when its centre does.
package retouch

import (
	"math"

	"github.com/easelhq/easel/transform"
)

// RGB is an 8-bit sRGB raster: 3 bytes (R, G, B) per pixel, row-major,
// W*H pixels, no padding between rows.
type RGB struct {
	Pix  []byte
	W, H int
}

// valid reports whether img has a size and enough bytes for it.
func (img RGB) valid() bool {
	return img.W > 0 && img.H > 0 && len(img.Pix)/3/img.W >= img.H
}

// off is the offset of pixel (x, y) in Pix.
func (img RGB) off(x, y int) int { return 3 * (y*img.W + x) }

// span is a clipped range of pixels [x0, x1) x [y0, y1).
type span struct{ x0, y0, x1, y1 int }

func (s span) empty() bool { return s.x1 <= s.x0 || s.y1 <= s.y0 }

// bounds returns the pixels whose centres may lie within rx, ry of c,
// clipped to the image.
func bounds(img RGB, c transform.PointF, rx, ry float64) span {
	return span{
		x0: max(0, int(math.Floor(c.X-rx))), y0: max(0, int(math.Floor(c.Y-ry))),
		x1: min(img.W, int(math.Ceil(c.X+rx))+1), y1: min(img.H, int(math.Ceil(c.Y+ry))+1),
	}
}

// ellipse is a region: the centres of its pixels satisfy
// ((x+0.5-cx)/rx)² + ((y+0.5-cy)/ry)² < 1. A disc has rx == ry.
type ellipse struct {
	c      transform.PointF
	rx, ry float64
}

// dist returns the normalised distance of the centre of pixel (x, y) from
// the centre of e: < 1 inside.
func (e ellipse) dist(x, y int) float64 {
	dx, dy := (float64(x)+0.5-e.c.X)/e.rx, (float64(y)+0.5-e.c.Y)/e.ry
	return math.Sqrt(dx*dx + dy*dy)
}

// usable reports whether e has a positive finite size and centre.
func (e ellipse) usable() bool {
	ok := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	return ok(e.c.X) && ok(e.c.Y) && ok(e.rx) && ok(e.ry) && e.rx > 0 && e.ry > 0
}

// near reports whether p lies in box b grown by d on every side: keypoints
// far from their face (a detector's zero value) are not used.
func near(p transform.PointF, b transform.Rect, d float64) bool {
	return p.X >= float64(b.X)-d && p.X <= float64(b.X+b.W)+d &&
		p.Y >= float64(b.Y)-d && p.Y <= float64(b.Y+b.H)+d
}

// inAny returns the membership function of the union of regions.
func inAny(regions []ellipse) func(x, y int) bool {
	return func(x, y int) bool {
		for _, e := range regions {
			if e.dist(x, y) < 1 {
				return true
			}
		}
		return false
	}
}

// smoothstep is 0 below lo, 1 above hi, and a smooth ramp between.
func smoothstep(lo, hi, v float64) float64 {
	t := min(1, max(0, (v-lo)/(hi-lo)))
	return t * t * (3 - 2*t)
}

// edgeWeight fades a region's effect out over its outer rim: 1 at normalised
// distance 1 - rim and nearer, 0 at 1 and beyond.
func edgeWeight(d, rim float64) float64 {
	return min(1, max(0, (1-d)/rim))
}

// feather blurs a w x h mask with a 3x3 box and keeps, at every pixel, the
// larger of the mask and its blur: the selection gets a soft edge one pixel
// wide outside it, and stays whole inside.
func feather(m []float64, w, h int) []float64 {
	out := make([]float64, len(m))
	for y := range h {
		for x := range w {
			var sum float64
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					if xx, yy := x+dx, y+dy; xx >= 0 && yy >= 0 && xx < w && yy < h {
						sum += m[yy*w+xx]
					}
				}
			}
			out[y*w+x] = max(m[y*w+x], sum/9)
		}
	}
	return out
}

// toByte rounds v to a byte, clamping it to 0..255.
func toByte(v float64) byte {
	return byte(min(255, max(0, math.Round(v))))
}

// blendPixel writes (r, g, b) over pixel i of img with weight a in (0, 1],
// and reports whether a byte changed.
func blendPixel(img RGB, i int, a, r, g, b float64) bool {
	p := img.Pix[i : i+3 : i+3]
	nr := toByte(float64(p[0]) + a*(r-float64(p[0])))
	ng := toByte(float64(p[1]) + a*(g-float64(p[1])))
	nb := toByte(float64(p[2]) + a*(b-float64(p[2])))
	if nr == p[0] && ng == p[1] && nb == p[2] {
		return false
	}
	p[0], p[1], p[2] = nr, ng, nb
	return true
}

// MeanLab returns the mean CIE L*a*b* (D65) of the pixels of img where mask
// is true (every pixel when mask is nil); zeros when there is none.
func MeanLab(img RGB, mask func(x, y int) bool) (L, a, b float64) {
	if !img.valid() {
		return 0, 0, 0
	}
	var n float64
	for y := range img.H {
		for x := range img.W {
			if mask != nil && !mask(x, y) {
				continue
			}
			i := img.off(x, y)
			l, aa, bb := toLab(img.Pix[i], img.Pix[i+1], img.Pix[i+2])
			L, a, b, n = L+l, a+aa, b+bb, n+1
		}
	}
	if n == 0 {
		return 0, 0, 0
	}
	return L / n, a / n, b / n
}
