package transform

import (
	"math"

	"github.com/easelhq/easel"
)

// Cost units. One unit is about one pass of a simple operation over one
// pixel, roughly what JPEG encoding costs per pixel (about 10 ns of one core
// on the machines of docs/BENCHMARKS.md): 1e9 units are some 10 s of CPU.
// The factors below are per pixel and come from renders timed one at a time
// with libvips 8.14 at the engine's encoder settings.
var (
	// decodeCost is the cost of decoding one pixel of a source format.
	decodeCost = map[Format]float64{
		FormatJPEG: 1, FormatPNG: 2, FormatWebP: 3, FormatAVIF: 6, FormatHEIF: 6,
		FormatJXL: 4, FormatGIF: 1, FormatTIFF: 1, FormatBMP: 1, FormatSVG: 3, FormatPDF: 3,
	}
	// encodeCost is the cost of encoding one output pixel: AVIF (libaom)
	// and JXL spend far more per pixel than JPEG.
	encodeCost = map[Format]float64{
		FormatJPEG: 1, FormatPNG: 3, FormatWebP: 5, FormatAVIF: 30, FormatGIF: 10, FormatJXL: 10,
	}
)

// DefaultMaxCost is a budget of about 10 s of one core (see Cost).
const DefaultMaxCost = 1_000_000_000

// Cost estimates the CPU work of executing p on src, in units of about one
// pass over one pixel (see the unit above), without decoding anything:
//
//	decode   pixels read (the crop box, or the whole frame), divided by the
//	         JPEG shrink-on-load factor squared, × the format's decode factor
//	resize   pixels of the resized image
//	effects  blur and sharpen: pixels × 2 passes × (6σ+1) taps / 8 (the
//	         kernels are vectorised eight taps at a time); every other effect
//	         one pass; face effects one pass over the faces
//	encode   output pixels × the output format's encode factor
//
// All of it times the frames rendered (every page of a kept animation).
// The original itself (p.Original) costs nothing.
func Cost(p Plan, src Source) int64 {
	if p.Original {
		return 0
	}
	dw, dh := src.DisplayedSize()
	rw, rh := dw, dh
	if cb := p.CropBox; cb != nil {
		rw, rh = cb.W, cb.H
	}
	read := pixels(rw, rh)
	tw, th := rw, rh // working size after resize
	if p.Rotate == 90 || p.Rotate == 270 {
		tw, th = th, tw
	}
	if p.ResizeWidth > 0 {
		tw = p.ResizeWidth
	}
	if p.ResizeHeight > 0 {
		th = p.ResizeHeight
	}
	resized := pixels(tw, th)
	if src.Format == FormatJPEG && resized > 0 {
		shrink := 1.0
		ratio := math.Sqrt(read / resized)
		for _, s := range []float64{8, 4, 2} {
			if ratio >= s {
				shrink = s
				break
			}
		}
		read /= shrink * shrink
	}
	if src.Format == FormatSVG || src.Format == FormatPDF {
		read = resized // rasterised at the size needed
	}
	dec := decodeCost[src.Format]
	if dec == 0 {
		dec = 2
	}
	out := pixels(p.Width, p.Height)
	// The effects run on the image after extract and embed: the output.
	fx := effectsCost(p.Effects, out)
	for _, f := range p.Faces {
		fx += pixels(f.Box.W, f.Box.H) * faceEffectsCost(p.Effects)
	}
	enc := encodeCost[p.Format]
	if enc == 0 {
		enc = 5
	}
	per := read*dec + resized + fx + out*enc
	if p.Overlay != nil || p.Text != nil {
		per += out
	}
	frames := 1.0
	if p.Pages == -1 {
		frames = float64(max(src.Pages, 1))
	}
	total := per * frames
	if total > math.MaxInt64/2 {
		return math.MaxInt64 / 2
	}
	return int64(math.Ceil(total))
}

// kernelCost is the cost per pixel of a separable gaussian of sigma s.
func kernelCost(s float64) float64 { return 2 * (6*s + 1) / 8 }

// effectsCost is the cost of the whole-image effects on px pixels.
func effectsCost(e Effects, px float64) float64 {
	var c float64
	if e.Blur > 0 {
		c += px * kernelCost(e.Blur)
	}
	if e.Sharpen > 0 {
		c += px * (kernelCost(e.Sharpen) + 2) // and two colourspace conversions
	}
	for _, on := range []bool{e.Grayscale, e.BW, e.Brightness != 0 || e.Contrast != 0,
		e.Saturation != 0 || e.Hue != 0, e.Tint != nil, e.Sepia, e.Invert, e.Pixelate > 1} {
		if on {
			c += px
		}
	}
	return c
}

// faceEffectsCost is the cost per pixel of a face box.
func faceEffectsCost(e Effects) float64 {
	c := 0.0
	if e.BlurFaces > 0 {
		c += kernelCost(e.BlurFaces)
	}
	if e.PixelateFaces > 0 || e.RedEye || e.Whiten > 0 {
		c += 4
	}
	return c
}

// CheckCost refuses, with easel.CodeTooLarge, a plan whose Cost on src is
// above maxCost; maxCost 0 means DefaultMaxCost and a negative one no limit.
func CheckCost(p Plan, src Source, maxCost int64) error {
	if maxCost < 0 {
		return nil
	}
	if maxCost == 0 {
		maxCost = DefaultMaxCost
	}
	if c := Cost(p, src); c > maxCost {
		return easel.Errorf(easel.CodeTooLarge,
			"the render would cost %d units of work, above the render budget of %d: ask for a smaller output, a cheaper format or effect",
			c, maxCost)
	}
	return nil
}
