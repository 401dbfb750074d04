package imgproxy

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/easelhq/easel/transform"
)

// state is what the options said so far; later options override earlier
// ones, as in imgproxy.
type state struct {
	resizingType  string
	width, height int
	enlarge       bool
	extend        bool
	extendGravity transform.GravityType
	dpr           float64
	gravity       transform.Gravity
	rotate        int
	flipH, flipV  bool
	background    *transform.Color
	quality       int
	format        transform.Format
	blur          float64
	sharpen       float64
	pixelate      int
	preset        string
	filename      string
	attachment    bool
	expires       time.Time
}

// option applies one "name:arg:..." segment.
func (st *state) option(seg string, first bool) error {
	if u, err := url.PathUnescape(seg); err == nil {
		seg = u
	} else {
		return invalid(seg, "bad percent-encoding")
	}
	name, rawArgs, _ := strings.Cut(seg, ":")
	args := strings.Split(rawArgs, ":")
	set, ok := optionTable[name]
	if !ok {
		if why, known := refused[name]; known {
			return invalid(seg, "%s", why)
		}
		return invalid(seg, "unknown option")
	}
	if (name == "preset" || name == "pr") && !first {
		return invalid(seg, "a preset must be the first option (easel lets the items beside a preset override it)")
	}
	return set(st, seg, args)
}

type setter func(st *state, item string, args []string) error

// optionTable holds the processing options of
// https://docs.imgproxy.net/usage/processing that easel honours exactly.
var optionTable = map[string]setter{}

func init() {
	alias := func(f setter, names ...string) {
		for _, n := range names {
			optionTable[n] = f
		}
	}
	alias(setResize, "resize", "rs")
	alias(setSize, "size", "s")
	alias(func(st *state, item string, args []string) error {
		return st.setResizingType(item, arg(args, 0))
	}, "resizing_type", "rt")
	alias(func(st *state, item string, args []string) (err error) {
		st.width, err = dimension(item, arg(args, 0))
		return err
	}, "width", "w")
	alias(func(st *state, item string, args []string) (err error) {
		st.height, err = dimension(item, arg(args, 0))
		return err
	}, "height", "h")
	alias(func(st *state, item string, args []string) error {
		d, err := strconv.ParseFloat(arg(args, 0), 64)
		if err != nil || !(d >= 1 && d <= 4) {
			return invalid(item, "dpr must be 1..4 in easel")
		}
		st.dpr = d
		return nil
	}, "dpr")
	alias(func(st *state, item string, args []string) (err error) {
		st.enlarge, err = boolean(item, arg(args, 0))
		return err
	}, "enlarge", "el")
	alias(func(st *state, item string, args []string) error { return st.setExtend(item, args) }, "extend", "ex")
	alias(func(st *state, item string, args []string) (err error) {
		st.gravity, err = gravity(item, args, true)
		return err
	}, "gravity", "g")
	alias(func(st *state, item string, args []string) error {
		a, err := strconv.Atoi(arg(args, 0))
		if err != nil || a%90 != 0 {
			return invalid(item, "only multiples of 90 degrees are supported")
		}
		st.rotate = ((a % 360) + 360) % 360
		return nil
	}, "rotate", "rot")
	alias(func(st *state, item string, args []string) (err error) {
		if st.flipH, err = boolean(item, arg(args, 0)); err != nil {
			return err
		}
		st.flipV, err = boolean(item, arg(args, 1))
		return err
	}, "flip", "fl")
	alias(setBackground, "background", "bg")
	alias(func(st *state, item string, args []string) (err error) {
		st.quality, err = intArg(item, arg(args, 0), 0, 100)
		return err
	}, "quality", "q")
	alias(func(st *state, item string, args []string) error {
		return st.setFormat(item, arg(args, 0))
	}, "format", "f", "ext")
	alias(func(st *state, item string, args []string) (err error) {
		st.blur, err = decimal(item, arg(args, 0), 0.1, 100)
		return err
	}, "blur", "bl")
	alias(func(st *state, item string, args []string) (err error) {
		st.sharpen, err = decimal(item, arg(args, 0), 0.1, 10)
		return err
	}, "sharpen", "sh")
	alias(func(st *state, item string, args []string) error {
		n, err := intArg(item, arg(args, 0), 0, 256)
		if n == 1 {
			n = 0 // a 1-pixel block is the image itself
		}
		st.pixelate = n
		return err
	}, "pixelate", "pix")
	alias(func(st *state, item string, args []string) error {
		if op, err := strconv.ParseFloat(arg(args, 0), 64); err != nil || op != 0 {
			return invalid(item, "watermarks are not supported (only wm:0)")
		}
		return nil
	}, "watermark", "wm")
	alias(mustBeTrue("easel always strips metadata"), "strip_metadata", "sm")
	alias(mustBeTrue("easel always converts to sRGB and drops the profile"), "strip_color_profile", "scp")
	alias(mustBeTrue("easel always applies the EXIF orientation"), "auto_rotate", "ar")
	alias(func(st *state, item string, args []string) error {
		if len(args) != 1 || args[0] == "" {
			return invalid(item, "easel takes one preset")
		}
		st.preset = args[0]
		return nil
	}, "preset", "pr")
	alias(func(*state, string, []string) error { return nil }, "cachebuster", "cb")
	alias(func(st *state, item string, args []string) error {
		ts, err := strconv.ParseInt(arg(args, 0), 10, 64)
		if err != nil || ts <= 0 {
			return invalid(item, "expires must be a Unix time")
		}
		st.expires = time.Unix(ts, 0)
		return nil
	}, "expires", "exp")
	alias(setFilename, "filename", "fn")
	alias(func(st *state, item string, args []string) (err error) {
		st.attachment, err = boolean(item, arg(args, 0))
		return err
	}, "return_attachment", "att")
}

// refused are imgproxy options easel cannot honour, with the reason.
var refused = map[string]string{
	"crop": "crop by size and gravity is not supported", "c": "crop by size and gravity is not supported",
	"padding": "padding is not supported", "pd": "padding is not supported",
	"trim": "trim is not supported", "t": "trim is not supported",
	"max_bytes": "a byte budget is not supported", "mb": "a byte budget is not supported",
	"zoom": "zoom is not supported", "z": "zoom is not supported",
	"min-width": "not supported", "mw": "not supported", "min-height": "not supported", "mh": "not supported",
	"raw": "not supported", "skip_processing": "not supported", "skp": "not supported",
	"keep_copyright": "easel always strips metadata", "kcr": "easel always strips metadata",
	"enforce_thumbnail": "not supported", "eth": "not supported",
	"extend_aspect_ratio": "not supported", "extend_ar": "not supported", "exar": "not supported",
	"format_quality": "not supported", "fq": "not supported",
	"autoquality": "not supported", "aq": "not supported",
	"page": "not supported", "pages": "not supported",
}

func arg(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}

func setBackground(st *state, item string, args []string) error {
	switch len(args) {
	case 1:
		if args[0] == "" {
			st.background = nil
			return nil
		}
		v, err := strconv.ParseUint(args[0], 16, 32)
		if err != nil || len(args[0]) != 6 {
			return invalid(item, "background must be rrggbb hex or r:g:b")
		}
		st.background = &transform.Color{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 255}
	case 3:
		var c [3]uint8
		for i, a := range args {
			n, err := strconv.Atoi(a)
			if err != nil || n < 0 || n > 255 {
				return invalid(item, "background channels must be 0..255")
			}
			c[i] = uint8(n)
		}
		st.background = &transform.Color{R: c[0], G: c[1], B: c[2], A: 255}
	default:
		return invalid(item, "background must be rrggbb hex or r:g:b")
	}
	return nil
}

func (st *state) setFormat(item, f string) error {
	switch f {
	case "jpg", "jpeg":
		st.format = transform.FormatJPEG
	case "png", "webp", "avif", "gif", "jxl":
		st.format = transform.Format(f)
	default:
		return invalid(item, "format must be jpg, png, webp, avif, gif or jxl")
	}
	return nil
}

func setFilename(st *state, item string, args []string) error {
	name := arg(args, 0)
	if enc, _ := boolean(item, arg(args, 1)); enc {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(name, "="))
		if err != nil {
			return invalid(item, "filename is not base64url")
		}
		name = string(b)
	}
	if name == "" || len(name) > 255 || strings.ContainsAny(name, "/\\\"\x00\r\n") {
		return invalid(item, "filename must be 1..255 bytes without / \\ \" or control characters")
	}
	st.filename = name
	return nil
}

func mustBeTrue(why string) setter {
	return func(_ *state, item string, args []string) error {
		on, err := boolean(item, arg(args, 0))
		if err != nil {
			return err
		}
		if !on {
			return invalid(item, "%s", why)
		}
		return nil
	}
}

// boolean reads imgproxy's booleans: 1, t, true and 0, f, false ("" is false).
func boolean(item, s string) (bool, error) {
	switch s {
	case "1", "t", "true":
		return true, nil
	case "", "0", "f", "false":
		return false, nil
	}
	return false, invalid(item, "%q is not a boolean", s)
}

func dimension(item, s string) (int, error) {
	return intArg(item, s, 0, transform.MaxDimension)
}

func intArg(item, s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, invalid(item, "must be a whole number %d..%d", lo, hi)
	}
	return n, nil
}

// decimal reads a number in [lo, hi], or 0 (off).
func decimal(item, s string, lo, hi float64) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != 0 && !(v >= lo && v <= hi) {
		return 0, invalid(item, "must be a number %g..%g in easel (0 is off)", lo, hi)
	}
	return v, nil
}
