package retouch

import (
	"math"

	"github.com/easelhq/easel/transform"
)

// Red-eye tuning.
const (
	// EyeRadiusFactor is the radius of an eye region, as a fraction of the
	// face box's width: a whole eye is about 0.2 of it across, so a radius
	// of 0.12 holds it with room for a keypoint a little off.
	EyeRadiusFactor = 0.12
	// minEyeRadius keeps regions of tiny faces at least a few pixels wide.
	minEyeRadius = 2.0

	// A pixel is red when R / ((G+B)/2) is above redRatioLo (fully red at
	// redRatioHi) and R above redFloorLo (fully at redFloorHi): dark pixels
	// of a pupil are left alone, whatever their hue.
	redRatioLo, redRatioHi = 1.5, 2.0
	redFloorLo, redFloorHi = 40.0, 70.0

	// eyeRim is the outer part of an eye region over which the effect fades
	// out, as a fraction of its radius.
	eyeRim = 0.25

	// maxRedEyeGain caps the gain that keeps the luminance of a corrected
	// pixel. The mildly red rim of a pupil keeps its luminance, so the edge
	// does not show; the strongly red core gets darker, as a pupil is: kept
	// whole, its luminance would make it grey.
	maxRedEyeGain = 1.25
)

// EyeRadius returns the radius, in pixels, of the eye regions of f.
func EyeRadius(f transform.FaceRegion) float64 {
	return max(minEyeRadius, EyeRadiusFactor*float64(f.Box.W))
}

// eyeRegions returns the eye regions of faces: a disc of EyeRadius around
// each eye keypoint that lies in (or near) its face box.
func eyeRegions(faces []transform.FaceRegion) []ellipse {
	var out []ellipse
	for _, f := range faces {
		r := EyeRadius(f)
		for _, eye := range []transform.PointF{f.RightEye, f.LeftEye} {
			e := ellipse{c: eye, rx: r, ry: r}
			if e.usable() && near(eye, f.Box, r) {
				out = append(out, e)
			}
		}
	}
	return out
}

// EyeRegions returns whether pixel (x, y) lies in an eye region of faces:
// RedEye changes no pixel outside them.
func EyeRegions(faces []transform.FaceRegion) func(x, y int) bool {
	return inAny(eyeRegions(faces))
}

// RedEye removes red eyes in place: in the eye regions of faces, it finds
// the pixels where red dominates, feathers that selection, and replaces
// their red by the mean of green and blue, keeping some of their
// luminance. It returns the number of pixels changed. Pixels outside the
// eye regions are never written.
func RedEye(img RGB, faces []transform.FaceRegion) int {
	if !img.valid() {
		return 0
	}
	changed := 0
	for _, e := range eyeRegions(faces) {
		changed += redEye(img, e)
	}
	return changed
}

// redness is how red a pixel is, 0..1.
func redness(r, g, b byte) float64 {
	R, gb := float64(r), (float64(g)+float64(b))/2
	return smoothstep(redRatioLo, redRatioHi, R/max(gb, 1)) * smoothstep(redFloorLo, redFloorHi, R)
}

// redEye corrects one eye region.
func redEye(img RGB, e ellipse) int {
	s := bounds(img, e.c, e.rx, e.ry)
	if s.empty() {
		return 0
	}
	w, h := s.x1-s.x0, s.y1-s.y0
	mask := make([]float64, w*h)
	for y := s.y0; y < s.y1; y++ {
		for x := s.x0; x < s.x1; x++ {
			if e.dist(x, y) < 1 {
				i := img.off(x, y)
				mask[(y-s.y0)*w+x-s.x0] = redness(img.Pix[i], img.Pix[i+1], img.Pix[i+2])
			}
		}
	}
	mask = feather(mask, w, h)
	changed := 0
	for y := s.y0; y < s.y1; y++ {
		for x := s.x0; x < s.x1; x++ {
			d := e.dist(x, y)
			if d >= 1 {
				continue
			}
			a := mask[(y-s.y0)*w+x-s.x0] * edgeWeight(d, eyeRim)
			if !(a > 0) {
				continue
			}
			i := img.off(x, y)
			r, g, b := desaturateRed(img.Pix[i], img.Pix[i+1], img.Pix[i+2])
			if blendPixel(img, i, a, r, g, b) {
				changed++
			}
		}
	}
	return changed
}

// desaturateRed returns the pixel with its red replaced by the mean of its
// green and blue, all three scaled to keep its luminance (Rec. 601 luma),
// up to a gain of maxRedEyeGain.
func desaturateRed(r, g, b byte) (float64, float64, float64) {
	R, G, B := float64(r), float64(g), float64(b)
	nr := (G + B) / 2
	before := 0.299*R + 0.587*G + 0.114*B
	after := 0.299*nr + 0.587*G + 0.114*B
	k := 1.0
	if after > 0 {
		k = min(maxRedEyeGain, max(1, before/after))
	}
	return nr * k, G * k, B * k
}

// RedEyeRatio measures how red the pupils of img are: the mean red over the
// mean of green and blue, sum(R) / sum((G+B)/2), of the pixels whose centres
// lie within radius of one of centres. About 1 for a grey or dark pupil,
// well above it for a red one; +Inf for pure red, 0 when no pixel is
// measured or all are black.
func RedEyeRatio(img RGB, centres []transform.PointF, radius float64) float64 {
	if !img.valid() {
		return 0
	}
	var red, gb float64
	for _, c := range centres {
		e := ellipse{c: c, rx: radius, ry: radius}
		if !e.usable() {
			continue
		}
		s := bounds(img, c, radius, radius)
		for y := s.y0; y < s.y1; y++ {
			for x := s.x0; x < s.x1; x++ {
				if e.dist(x, y) < 1 {
					i := img.off(x, y)
					red += float64(img.Pix[i])
					gb += (float64(img.Pix[i+1]) + float64(img.Pix[i+2])) / 2
				}
			}
		}
	}
	switch {
	case gb > 0:
	case red > 0:
		return math.Inf(1) // pure red
	default:
		return 0 // black, or nothing measured
	}
	return red / gb
}
