package transform

import (
	"slices"

	"github.com/easelhq/easel"
)

// ParsePresets parses the presets of the configuration, name → operations
// segment, for Expand. Names have the shape of a t_ value; a preset may be
// neither "-" nor contain t_. Errors are invalid_argument and name the
// preset.
func ParsePresets(m map[string]string) (map[string]Options, error) {
	presets := make(map[string]Options, len(m))
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names) // report the same error every time
	for _, name := range names {
		if !presetName.MatchString(name) {
			return nil, easel.Errorf(easel.CodeInvalidArgument, "preset %s: name must be [a-z0-9][a-z0-9_-]{0,63}", quoteItem(name))
		}
		o, err := Parse(m[name])
		switch {
		case err != nil:
			return nil, easel.WrapError(easel.CodeInvalidArgument, err, "preset %s: %s", name, easel.ErrorMessage(err))
		case o.Original:
			return nil, easel.Errorf(easel.CodeInvalidArgument, "preset %s: a preset cannot be the original (-)", name)
		case o.Preset != "":
			return nil, easel.Errorf(easel.CodeInvalidArgument, "preset %s: t_%s: a preset cannot use another preset", name, o.Preset)
		}
		presets[name] = o
	}
	return presets, nil
}

// Expand replaces the preset named by o.Preset (t_) with its options. It
// starts from the preset and lets every field that o sets (that is not its
// zero value) override the preset's, field by field: t_thumb,w_100 keeps the
// preset's h_ and c_. Effects are merged effect by effect, overlay and text
// setting by setting; lg_ set in o moves both. Because zero means "not set",
// o cannot switch off what the preset switches on (up_1, fl_h, an effect) nor
// go back to page 0.
//
// The result has no Preset. Options without one are returned as they are.
// An unknown preset is invalid_argument "t_<name>: unknown preset".
func Expand(o Options, presets map[string]Options) (Options, error) {
	if o.Preset == "" {
		return o, nil
	}
	item := "t_" + o.Preset
	p, ok := presets[o.Preset]
	switch {
	case !ok:
		return Options{}, invalid(item, "unknown preset")
	case p.Preset != "" || p.Original:
		return Options{}, invalid(item, "preset is not expandable")
	}
	r := clone(p)
	o = clone(o)
	r.Preset = ""
	if o.Page != 0 || o.AllPages {
		r.Page, r.AllPages = o.Page, o.AllPages
	}
	if o.HasOffset {
		r.Offset, r.HasOffset = o.Offset, true
	}
	set(&r.CropBox, o.CropBox)
	set(&r.Rotate, o.Rotate)
	set(&r.FlipH, o.FlipH)
	set(&r.FlipV, o.FlipV)
	set(&r.Width, o.Width)
	set(&r.Height, o.Height)
	set(&r.DPR, o.DPR)
	set(&r.Crop, o.Crop)
	set(&r.Gravity, o.Gravity)
	set(&r.Upscale, o.Upscale)
	set(&r.Background, o.Background)
	mergeEffects(&r.Effects, o.Effects)
	mergeLayers(&r, o)
	set(&r.Quality, o.Quality)
	set(&r.Format, o.Format)
	return r, nil
}

// set overwrites *dst with v unless v is the zero value.
func set[T comparable](dst *T, v T) {
	var zero T
	if v != zero {
		*dst = v
	}
}

func mergeEffects(dst *Effects, e Effects) {
	if e.BW {
		dst.BW, dst.BWThreshold = true, e.BWThreshold
	}
	set(&dst.Grayscale, e.Grayscale)
	set(&dst.Blur, e.Blur)
	set(&dst.Sharpen, e.Sharpen)
	set(&dst.Brightness, e.Brightness)
	set(&dst.Contrast, e.Contrast)
	set(&dst.Saturation, e.Saturation)
	set(&dst.Hue, e.Hue)
	set(&dst.Tint, e.Tint)
	set(&dst.Sepia, e.Sepia)
	set(&dst.Invert, e.Invert)
	set(&dst.Pixelate, e.Pixelate)
	set(&dst.RedEye, e.RedEye)
	set(&dst.Whiten, e.Whiten)
	set(&dst.BlurFaces, e.BlurFaces)
	set(&dst.PixelateFaces, e.PixelateFaces)
}

// mergeLayers merges the overlay and the text of o into r, and applies the
// lg_ of o, or else of r, to both.
func mergeLayers(r *Options, o Options) {
	gravity := layerGravity(*r)
	set(&gravity, layerGravity(o))
	switch {
	case o.Overlay == nil:
	case r.Overlay == nil:
		r.Overlay = o.Overlay
	default:
		r.Overlay.AssetID = o.Overlay.AssetID
		set(&r.Overlay.Opacity, o.Overlay.Opacity)
		set(&r.Overlay.WidthPct, o.Overlay.WidthPct)
	}
	switch {
	case o.Text == nil:
	case r.Text == nil:
		r.Text = o.Text
	default:
		r.Text.Text = o.Text.Text
		set(&r.Text.Color, o.Text.Color)
		set(&r.Text.Size, o.Text.Size)
	}
	if r.Overlay != nil {
		r.Overlay.Gravity = gravity
	}
	if r.Text != nil {
		r.Text.Gravity = gravity
	}
}

// layerGravity returns the lg_ of o: the overlay's gravity, else the text's.
func layerGravity(o Options) Gravity {
	var g Gravity
	if o.Text != nil {
		g = o.Text.Gravity
	}
	if o.Overlay != nil && o.Overlay.Gravity.Type != "" {
		g = o.Overlay.Gravity
	}
	return g
}

// clone returns o with copies of everything its pointers point to.
func clone(o Options) Options {
	o.CropBox = clonePtr(o.CropBox)
	o.Background = clonePtr(o.Background)
	o.Effects.Tint = clonePtr(o.Effects.Tint)
	o.Overlay = clonePtr(o.Overlay)
	o.Text = clonePtr(o.Text)
	return o
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
