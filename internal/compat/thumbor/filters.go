package thumbor

import (
	"strconv"
	"strings"

	"github.com/easelhq/easel/transform"
)

// filters are the filters of a thumbor URL that easel can honour exactly.
type filters struct {
	format     transform.Format
	quality    int
	grayscale  bool
	blur       float64 // gaussian sigma
	brightness int
	contrast   int
	fill       *transform.Color
	sharpen    float64 // sigma
	noUpscale  bool
	rotate     int // counter-clockwise, 0, 90, 180 or 270
	redEye     bool
}

// filter reads one filter's arguments into f.
type filter func(f *filters, item string, args []string) error

// filterTable maps the filters easel reads to their readers; filters it
// refuses map to the reason. See
// https://thumbor.readthedocs.io/en/latest/filters.html.
var filterTable = map[string]filter{
	"format": func(f *filters, item string, args []string) error {
		if len(args) != 1 {
			return invalid(item, "takes one format")
		}
		switch args[0] {
		case "jpeg", "jpg":
			f.format = transform.FormatJPEG
		case "png", "webp", "gif", "avif":
			f.format = transform.Format(args[0])
		default:
			return invalid(item, "format must be jpeg, png, webp, gif or avif")
		}
		return nil
	},
	"quality": func(f *filters, item string, args []string) (err error) {
		f.quality, err = intArgs(item, args, 1, 100)
		return err
	},
	"grayscale": func(f *filters, item string, args []string) error {
		f.grayscale = true
		return noArgs(item, args)
	},
	"blur": func(f *filters, item string, args []string) error {
		if len(args) < 1 || len(args) > 2 {
			return invalid(item, "takes a radius and an optional sigma")
		}
		radius, err := intArgs(item, args[:1], 0, 150)
		if err != nil || radius == 0 {
			return err
		}
		sigma := float64(radius)
		if len(args) == 2 {
			if sigma, err = strconv.ParseFloat(args[1], 64); err != nil {
				return invalid(item, "sigma must be a number")
			}
		}
		if !(sigma >= 0.1 && sigma <= 100) {
			return invalid(item, "sigma must be 0.1..100 in easel")
		}
		f.blur = sigma
		return nil
	},
	"brightness": func(f *filters, item string, args []string) (err error) {
		f.brightness, err = intArgs(item, args, -100, 100)
		return err
	},
	"contrast": func(f *filters, item string, args []string) (err error) {
		f.contrast, err = intArgs(item, args, -100, 100)
		return err
	},
	"fill": func(f *filters, item string, args []string) error {
		if len(args) < 1 || len(args) > 2 {
			return invalid(item, "takes a colour and an optional fill_transparent")
		}
		if len(args) == 2 && args[1] != "false" && args[1] != "0" {
			return invalid(item, "fill_transparent is not supported")
		}
		c, ok := color(args[0])
		if !ok {
			return invalid(item, "colour must be hex rgb or rrggbb, transparent, or a basic colour name (auto and blur are not supported)")
		}
		f.fill = &c
		return nil
	},
	"sharpen": func(f *filters, item string, args []string) error {
		if len(args) != 3 {
			return invalid(item, "takes amount, radius and luminance_only")
		}
		radius, err := strconv.ParseFloat(args[1], 64)
		if err != nil || !(radius >= 0.1 && radius <= 10) {
			return invalid(item, "radius must be 0.1..10 in easel")
		}
		f.sharpen = radius
		return nil
	},
	"strip_exif": func(_ *filters, item string, args []string) error { return noArgs(item, args) }, // easel always strips
	"strip_icc":  func(_ *filters, item string, args []string) error { return noArgs(item, args) }, // easel always converts to sRGB
	"no_upscale": func(f *filters, item string, args []string) error {
		f.noUpscale = true
		return noArgs(item, args)
	},
	"rotate": func(f *filters, item string, args []string) error {
		a, err := intArgs(item, args, -1<<30, 1<<30)
		if err != nil {
			return err
		}
		a = ((a % 360) + 360) % 360
		if a%90 != 0 {
			return invalid(item, "only multiples of 90 degrees are supported")
		}
		f.rotate = a
		return nil
	},
	"red_eye": func(f *filters, item string, args []string) error {
		f.redEye = true
		return noArgs(item, args)
	},
}

// refused are thumbor filters easel cannot honour, with the reason.
var refused = map[string]string{
	"rgb":              "per-channel adjustment is not supported",
	"max_bytes":        "a byte budget is not supported",
	"focal":            "focal regions in pixels are not supported (use smart)",
	"round_corner":     "rounded corners are not supported",
	"watermark":        "watermarks from URLs are not supported",
	"equalize":         "not supported",
	"noise":            "not supported",
	"convolution":      "not supported",
	"curve":            "not supported",
	"saturation":       "not supported",
	"background_color": "not supported",
	"frame":            "not supported",
	"extract_focal":    "not supported",
	"cover":            "not supported",
	"upscale":          "not supported",
	"proportion":       "not supported",
	"stretch":          "not supported",
	"autojpg":          "not supported",
}

// parseFilters reads "a(x):b(y,z)", the part after "filters:".
func parseFilters(s string) (filters, error) {
	var f filters
	seen := map[string]bool{}
	for _, item := range splitTop(s) {
		open := strings.IndexByte(item, '(')
		if open <= 0 || !strings.HasSuffix(item, ")") {
			return f, invalid(item, "a filter is name(arguments)")
		}
		name, inner := item[:open], item[open+1:len(item)-1]
		read, ok := filterTable[name]
		if !ok {
			if why, known := refused[name]; known {
				return f, invalid(item, "%s", why)
			}
			return f, invalid(item, "unknown filter")
		}
		if seen[name] {
			return f, invalid(item, "the same filter twice is not supported")
		}
		seen[name] = true
		var args []string
		if inner != "" {
			args = strings.Split(inner, ",")
			for i := range args {
				args[i] = strings.TrimSpace(args[i])
			}
		}
		if err := read(&f, item, args); err != nil {
			return f, err
		}
	}
	return f, nil
}

// splitTop splits s at the ":" outside parentheses.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ':':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

func noArgs(item string, args []string) error {
	if len(args) != 0 {
		return invalid(item, "takes no arguments")
	}
	return nil
}

func intArgs(item string, args []string, lo, hi int) (int, error) {
	if len(args) != 1 {
		return 0, invalid(item, "takes one number %d..%d", lo, hi)
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < lo || n > hi {
		return 0, invalid(item, "must be a whole number %d..%d", lo, hi)
	}
	return n, nil
}

// namedColors are the colour names fill() takes besides hex.
var namedColors = map[string]transform.Color{
	"white":       {R: 255, G: 255, B: 255, A: 255},
	"black":       {A: 255},
	"red":         {R: 255, A: 255},
	"green":       {G: 128, A: 255},
	"blue":        {B: 255, A: 255},
	"gray":        {R: 128, G: 128, B: 128, A: 255},
	"grey":        {R: 128, G: 128, B: 128, A: 255},
	"yellow":      {R: 255, G: 255, A: 255},
	"transparent": {},
}

// color reads a fill colour: a name of namedColors or hex rgb / rrggbb.
func color(s string) (transform.Color, bool) {
	if c, ok := namedColors[strings.ToLower(s)]; ok {
		return c, true
	}
	s = strings.TrimPrefix(s, "#")
	if len(s) == 3 {
		s = string([]byte{s[0], s[0], s[1], s[1], s[2], s[2]})
	}
	if len(s) != 6 {
		return transform.Color{}, false
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return transform.Color{}, false
	}
	return transform.Color{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 255}, true
}
