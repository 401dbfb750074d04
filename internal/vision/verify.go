package vision

import "math"

// geometry describes a candidate's keypoints: what a face's look like,
// whatever its size and roll.
type geometry struct {
	eyesPerWidth float64 // eye distance / box width
	mouthPerEyes float64 // eyes' midpoint to mouth / eye distance
	skew         float64 // |cos| of the angle between the eye line and the eyes-to-mouth axis
	nose         float64 // nose projected on the eyes-to-mouth axis (0 at the eyes, 1 at the mouth)
	handed       bool    // the subject's right eye on the viewer's left of the axis
}

func geometryOf(c candidate) geometry {
	re, le, n, m := c.kp[0], c.kp[1], c.kp[2], c.kp[3]
	ex, ey := le[0]-re[0], le[1]-re[1]
	de := math.Hypot(ex, ey)
	cx, cy := (re[0]+le[0])/2, (re[1]+le[1])/2
	ax, ay := m[0]-cx, m[1]-cy
	dm := math.Hypot(ax, ay)
	w := c.x1 - c.x0
	if de == 0 || dm == 0 || w <= 0 {
		return geometry{}
	}
	return geometry{
		eyesPerWidth: de / w,
		mouthPerEyes: dm / de,
		skew:         math.Abs(ex*ax+ey*ay) / (de * dm),
		nose:         ((n[0]-cx)*ax + (n[1]-cy)*ay) / (dm * dm),
		handed:       ex*ay-ey*ax > 0,
	}
}

// Bounds of a plausible face's geometry, from the tune half of
// testdata/photos.tsv (faces from frontal to three-quarter, rolled up to
// about 45°) with a margin.
const (
	minEyesPerWidth, maxEyesPerWidth = 0.2, 0.8
	minMouthPerEyes, maxMouthPerEyes = 0.4, 1.8
	maxSkew                          = 0.5
	minNose, maxNose                 = 0.0, 1.1
)

// plausible reports whether a candidate's keypoints are laid out as a
// face's: eyes apart in proportion to the box, the mouth below them at a
// face's distance, the nose between them.
func plausible(c candidate) bool {
	g := geometryOf(c)
	return g.handed &&
		g.eyesPerWidth >= minEyesPerWidth && g.eyesPerWidth <= maxEyesPerWidth &&
		g.mouthPerEyes >= minMouthPerEyes && g.mouthPerEyes <= maxMouthPerEyes &&
		g.skew <= maxSkew &&
		g.nose >= minNose && g.nose <= maxNose
}
