package imgproxy

import (
	"strconv"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// setResize reads rs:%type:%width:%height:%enlarge:%extend[:%gravity...].
func setResize(st *state, item string, args []string) error {
	if err := st.setResizingType(item, arg(args, 0)); err != nil {
		return err
	}
	if len(args) > 1 {
		return setSize(st, item, args[1:])
	}
	return nil
}

// setSize reads s:%width:%height:%enlarge:%extend[:%gravity...]; empty
// arguments keep their value.
func setSize(st *state, item string, args []string) error {
	var err error
	if a := arg(args, 0); a != "" {
		if st.width, err = dimension(item, a); err != nil {
			return err
		}
	}
	if a := arg(args, 1); a != "" {
		if st.height, err = dimension(item, a); err != nil {
			return err
		}
	}
	if a := arg(args, 2); a != "" {
		if st.enlarge, err = boolean(item, a); err != nil {
			return err
		}
	}
	if len(args) > 3 && args[3] != "" {
		return st.setExtend(item, args[3:])
	}
	return nil
}

func (st *state) setResizingType(item, t string) error {
	switch t {
	case "":
	case "fit", "fill", "force":
		st.resizingType = t
	default:
		return invalid(item, "resizing type must be fit, fill or force (fill-down and auto are not supported)")
	}
	return nil
}

// setExtend reads ex:%extend[:%gravity[:%x:%y]].
func (st *state) setExtend(item string, args []string) error {
	on, err := boolean(item, arg(args, 0))
	if err != nil {
		return err
	}
	st.extend, st.extendGravity = on, ""
	if len(args) > 1 && args[1] != "" {
		g, err := gravity(item, args[1:], false)
		if err != nil {
			return err
		}
		st.extendGravity = g.Type
	}
	return nil
}

var gravities = map[string]transform.GravityType{
	"ce": transform.GravityCenter, "no": transform.GravityNorth, "so": transform.GravitySouth,
	"ea": transform.GravityEast, "we": transform.GravityWest, "noea": transform.GravityNorthEast,
	"nowe": transform.GravityNorthWest, "soea": transform.GravitySouthEast, "sowe": transform.GravitySouthWest,
}

// gravity reads %type[:%x_offset:%y_offset], sm and fp:%x:%y (when
// smart is allowed).
func gravity(item string, args []string, smart bool) (transform.Gravity, error) {
	t := arg(args, 0)
	switch {
	case t == "sm" && smart && len(args) == 1:
		return transform.Gravity{Type: transform.GravitySmart}, nil
	case t == "fp" && smart:
		x, err1 := decimal(item, arg(args, 1), 0, 1)
		y, err2 := decimal(item, arg(args, 2), 0, 1)
		if err1 != nil || err2 != nil || len(args) != 3 {
			return transform.Gravity{}, invalid(item, "focus point must be fp:x:y with x, y 0..1")
		}
		return transform.Gravity{Type: transform.GravityFocal, X: x, Y: y}, nil
	}
	g, ok := gravities[t]
	if !ok {
		return transform.Gravity{}, invalid(item, "gravity must be ce, no, so, ea, we, noea, nowe, soea, sowe, sm or fp (obj is not supported)")
	}
	for _, off := range args[1:] {
		if v, err := strconv.ParseFloat(off, 64); off != "" && (err != nil || v != 0) {
			return transform.Gravity{}, invalid(item, "gravity offsets are not supported")
		}
	}
	return transform.Gravity{Type: g}, nil
}

// options turns the state into easel's Options.
func (st state) options() (transform.Options, error) {
	o := transform.Options{
		Preset:     st.preset,
		Rotate:     st.rotate,
		FlipH:      st.flipH,
		FlipV:      st.flipV,
		Width:      st.width,
		Height:     st.height,
		Upscale:    st.enlarge,
		Background: st.background,
		Quality:    st.quality,
		Format:     st.format,
		Effects:    transform.Effects{Blur: st.blur, Sharpen: st.sharpen, Pixelate: st.pixelate},
	}
	if st.dpr != 1 {
		o.DPR = st.dpr
	}
	both, either := st.width > 0 && st.height > 0, st.width > 0 || st.height > 0
	rt := st.resizingType
	if rt == "" {
		rt = "fit"
	}
	extend := st.extend && either
	switch {
	case extend && !both:
		return o, invalid("extend", "extending with a 0 width or height is not supported")
	case rt == "fit" && extend:
		o.Crop = transform.CropPad
		if g := st.extendGravity; g != transform.GravityCenter {
			o.Gravity = transform.Gravity{Type: g}
		}
	case rt == "fit" && either:
		o.Crop = transform.CropFit
	case rt == "fill" && extend && !st.enlarge:
		return o, invalid("extend", "extending a fill without enlarge is not supported")
	case rt == "fill" && both:
		o.Crop, o.Gravity = transform.CropFill, st.gravity
	case rt == "fill" && either:
		o.Crop = transform.CropFit
	case rt == "force" && extend && !st.enlarge:
		return o, invalid("extend", "extending a forced size without enlarge is not supported")
	case rt == "force" && both:
		o.Crop = transform.CropScale
	case rt == "force" && either:
		return o, invalid("rt:force", "force with a 0 width or height (keep that side) is not supported")
	}
	if o.Gravity.Type == transform.GravityCenter {
		o.Gravity = transform.Gravity{}
	}
	if _, err := transform.Parse(o.String()); err != nil {
		return o, easel.WrapError(easel.CodeInvalidArgument, err, "imgproxy: %s", easel.ErrorMessage(err))
	}
	return o, nil
}
