package transform

import (
	"math"
	"slices"
)

// Level describes one level of an original's pyramid: the original decoded
// once, oriented (Orientation 1), in sRGB and without metadata, scaled so
// that its long side is Side. Width and Height are its pixels.
type Level struct {
	Side   int
	Width  int
	Height int
	Format Format // JPEG for opaque originals, lossless WebP or PNG with alpha
}

// LevelSize returns the size of the level of long side side made from an
// original displayed at dw x dh: both sides scaled by side/max(dw, dh) and
// rounded, at least 1.
func LevelSize(dw, dh, side int) (w, h int) {
	long := max(dw, dh)
	if long <= 0 {
		return 0, 0
	}
	s := float64(side) / float64(long)
	return max(1, int(math.Round(float64(dw)*s))), max(1, int(math.Round(float64(dh)*s)))
}

// LevelMargin is how much larger than needed a level must be in the region
// a render reads: resampling a level twice the size it must produce keeps
// the output within about 1/255 of the one made from the original.
const LevelMargin = 2

// CropLevelMargin replaces LevelMargin for plans with a crop box: the box
// is rounded to whole pixels of the level, which shifts its edges by up to
// half a level pixel, a quarter of an output pixel at a margin of 2 (a
// mean difference of about 1.6/255 on a detailed photo) and a sixth at 3.
const CropLevelMargin = 3

// minCropFraction: a crop box with a side under this fraction of the
// original's reads the original, whose detail a small box needs.
const minCropFraction = 0.25

// ChooseLevel picks the level to render p from instead of the original src:
// the smallest one at least LevelMargin (CropLevelMargin with a crop box)
// times the size p needs in the region it reads (the crop box, or the
// whole image). It returns false, to read the original, for the original
// itself (-), animations and documents (more than one page, SVG, PDF),
// plans with no resize (outputs at the original's scale), small crop
// boxes, levels that do not match src's displayed aspect, and whenever no
// level is large enough.
func ChooseLevel(p Plan, src Source, levels []Level) (Level, bool) {
	if p.Original || src.Pages > 1 || p.Pages == -1 || p.Page != 0 ||
		src.Format == FormatSVG || src.Format == FormatPDF || src.Format == FormatGIF {
		return Level{}, false
	}
	if p.ResizeWidth <= 0 || p.ResizeHeight <= 0 {
		return Level{}, false
	}
	dw, dh := src.DisplayedSize()
	if dw <= 0 || dh <= 0 {
		return Level{}, false
	}
	rw, rh := dw, dh // the region read, in displayed pixels of the original
	margin := float64(LevelMargin)
	if cb := p.CropBox; cb != nil {
		if float64(cb.W) < minCropFraction*float64(dw) || float64(cb.H) < minCropFraction*float64(dh) {
			return Level{}, false
		}
		rw, rh, margin = cb.W, cb.H, CropLevelMargin
	}
	nw, nh := p.ResizeWidth, p.ResizeHeight // what the region becomes
	if p.Rotate == 90 || p.Rotate == 270 {
		nw, nh = nh, nw
	}
	var best Level
	found := false
	for _, l := range levels {
		if !levelMatches(l, dw, dh) {
			continue
		}
		sx, sy := float64(l.Width)/float64(dw), float64(l.Height)/float64(dh)
		if float64(rw)*sx < margin*float64(nw) || float64(rh)*sy < margin*float64(nh) {
			continue
		}
		if !found || l.Width*l.Height < best.Width*best.Height {
			best, found = l, true
		}
	}
	return best, found
}

// levelMatches reports whether l is a level of an original displayed at
// dw x dh: smaller, with the size LevelSize gives for its side.
func levelMatches(l Level, dw, dh int) bool {
	if l.Side <= 0 || l.Side >= max(dw, dh) || !l.Format.IsOutput() {
		return false
	}
	w, h := LevelSize(dw, dh, l.Side)
	return l.Width == w && l.Height == h
}

// PlanForLevel returns p, planned on the original src, rewritten to read
// level l instead, with the same output geometry: the crop box (in the
// original's displayed pixels) is mapped to the level's scale; everything
// after the resize is in output pixels and stays as it is. The level's
// Source is LevelSource(l).
func PlanForLevel(p Plan, src Source, l Level) Plan {
	dw, dh := src.DisplayedSize()
	if cb := p.CropBox; cb != nil {
		sx, sy := float64(l.Width)/float64(dw), float64(l.Height)/float64(dh)
		x0, y0 := int(math.Round(float64(cb.X)*sx)), int(math.Round(float64(cb.Y)*sy))
		x1, y1 := int(math.Round(float64(cb.X+cb.W)*sx)), int(math.Round(float64(cb.Y+cb.H)*sy))
		x1, y1 = min(max(x1, x0+1), l.Width), min(max(y1, y0+1), l.Height)
		p.CropBox = &Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
	}
	return p
}

// LevelSource describes level l as a Source, as Probe would.
func LevelSource(l Level, hasAlpha bool) Source {
	return Source{Format: l.Format, Width: l.Width, Height: l.Height, Orientation: 1, Pages: 1, HasAlpha: hasAlpha}
}

// LevelPolicy decides which levels an original gets and how they are
// encoded. DefaultLevelPolicy gives the defaults and why.
type LevelPolicy struct {
	// Sides are the candidate long sides, in pixels (render.levels).
	// Empty turns the pyramid off.
	Sides []int
	// MinReduction: a level's side is at most the original's long side
	// divided by this; a level closer to the original's size saves too
	// little decoding to pay for its bytes. Values below 1 count as 1
	// (every side smaller than the original).
	MinReduction float64
	// MaxLevels caps the number of levels, the largest kept; 0 is no cap.
	MaxLevels int
	// MaxExtra caps the levels' bytes at this fraction of the original's
	// (0: no cap). Levels are kept greedily by value while they fit: the
	// level of side KeepSide, then the smaller ones (largest first), then
	// the larger ones (smallest first); one that does not fit is skipped.
	MaxExtra float64
	// KeepSide is the level MaxExtra keeps first: the one the everyday
	// request reads.
	KeepSide int
	// JPEGQuality is the quality of opaque levels (1..100; 0 is 95).
	JPEGQuality int
	// JPEGSubsample stores opaque levels with 4:2:0 chroma; false is 4:4:4.
	JPEGSubsample bool
}

// DefaultLevelPolicy is the pyramid policy chosen by measurement
// (TestLevelPolicySweep and TestLevelsQualityGuard in internal/engine/vips)
// on a tuning half of the corpus, then checked on the other half. Issue 8's
// first pyramid (every side below the original, JPEG q95 4:4:4) stored 66%
// to 287% of each photo's bytes again; the goal is 35%.
//
//   - Sides 2048, 1024, 640, 320: fixed, so a render's cost depends on its
//     output size, not on the original's. With ChooseLevel's 2x margin the
//     everyday thumbnail, a 300 px fit, reads the 640 level (a 300x300
//     fill of a landscape photo reads 1024), outputs up to 160 px read
//     320. The first pyramid had 512 and 256; a 300 px fit then read the
//     1024 level, whose decoding (shrunk by 2 on load) cost about twice
//     the 640's in issue 8's measurements.
//   - MinReduction 1.75: a level keeps at most a third of the original's
//     pixels. A 2048 level of a 2560 px original holds 64% of its pixels
//     and, re-encoded at q95, more bytes than the original: decoding it
//     saves little (the original shrinks by 2 or 4 on load anyway). 1.75
//     rather than 2 lets a 1800 px (2 MP) photo have a 1024 level when its
//     bytes fit MaxExtra.
//   - JPEG q85 4:4:4: on the tuning half (MinReduction 2, no MaxExtra),
//     against q95 4:4:4 (+39% bytes,
//     worst mean difference 1.06/255), q90 (+25%, 1.12) and 4:2:0 at q95,
//     q90, q85 (+29%, +19%, +15%; 1.25, 1.40, 1.53), q85 4:4:4 added 19%
//     with a worst difference of 1.20/255: chroma subsampling costs the
//     guard more than quality does for the bytes it saves. A level is only
//     read at half its size or less, which hides most of its artefacts.
//   - MaxExtra 0.35, KeepSide 1024: the levels never add more than 35% to
//     an original. The 1024 level, which serves the 300 px thumbnail (a
//     300x300 fill of a 16:10 photo needs 960 px), is kept first, then 640
//     and 320, then 2048 (it serves only outputs of 513 to 1024 px), each
//     while it fits. A heavy original (a 15 MP progressive JPEG of several
//     MB), where the 2048 level saves the most decoding, keeps it; a 4224
//     px photo compressed hard (1.5 MB for 13 MP), whose 2048 level alone
//     weighs 35% of it, does not.
//   - At most 4 levels. Greyscale originals get one-band levels; images
//     with alpha lossless WebP (the engine's choice).
var DefaultLevelPolicy = LevelPolicy{
	Sides:        []int{2048, 1024, 640, 320},
	MinReduction: 1.75,
	MaxLevels:    4,
	MaxExtra:     0.35,
	KeepSide:     1024,
	JPEGQuality:  85,
}

// LevelSides returns the sides of the levels p gives an original displayed
// at dw x dh, largest first: the distinct positive sides of p.Sides at most
// max(dw, dh)/p.MinReduction and smaller than max(dw, dh), at most
// p.MaxLevels of them.
func LevelSides(dw, dh int, p LevelPolicy) []int {
	long := max(dw, dh)
	if long <= 0 {
		return nil
	}
	limit := float64(long)
	if p.MinReduction > 1 {
		limit = float64(long) / p.MinReduction
	}
	var out []int
	for _, s := range p.Sides {
		if s > 0 && s < long && float64(s) <= limit && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	slices.Reverse(out)
	if p.MaxLevels > 0 && len(out) > p.MaxLevels {
		out = out[:p.MaxLevels]
	}
	return out
}
