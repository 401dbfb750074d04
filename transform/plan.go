package transform

import (
	"fmt"

	"github.com/easelhq/easel"
)

// DefaultMaxOutputPixels is PlanConfig.MaxOutputPixels when it is 0.
const DefaultMaxOutputPixels = 50_000_000

// PlanConfig is what NewPlan needs besides the options and the source.
type PlanConfig struct {
	// Accept is the request's Accept header, for f_auto.
	Accept string
	// MaxOutputPixels refuses, with easel.CodeTooLarge, plans whose output
	// (one frame) or whose enlarged intermediate image has more pixels.
	// 0 means DefaultMaxOutputPixels.
	MaxOutputPixels int
	// Quality is the default quality per output format, used when q_ is not
	// given. Missing formats get jpeg 80, webp 80, avif 55, jxl 75, and 100
	// for the lossless png and gif.
	Quality map[Format]int
	// Faces are the source's faces, in pixels of the image as displayed
	// (after EXIF orientation), as the analysis found them; nil when unknown
	// or none. They steer g_face and g_faces, and are mapped to the output
	// (Plan.Faces) when an effect needs them. Coordinates are continuous:
	// pixel (i, j) spans [i, i+1) x [j, j+1).
	Faces []easel.Face
}

var white = Color{R: 255, G: 255, B: 255, A: 255}

// NewPlan works out what the engine must do to render o from src: it
// resolves defaults, the output format and the geometry, in the displayed
// orientation of src. o must have been through Expand. See the package
// documentation for the semantics of each crop mode.
//
// Errors are *easel.Error: invalid_argument for options that do not fit the
// image (pg_ past the last page, cr_ outside it) or are out of range,
// too_large when the output would exceed cfg.MaxOutputPixels.
func NewPlan(o Options, src Source, cfg PlanConfig) (Plan, error) {
	if o.Original {
		return Plan{Original: true}, nil
	}
	if o.Preset != "" {
		return Plan{}, easel.Errorf(easel.CodeInternal, "transform: preset t_%s not expanded before planning", o.Preset)
	}
	if err := checkOptions(o); err != nil {
		return Plan{}, err
	}
	dw, dh := src.DisplayedSize()
	if dw <= 0 || dh <= 0 {
		return Plan{}, easel.Errorf(easel.CodeUnsupportedMedia, "the image has no size (%dx%d)", dw, dh)
	}
	format, err := outputFormat(o, src, cfg.Accept)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{
		Rotate:     o.Rotate,
		FlipH:      o.FlipH,
		FlipV:      o.FlipV,
		Background: white,
		Effects:    o.Effects,
		Format:     format,
		Quality:    quality(o.Quality, format, cfg.Quality),
	}
	if o.Background != nil {
		p.Background = *o.Background
	}
	p.Effects.Tint = clonePtr(o.Effects.Tint)
	p.Overlay, p.Text = layers(o.Overlay, o.Text)
	if err := p.pages(o, src, format); err != nil {
		return Plan{}, err
	}

	ww, wh := dw, dh
	if r := o.CropBox; r != nil {
		if r.X < 0 || r.Y < 0 || r.W < 1 || r.H < 1 || r.X+r.W > dw || r.Y+r.H > dh {
			return Plan{}, invalid(fmt.Sprintf("cr_%d:%d:%d:%d", r.X, r.Y, r.W, r.H),
				"crop box must lie within the %dx%d image", dw, dh)
		}
		p.CropBox = clonePtr(r)
		ww, wh = r.W, r.H
	}
	if o.Rotate == 90 || o.Rotate == 270 {
		ww, wh = wh, ww
	}
	var faces []faceBox
	if len(cfg.Faces) > 0 {
		faces = workingFaces(sourceFaces(cfg.Faces), o, dw, dh)
	}
	p.layout(o, ww, wh, faces)
	if o.Effects.NeedsFaces() && len(faces) > 0 {
		p.Faces = p.outputFaces(faces, ww, wh)
	}

	limit := cfg.MaxOutputPixels
	if limit <= 0 {
		limit = DefaultMaxOutputPixels
	}
	if pixels(p.Width, p.Height) > float64(limit) {
		return Plan{}, easel.Errorf(easel.CodeTooLarge, "the output would be %dx%d pixels, more than the limit of %d", p.Width, p.Height, limit)
	}
	if r := pixels(p.ResizeWidth, p.ResizeHeight); r > float64(limit) && r > pixels(ww, wh) {
		return Plan{}, easel.Errorf(easel.CodeTooLarge, "the image would be enlarged to %dx%d pixels, more than the limit of %d", p.ResizeWidth, p.ResizeHeight, limit)
	}
	if !p.Format.IsOutput() {
		return Plan{}, easel.Errorf(easel.CodeInternal, "transform: planned output format %q", p.Format)
	}
	return p, nil
}

func pixels(w, h int) float64 { return float64(w) * float64(h) }

// checkOptions checks the ranges Parse checks, for Options made in code.
func checkOptions(o Options) error {
	switch {
	case o.Width < 0 || o.Width > MaxDimension:
		return invalid(fmt.Sprintf("w_%d", o.Width), "width must be 1..%d", MaxDimension)
	case o.Height < 0 || o.Height > MaxDimension:
		return invalid(fmt.Sprintf("h_%d", o.Height), "height must be 1..%d", MaxDimension)
	case o.DPR != 0 && !(o.DPR >= 1 && o.DPR <= 4):
		return invalid("dpr_"+formatDecimal(o.DPR), "dpr must be a number 1..4")
	case o.Rotate != 0 && o.Rotate != 90 && o.Rotate != 180 && o.Rotate != 270:
		return invalid(fmt.Sprintf("a_%d", o.Rotate), "rotation must be 90, 180 or 270")
	case o.Quality < 0 || o.Quality > 100:
		return invalid(fmt.Sprintf("q_%d", o.Quality), "quality must be 1..100")
	case o.Crop != "" && cropModes[string(o.Crop)] == "":
		return invalid("c_"+string(o.Crop), "crop mode must be fit, fill, crop, pad, scale or limit")
	}
	return nil
}

// outputFormat resolves f_: negotiated for auto; when not given, the
// source's format if it can be written, else PNG for images with alpha and
// JPEG for the others.
func outputFormat(o Options, src Source, accept string) (Format, error) {
	switch {
	case o.Format == FormatAuto:
		return Negotiate(accept), nil
	case o.Format != FormatNone:
		if !o.Format.IsOutput() {
			return "", invalid("f_"+string(o.Format), "format must be jpeg, png, webp, avif, gif, jxl or auto")
		}
		return o.Format, nil
	case src.Format.IsOutput():
		return src.Format, nil
	case src.HasAlpha:
		return FormatPNG, nil
	}
	return FormatJPEG, nil
}

// quality resolves q_ for format f.
func quality(q int, f Format, defaults map[Format]int) int {
	if q > 0 {
		return q
	}
	if q := defaults[f]; q >= 1 && q <= 100 {
		return q
	}
	return defaultQuality[f]
}

// pages resolves pg_ against the pages of src.
func (p *Plan) pages(o Options, src Source, f Format) error {
	n := max(src.Pages, 1)
	p.Pages = 1
	if o.AllPages {
		if n > 1 && (f == FormatGIF || f == FormatWebP) {
			p.Pages = -1
		}
		return nil
	}
	if o.Page < 0 || o.Page >= n {
		return invalid(fmt.Sprintf("pg_%d", o.Page), "the image has %d page(s), pg_0..pg_%d", n, n-1)
	}
	p.Page = o.Page
	return nil
}

// layers copies the overlay and the text with their defaults filled in.
func layers(ov *Overlay, txt *Text) (*Overlay, *Text) {
	if ov != nil {
		c := *ov
		if c.Gravity.Type == "" {
			c.Gravity = Gravity{Type: GravitySouthEast}
		}
		if c.Opacity == 0 {
			c.Opacity = 100
		}
		ov = &c
	}
	if txt != nil {
		c := *txt
		if c.Gravity.Type == "" {
			c.Gravity = Gravity{Type: GravitySouthEast}
		}
		if c.Color == (Color{}) {
			c.Color = white
		}
		if c.Size == 0 {
			c.Size = 32
		}
		txt = &c
	}
	return ov, txt
}
