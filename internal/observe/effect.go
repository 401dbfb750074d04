package observe

import (
	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// Effect label values that are not operation keys.
const (
	EffectNone     = "none"     // an upload that asked for no processing
	EffectOriginal = "original" // "-": the stored bytes
	EffectOther    = "other"    // anything outside the bounded sets
)

// ranked are the operation keys of the grammar, heaviest first: a request
// is labelled with the first of them it uses (EffectOf), so that it counts
// once and the series add up to the requests.
var ranked = []string{
	"blur_faces", "pixelate_faces", "redeye", "whiten",
	"blur", "sharpen", "pixelate", "grayscale", "bw", "brightness", "contrast", "saturation", "hue", "tint", "sepia", "invert",
	"l", "txt", "cr", "c", "g", "a", "fl", "w", "h", "dpr", "pg", "f", "q", "bg", "up",
}

// Effects is every effect label value but flow and processor names: the
// operation keys (effects without their e_ prefix), the task kinds, none,
// original and other.
var Effects = append(append([]string{}, ranked...),
	easel.TaskRender, easel.TaskAnalyze, easel.TaskLevels, easel.TaskFlow,
	EffectNone, EffectOriginal, EffectOther)

var knownEffects = func() map[string]bool {
	m := make(map[string]bool, len(Effects))
	for _, e := range Effects {
		m[e] = true
	}
	return m
}()

// IsEffect reports whether e is one of Effects.
func IsEffect(e string) bool { return knownEffects[e] }

// EffectOf is the effect label of a request's operations: its heaviest
// operation's key (face effects, then the other effects, watermarks,
// crops, gravity, rotation, size, page, format, quality), "original" for
// "-", and "f" when nothing else is asked for.
func EffectOf(o transform.Options) string {
	if o.Original {
		return EffectOriginal
	}
	return ranked[rank(o)]
}

// rank is the index in ranked of o's heaviest operation.
func rank(o transform.Options) int {
	e := o.Effects
	for i, on := range [...]bool{
		e.BlurFaces > 0, e.PixelateFaces > 0, e.RedEye, e.Whiten > 0,
		e.Blur > 0, e.Sharpen > 0, e.Pixelate > 0, e.Grayscale, e.BW, e.Brightness != 0, e.Contrast != 0,
		e.Saturation != 0, e.Hue != 0, e.Tint != nil, e.Sepia, e.Invert,
		o.Overlay != nil, o.Text != nil, o.CropBox != nil, o.Crop != "", o.Gravity.Type != "", o.Rotate != 0, o.FlipH || o.FlipV,
		o.Width > 0, o.Height > 0, o.DPR > 0, o.Page > 0 || o.AllPages, o.Format != transform.FormatNone, o.Quality > 0,
		o.Background != nil, o.Upscale,
	} {
		if on {
			return i
		}
	}
	return len(ranked) - 4 // "f": a re-encode
}

// EffectOfOps is the effect label of canonical operation strings (a
// render task's outputs): the heaviest over all of them, "other" when one
// does not parse.
func EffectOfOps(ops []string) string {
	best := len(ranked)
	original := false
	for _, s := range ops {
		o, err := transform.Parse(s)
		if err != nil {
			return EffectOther
		}
		if o.Original {
			original = true
			continue
		}
		best = min(best, rank(o))
	}
	switch {
	case best < len(ranked):
		return ranked[best]
	case original:
		return EffectOriginal
	}
	return EffectNone
}
