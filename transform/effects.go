package transform

import (
	"strconv"
	"strings"
)

// An effect is one kind of e_ item: how its argument is read into Effects
// and written back from it.
type effect struct {
	name string
	// arg describes the argument for messages; "" when the effect takes none.
	arg string
	// required is set when the argument may not be left out.
	required bool
	// set stores the effect; arg is "" when it was left out. It reports
	// whether the argument was valid.
	set func(e *Effects, arg string) bool
	// get returns whether the effect is on and, if so, its argument as
	// written in the canonical form ("" to leave it out).
	get func(e Effects) (on bool, arg string)
}

// effects lists the effects in the order of the Effects fields, which is
// also the order of the canonical form and of execution.
var effects = []effect{
	{
		name: "grayscale",
		set:  func(e *Effects, _ string) bool { e.Grayscale = true; return true },
		get:  func(e Effects) (bool, string) { return e.Grayscale, "" },
	},
	{
		name: "bw", arg: "a threshold 0..255",
		set: func(e *Effects, arg string) bool {
			t, ok := 128, true
			if arg != "" {
				t, ok = parseInt(arg, 0, 255)
			}
			e.BW, e.BWThreshold = true, t
			return ok
		},
		get: func(e Effects) (bool, string) {
			if e.BWThreshold == 128 {
				return e.BW, ""
			}
			return e.BW, strconv.Itoa(e.BWThreshold)
		},
	},
	{
		name: "blur", arg: "a sigma 0.1..100", required: true,
		set: func(e *Effects, arg string) (ok bool) {
			e.Blur, ok = parseDecimal(arg, 0.1, 100)
			return ok
		},
		get: func(e Effects) (bool, string) { return e.Blur != 0, formatDecimal(e.Blur) },
	},
	{
		name: "sharpen", arg: "a sigma 0.1..10",
		set: func(e *Effects, arg string) bool {
			s, ok := 1.0, true
			if arg != "" {
				s, ok = parseDecimal(arg, 0.1, 10)
			}
			e.Sharpen = s
			return ok
		},
		get: func(e Effects) (bool, string) {
			if e.Sharpen == 1 {
				return true, ""
			}
			return e.Sharpen != 0, formatDecimal(e.Sharpen)
		},
	},
	intEffect("brightness", -100, 100, func(e *Effects) *int { return &e.Brightness }),
	intEffect("contrast", -100, 100, func(e *Effects) *int { return &e.Contrast }),
	intEffect("saturation", -100, 100, func(e *Effects) *int { return &e.Saturation }),
	intEffect("hue", -360, 360, func(e *Effects) *int { return &e.Hue }),
	{
		name: "tint", arg: "a colour rgb or rrggbb", required: true,
		set: func(e *Effects, arg string) bool {
			c, ok := parseColor(arg, false)
			e.Tint = &c
			return ok
		},
		get: func(e Effects) (bool, string) {
			if e.Tint == nil {
				return false, ""
			}
			c := *e.Tint
			c.A = 255
			return true, formatColor(c)
		},
	},
	{
		name: "sepia",
		set:  func(e *Effects, _ string) bool { e.Sepia = true; return true },
		get:  func(e Effects) (bool, string) { return e.Sepia, "" },
	},
	{
		name: "invert",
		set:  func(e *Effects, _ string) bool { e.Invert = true; return true },
		get:  func(e Effects) (bool, string) { return e.Invert, "" },
	},
	intEffect("pixelate", 2, 256, func(e *Effects) *int { return &e.Pixelate }),

	// Face effects, after the others.
	{
		name: "redeye",
		set:  func(e *Effects, _ string) bool { e.RedEye = true; return true },
		get:  func(e Effects) (bool, string) { return e.RedEye, "" },
	},
	optionalIntEffect("whiten", "a strength", 1, 100, 50, func(e *Effects) *int { return &e.Whiten }),
	{
		name: "blur_faces", arg: "a sigma 0.1..100",
		set: func(e *Effects, arg string) bool {
			s, ok := float64(defaultBlurFaces), true
			if arg != "" {
				s, ok = parseDecimal(arg, 0.1, 100)
			}
			e.BlurFaces = s
			return ok
		},
		get: func(e Effects) (bool, string) {
			if e.BlurFaces == defaultBlurFaces {
				return true, ""
			}
			return e.BlurFaces != 0, formatDecimal(e.BlurFaces)
		},
	},
	optionalIntEffect("pixelate_faces", "a block size", 2, 256, 12, func(e *Effects) *int { return &e.PixelateFaces }),
}

// defaultBlurFaces is the sigma of e_blur_faces without an argument.
const defaultBlurFaces = 15.0

// optionalIntEffect is an effect with an optional integer argument in
// [lo, hi] that defaults to def, left out of the canonical form when it is
// def; off when 0.
func optionalIntEffect(name, what string, lo, hi, def int, field func(*Effects) *int) effect {
	return effect{
		name: name,
		arg:  what + " " + strconv.Itoa(lo) + ".." + strconv.Itoa(hi),
		set: func(e *Effects, arg string) bool {
			n, ok := def, true
			if arg != "" {
				n, ok = parseInt(arg, lo, hi)
			}
			*field(e) = n
			return ok
		},
		get: func(e Effects) (bool, string) {
			switch v := *field(&e); v {
			case def:
				return true, ""
			default:
				return v != 0, strconv.Itoa(v)
			}
		},
	}
}

// intEffect is an effect with a required integer argument in [lo, hi],
// off when 0.
func intEffect(name string, lo, hi int, field func(*Effects) *int) effect {
	return effect{
		name:     name,
		arg:      "a whole number " + strconv.Itoa(lo) + ".." + strconv.Itoa(hi),
		required: true,
		set: func(e *Effects, arg string) (ok bool) {
			*field(e), ok = parseInt(arg, lo, hi)
			return ok
		},
		get: func(e Effects) (bool, string) {
			v := *field(&e)
			return v != 0, strconv.Itoa(v)
		},
	}
}

// findEffect returns the effect with the given name.
func findEffect(name string) (effect, bool) {
	for _, ef := range effects {
		if ef.name == name {
			return ef, true
		}
	}
	return effect{}, false
}

// parseEffect reads the value of an e_ item ("blur:4") into e.
func parseEffect(item, value string, e *Effects) (name string, err error) {
	name, arg, hasArg := strings.Cut(value, ":")
	ef, ok := findEffect(name)
	switch {
	case !ok:
		return name, invalid(item, "unknown effect %s", quoteShort(name))
	case hasArg && ef.arg == "":
		return name, invalid(item, "%s takes no argument", name)
	case hasArg && arg == "" || !hasArg && ef.required:
		return name, invalid(item, "%s needs %s", name, ef.arg)
	case !ef.set(e, arg):
		return name, invalid(item, "%s needs %s", name, ef.arg)
	}
	return name, nil
}

// formatEffects appends the e_ items of e to items, in canonical order.
func formatEffects(items []string, e Effects) []string {
	for _, ef := range effects {
		on, arg := ef.get(e)
		switch {
		case !on:
		case arg == "":
			items = append(items, "e_"+ef.name)
		default:
			items = append(items, "e_"+ef.name+":"+arg)
		}
	}
	return items
}
