package vips

import (
	"fmt"
	"math"
	"strings"

	govips "github.com/davidbyttow/govips/v2/vips"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// margin is the gap between a watermark and the edges of the image.
func margin(w, h int) int { return int(math.Round(0.02 * float64(min(w, h)))) }

// place returns where an ow x oh watermark goes on a w x h image.
func place(g transform.Gravity, w, h, ow, oh int) (x, y int) {
	m := margin(w, h)
	x, y = (w-ow)/2, (h-oh)/2
	switch g.Type {
	case transform.GravityNorth, transform.GravityNorthEast, transform.GravityNorthWest:
		y = m
	case transform.GravitySouth, transform.GravitySouthEast, transform.GravitySouthWest:
		y = h - oh - m
	}
	switch g.Type {
	case transform.GravityWest, transform.GravityNorthWest, transform.GravitySouthWest:
		x = m
	case transform.GravityEast, transform.GravityNorthEast, transform.GravitySouthEast:
		x = w - ow - m
	case transform.GravityFocal:
		x, y = int(g.X*float64(w))-ow/2, int(g.Y*float64(h))-oh/2
	}
	return x, y
}

// compositeOverlay runs the overlay half of step 9.
func (r *renderer) compositeOverlay(img *govips.ImageRef) error {
	return r.compositeLayer(img, &r.overlay, func() (*govips.ImageRef, error) { return r.loadOverlay(img.Width()) }, r.p.Overlay.Gravity)
}

// compositeLayer composites *layer, prepared by load on the first frame, onto
// img at gravity g (default south east).
func (r *renderer) compositeLayer(img *govips.ImageRef, layer **govips.ImageRef, load func() (*govips.ImageRef, error), g transform.Gravity) error {
	if *layer == nil {
		l, err := load()
		if err != nil {
			return err
		}
		*layer = l
	}
	if g.Type == "" {
		g.Type = transform.GravitySouthEast
	}
	x, y := place(g, img.Width(), img.Height(), (*layer).Width(), (*layer).Height())
	return composite(img, *layer, x, y)
}

// loadOverlay decodes the overlay, scaled to WidthPct of the base width,
// as 8-bit sRGB with alpha multiplied by Opacity.
func (r *renderer) loadOverlay(baseWidth int) (*govips.ImageRef, error) {
	o := r.p.Overlay
	h, err := r.e.openHeader(r.overlayData)
	if err != nil {
		return nil, fmt.Errorf("overlay: %w", err)
	}
	defer h.close()
	var ov *govips.ImageRef
	if o.WidthPct > 0 {
		tw := max(1, baseWidth*o.WidthPct/100)
		ov, err = govips.LoadThumbnailFromBuffer(h.data, tw, maxCoord, govips.InterestingNone, govips.SizeBoth, govips.NewImportParams())
	} else {
		ov, err = govips.LoadImageFromBuffer(h.data, govips.NewImportParams())
		if err == nil {
			r.track(ov)
			err = ov.AutoRotate()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("overlay: %w", failed("load", err))
	}
	r.track(ov)
	if err := toSRGB(ov); err != nil {
		return nil, fmt.Errorf("overlay: %w", err)
	}
	if !ov.HasAlpha() {
		if err := ov.AddAlpha(); err != nil {
			return nil, failed("overlay", err)
		}
	}
	if op := o.Opacity; op > 0 && op < 100 {
		if err := ov.Linear([]float64{1, 1, 1, float64(op) / 100}, []float64{0, 0, 0, 0}); err != nil {
			return nil, failed("overlay", err)
		}
		if err := ov.Cast(govips.BandFormatUchar); err != nil {
			return nil, failed("overlay", err)
		}
	}
	return ov, nil
}

// composite draws over (8-bit sRGB with alpha) on img at x, y, keeping img's
// band count.
func composite(img, over *govips.ImageRef, x, y int) error {
	alpha := img.HasAlpha()
	if err := img.Composite(over, govips.BlendModeOver, x, y); err != nil {
		return failed("composite", err)
	}
	if img.BandFormat() != govips.BandFormatUchar {
		if err := img.Cast(govips.BandFormatUchar); err != nil {
			return failed("composite", err)
		}
	}
	if !alpha && img.Bands() == 4 {
		if err := img.ExtractBand(0, 3); err != nil {
			return failed("composite", err)
		}
	}
	return nil
}

// compositeText runs the text half of step 9: Text in Color, Size pixels
// high, at Gravity.
func (r *renderer) compositeText(img *govips.ImageRef) error {
	return r.compositeLayer(img, &r.text, r.renderText, r.p.Text.Gravity)
}

var markup = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&#39;", `"`, "&quot;")

func (r *renderer) renderText() (*govips.ImageRef, error) {
	t := r.p.Text
	size := t.Size
	if size <= 0 {
		size = 32
	}
	if size > 2000 {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "text size %d is too large", size)
	}
	c := t.Color
	if c == (transform.Color{}) {
		c = transform.Color{R: 255, G: 255, B: 255, A: 255}
	}
	// At 72 dpi one point is one pixel.
	mask, err := govips.Text(&govips.TextParams{
		Text: markup.Replace(sanitizeText(t.Text)),
		Font: fmt.Sprintf("sans %d", size),
		DPI:  72,
	})
	if err != nil {
		return nil, failed("text", err)
	}
	r.track(mask)
	if err := mask.BandJoin(mask, mask, mask); err != nil {
		return nil, failed("text", err)
	}
	if err := mask.Linear([]float64{0, 0, 0, float64(c.A) / 255}, []float64{float64(c.R), float64(c.G), float64(c.B), 0}); err != nil {
		return nil, failed("text", err)
	}
	if err := mask.Cast(govips.BandFormatUchar); err != nil {
		return nil, failed("text", err)
	}
	out, err := mask.CopyChangingInterpretation(govips.InterpretationSRGB)
	if err != nil {
		return nil, failed("text", err)
	}
	return r.track(out), nil
}

// sanitizeText keeps printable text of a sane length.
func sanitizeText(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r >= ' ' && r != 0x7f {
			return r
		}
		return -1
	}, s)
	if len([]rune(s)) > 500 {
		s = string([]rune(s)[:500])
	}
	return s
}
