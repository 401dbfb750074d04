package retouch

import (
	"math"

	"github.com/easelhq/easel/transform"
)

// Teeth whitening tuning.
const (
	// The mouth region is an ellipse around the mouth keypoint,
	// MouthWidthFactor of the face box's width across and
	// MouthHeightFactor of its height down: an open smile with some room.
	MouthWidthFactor  = 0.45
	MouthHeightFactor = 0.2
	// minMouthRadius keeps regions of tiny faces at least a few pixels wide.
	minMouthRadius = 2.0

	// Teeth are the bright pixels of the mouth region: L* above its mean
	// by teethLAbove (fully by teethLAbove + teethLRamp), and at least
	// teethLFloor, so that a closed mouth's lips and skin are not taken.
	teethLAbove, teethLRamp = 4.0, 8.0
	teethLFloor             = 45.0
	// They are neither red (lips, gums, skin: a* up to teethAMax, fully
	// selected up to teethAMax - teethARamp) nor colourful (chroma below
	// teethCMax, fully below teethCMax - teethCRamp).
	teethAMax, teethARamp = 12.0, 6.0
	teethCMax, teethCRamp = 35.0, 10.0
	// They are yellowish: b* above 0 (fully at teethBFull); bluish or
	// neutral pixels need no whitening.
	teethBFull = 3.0

	// mouthRim is the outer part of a mouth region over which the effect
	// fades out, as a fraction of its radii.
	mouthRim = 0.2

	// At full strength, b* is scaled by 1 - whitenB and L* raised by whitenL.
	whitenB = 0.8
	whitenL = 10.0
)

// MouthRadii returns the radii, in pixels, of the mouth region of f.
func MouthRadii(f transform.FaceRegion) (rx, ry float64) {
	return max(minMouthRadius, MouthWidthFactor*float64(f.Box.W)/2),
		max(minMouthRadius, MouthHeightFactor*float64(f.Box.H)/2)
}

// mouthRegions returns the mouth regions of faces whose mouth keypoint lies
// in (or near) their face box.
func mouthRegions(faces []transform.FaceRegion) []ellipse {
	var out []ellipse
	for _, f := range faces {
		rx, ry := MouthRadii(f)
		e := ellipse{c: f.Mouth, rx: rx, ry: ry}
		if e.usable() && near(f.Mouth, f.Box, ry) {
			out = append(out, e)
		}
	}
	return out
}

// MouthRegions returns whether pixel (x, y) lies in a mouth region of
// faces: Whiten changes no pixel outside them.
func MouthRegions(faces []transform.FaceRegion) func(x, y int) bool {
	return inAny(mouthRegions(faces))
}

// Whiten whitens teeth in place, with strength 1..100 (clamped; 0 or less
// does nothing): in the mouth region of each face it selects the teeth —
// pixels brighter than the region, of low chroma, not reddish and
// yellowish — and, in CIE L*a*b*, brings their b* towards 0 and raises
// their L*, blending softly at the edge of the selection and of the region.
// It returns the number of pixels changed. Pixels outside the mouth regions
// are never written.
func Whiten(img RGB, faces []transform.FaceRegion, strength int) int {
	if !img.valid() || strength <= 0 {
		return 0
	}
	s := float64(min(strength, 100)) / 100
	changed := 0
	for _, e := range mouthRegions(faces) {
		changed += whiten(img, e, s)
	}
	return changed
}

// mouthLab holds the L*a*b* of the pixels of a mouth region's bounds and
// which of them lie in the region.
type mouthLab struct {
	span
	e       ellipse
	L, A, B []float64
	in      []bool
}

func newMouthLab(img RGB, e ellipse) (mouthLab, bool) {
	s := bounds(img, e.c, e.rx, e.ry)
	if s.empty() {
		return mouthLab{}, false
	}
	n := (s.x1 - s.x0) * (s.y1 - s.y0)
	m := mouthLab{span: s, e: e, L: make([]float64, n), A: make([]float64, n), B: make([]float64, n), in: make([]bool, n)}
	found := false
	for y := s.y0; y < s.y1; y++ {
		for x := s.x0; x < s.x1; x++ {
			j := m.index(x, y)
			if e.dist(x, y) >= 1 {
				continue
			}
			i := img.off(x, y)
			m.L[j], m.A[j], m.B[j] = toLab(img.Pix[i], img.Pix[i+1], img.Pix[i+2])
			m.in[j], found = true, true
		}
	}
	return m, found
}

func (m mouthLab) index(x, y int) int { return (y-m.y0)*(m.x1-m.x0) + x - m.x0 }

// selection returns the feathered teeth selection over the bounds, 0..1.
func (m mouthLab) selection() []float64 {
	var sum, n float64
	for j, in := range m.in {
		if in {
			sum, n = sum+m.L[j], n+1
		}
	}
	lo := max(teethLFloor, sum/n+teethLAbove)
	sel := make([]float64, len(m.in))
	for j, in := range m.in {
		if !in {
			continue
		}
		L, a, b := m.L[j], m.A[j], m.B[j]
		sel[j] = smoothstep(lo, lo+teethLRamp, L) *
			(1 - smoothstep(teethAMax-teethARamp, teethAMax, a)) *
			(1 - smoothstep(teethCMax-teethCRamp, teethCMax, math.Hypot(a, b))) *
			smoothstep(0, teethBFull, b)
	}
	return feather(sel, m.x1-m.x0, m.y1-m.y0)
}

// whiten whitens the teeth of one mouth region at strength s in (0, 1].
func whiten(img RGB, e ellipse, s float64) int {
	m, ok := newMouthLab(img, e)
	if !ok {
		return 0
	}
	sel := m.selection()
	changed := 0
	for y := m.y0; y < m.y1; y++ {
		for x := m.x0; x < m.x1; x++ {
			j := m.index(x, y)
			if !m.in[j] {
				continue
			}
			a := sel[j] * edgeWeight(e.dist(x, y), mouthRim)
			if !(a > 0) {
				continue
			}
			L, A, B := m.L[j], m.A[j], m.B[j]
			if B > 0 {
				B *= 1 - whitenB*s
			}
			r, g, b := fromLab(min(100, L+whitenL*s), A, B)
			if blendPixel(img, img.off(x, y), a, r, g, b) {
				changed++
			}
		}
	}
	return changed
}

// TeethMask returns whether pixel (x, y) of img is selected as teeth by
// Whiten (selection weight above one half, edge of the region included),
// as img is now: call it before Whiten to measure the same pixels before
// and after.
func TeethMask(img RGB, faces []transform.FaceRegion) func(x, y int) bool {
	type sel struct {
		m mouthLab
		w []float64
	}
	var sels []sel
	if img.valid() {
		for _, e := range mouthRegions(faces) {
			if m, ok := newMouthLab(img, e); ok {
				sels = append(sels, sel{m, m.selection()})
			}
		}
	}
	return func(x, y int) bool {
		for _, s := range sels {
			m := s.m
			if x < m.x0 || y < m.y0 || x >= m.x1 || y >= m.y1 {
				continue
			}
			j := m.index(x, y)
			if m.in[j] && s.w[j]*edgeWeight(m.e.dist(x, y), mouthRim) > 0.5 {
				return true
			}
		}
		return false
	}
}
