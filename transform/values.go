package transform

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/easelhq/easel"
)

// maxItemInMessage is how much of an offending item an error message quotes.
const maxItemInMessage = 64

// invalid returns an invalid_argument error whose message starts with the
// offending item, e.g. "w_99999: width must be 1..8192".
func invalid(item, format string, args ...any) error {
	return easel.Errorf(easel.CodeInvalidArgument, "%s: %s", quoteItem(item), fmt.Sprintf(format, args...))
}

// quoteItem makes an item safe and short enough to show in a message: it is
// cut to maxItemInMessage bytes and quoted when it holds anything that is
// not printable.
func quoteItem(item string) string {
	short, cut := shorten(item)
	if q := strconv.Quote(short); q[1:len(q)-1] != short {
		short = q
	}
	if cut {
		short += "..."
	}
	return short
}

// quoteShort quotes s, cut to maxItemInMessage bytes, for a message.
func quoteShort(s string) string {
	short, cut := shorten(s)
	if cut {
		return strconv.Quote(short) + "..."
	}
	return strconv.Quote(short)
}

// shorten cuts s to at most maxItemInMessage bytes, on a character boundary.
func shorten(s string) (string, bool) {
	if len(s) <= maxItemInMessage {
		return s, false
	}
	n := maxItemInMessage
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}

// parseInt parses an optionally negative run of decimal digits (no "+",
// no spaces, no other bases) and checks it lies in [lo, hi].
func parseInt(s string, lo, hi int) (int, bool) {
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || len(digits) > 9 || !allDigits(digits) {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, false
	}
	return n, true
}

// parseDecimal parses a non-negative decimal number written as digits with
// an optional fraction ("1", "1.5", "0.25"; not "1.", ".5", "1e3", "Inf") and
// checks it lies in [lo, hi].
func parseDecimal(s string, lo, hi float64) (float64, bool) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) || hasDot && (frac == "" || !allDigits(frac)) || len(s) > 32 {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < lo || v > hi {
		return 0, false
	}
	return v, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// formatDecimal writes v with as few digits as read back to exactly v:
// 1.5 → "1.5", 4 → "4".
func formatDecimal(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// parseColor parses 3 (rgb), 6 (rrggbb) or, when withAlpha, 8 (rrggbbaa)
// hex digits of either case. Colours without alpha are opaque.
func parseColor(s string, withAlpha bool) (Color, bool) {
	var v [8]uint8
	for i := 0; i < len(s) && i < len(v); i++ {
		d, ok := hexDigit(s[i])
		if !ok {
			return Color{}, false
		}
		v[i] = d
	}
	switch {
	case len(s) == 3:
		return Color{R: v[0] * 17, G: v[1] * 17, B: v[2] * 17, A: 255}, true
	case len(s) == 6:
		return Color{R: v[0]<<4 | v[1], G: v[2]<<4 | v[3], B: v[4]<<4 | v[5], A: 255}, true
	case len(s) == 8 && withAlpha:
		return Color{R: v[0]<<4 | v[1], G: v[2]<<4 | v[3], B: v[4]<<4 | v[5], A: v[6]<<4 | v[7]}, true
	}
	return Color{}, false
}

func hexDigit(c byte) (uint8, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// formatColor writes c as lower-case rrggbb when opaque, else rrggbbaa.
func formatColor(c Color) string {
	if c.A == 255 {
		return fmt.Sprintf("%02x%02x%02x", c.R, c.G, c.B)
	}
	return fmt.Sprintf("%02x%02x%02x%02x", c.R, c.G, c.B, c.A)
}

// compassGravities are the gravities that name a place, not a method.
var compassGravities = map[string]GravityType{
	"center":     GravityCenter,
	"centre":     GravityCenter, // alias, never written
	"north":      GravityNorth,
	"north_east": GravityNorthEast,
	"east":       GravityEast,
	"south_east": GravitySouthEast,
	"south":      GravitySouth,
	"south_west": GravitySouthWest,
	"west":       GravityWest,
	"north_west": GravityNorthWest,
}

// parseGravity parses a g_ value: a compass gravity, "smart", "face",
// "faces" or "fp_<x>:<y>". With compassOnly (lg_), only compass gravities are accepted.
func parseGravity(s string, compassOnly bool) (Gravity, bool) {
	if t, ok := compassGravities[s]; ok {
		return Gravity{Type: t}, true
	}
	if compassOnly {
		return Gravity{}, false
	}
	switch t := GravityType(s); t {
	case GravitySmart, GravityFace, GravityFaces:
		return Gravity{Type: t}, true
	}
	point, ok := strings.CutPrefix(s, string(GravityFocal)+"_")
	if !ok {
		return Gravity{}, false
	}
	xs, ys, ok := strings.Cut(point, ":")
	if !ok {
		return Gravity{}, false
	}
	x, okX := parseDecimal(xs, 0, 1)
	y, okY := parseDecimal(ys, 0, 1)
	if !okX || !okY {
		return Gravity{}, false
	}
	return Gravity{Type: GravityFocal, X: x, Y: y}, true
}

// formatGravity writes g as Parse reads it; "" for the zero Gravity.
func formatGravity(g Gravity) string {
	if g.Type == GravityFocal {
		return "fp_" + formatDecimal(g.X) + ":" + formatDecimal(g.Y)
	}
	return string(g.Type)
}

// isCompass reports whether t names a place (or is empty, meaning center).
func isCompass(t GravityType) bool {
	_, ok := compassGravities[string(t)]
	return ok || t == ""
}
