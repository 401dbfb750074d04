package thumbor

import (
	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// options turns what the URL said into easel's Options, following the
// order thumbor works in: manual crop, crop-and-resize or fit-in, flips,
// then filters (rotate among them). easel rotates and flips before it
// resizes, so a quarter turn swaps the box and the flips, and the crop
// gravity is carried through the flips and the turn.
func (p parsed) options() (transform.Options, error) {
	f := p.filters
	o := transform.Options{
		CropBox: p.crop,
		Quality: f.quality,
		Format:  f.format,
		Effects: transform.Effects{
			Grayscale:  f.grayscale,
			Blur:       f.blur,
			Sharpen:    f.sharpen,
			Brightness: f.brightness,
			Contrast:   f.contrast,
			RedEye:     f.redEye,
		},
		Background: f.fill,
	}
	w, h := p.width, p.height
	flipH, flipV := p.flipH, p.flipV
	g := alignment(p.halign, p.valign)
	// Thumbor crops, then flips: on the flipped image the kept side is the other one.
	if flipH {
		g.dx = -g.dx
	}
	if flipV {
		g.dy = -g.dy
	}
	switch f.rotate {
	case 90: // counter-clockwise
		o.Rotate = 270
		w, h, flipH, flipV = h, w, flipV, flipH
		g = offset{g.dy, -g.dx}
	case 180:
		o.Rotate = 180
		g = offset{-g.dx, -g.dy}
	case 270:
		o.Rotate = 90
		w, h, flipH, flipV = h, w, flipV, flipH
		g = offset{-g.dy, g.dx}
	}
	o.Width, o.Height, o.FlipH, o.FlipV = w, h, flipH, flipV

	switch {
	case p.fitIn && w > 0 && h > 0 && f.fill != nil:
		o.Crop = transform.CropPad // thumbor centres the fitted image on the fill colour
	case p.fitIn:
		if w > 0 || h > 0 {
			o.Crop = transform.CropFit // fit-in never enlarges
		}
	case w > 0 && h > 0:
		o.Crop = transform.CropFill
		o.Upscale = !f.noUpscale
		o.Gravity = transform.Gravity{Type: g.gravity()}
		if p.smart {
			o.Gravity = transform.Gravity{Type: transform.GravitySmart}
		}
	case w > 0 || h > 0:
		o.Crop = transform.CropFit
		o.Upscale = !f.noUpscale
	}
	if o.Gravity.Type == transform.GravityCenter {
		o.Gravity = transform.Gravity{}
	}
	return o, check(o)
}

// check validates o with easel's own grammar, the one judge of ranges.
func check(o transform.Options) error {
	if _, err := transform.Parse(o.String()); err != nil {
		return easel.WrapError(easel.CodeInvalidArgument, err, "thumbor: %s", easel.ErrorMessage(err))
	}
	return nil
}

// offset is a gravity as a direction: dx -1 west .. 1 east, dy -1 north .. 1 south.
type offset struct{ dx, dy int }

func alignment(halign, valign string) offset {
	var g offset
	switch halign {
	case "left":
		g.dx = -1
	case "right":
		g.dx = 1
	}
	switch valign {
	case "top":
		g.dy = -1
	case "bottom":
		g.dy = 1
	}
	return g
}

func (g offset) gravity() transform.GravityType {
	return [3][3]transform.GravityType{
		{transform.GravityNorthWest, transform.GravityNorth, transform.GravityNorthEast},
		{transform.GravityWest, transform.GravityCenter, transform.GravityEast},
		{transform.GravitySouthWest, transform.GravitySouth, transform.GravitySouthEast},
	}[g.dy+1][g.dx+1]
}
