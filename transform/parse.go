package transform

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/easelhq/easel"
)

// MaxDimension is the largest w_ and h_, before dpr_.
const MaxDimension = 8192

// Limits of the grammar; see doc.go.
const (
	maxPage      = 9999
	maxCropCoord = 65535
	maxTextRunes = 200
)

// MaxOffset is the largest so_ (seconds), a day.
const MaxOffset = 86400

// presetName is the shape of a t_ preset name.
var presetName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

var cropModes = map[string]CropMode{
	"fit": CropFit, "fill": CropFill, "crop": CropCrop,
	"pad": CropPad, "scale": CropScale, "limit": CropLimit,
}

// Parse reads one operations path segment, still percent-encoded as it
// appears in the URL, into Options. See the package documentation for the
// grammar. Errors are *easel.Error with easel.CodeInvalidArgument and a
// message that names the offending item.
//
// Parse fills in no defaults except the arguments of effects (e_bw is
// e_bw:128, e_sharpen is e_sharpen:1, e_whiten is e_whiten:50, ...), so that
// Parse(o.String()) equals o.
func Parse(segment string) (Options, error) {
	switch segment {
	case "":
		return Options{}, easel.Errorf(easel.CodeInvalidArgument, `operations are empty (use "-" for the original)`)
	case "-":
		return Options{Original: true}, nil
	}
	p := parser{seen: make(map[string]bool)}
	for item := range strings.SplitSeq(segment, ",") {
		if err := p.item(item); err != nil {
			return Options{}, err
		}
	}
	if err := p.finish(); err != nil {
		return Options{}, err
	}
	return p.o, nil
}

// parser holds the state of one Parse call. Overlay and text settings are
// kept aside until every item has been read, as items come in any order.
type parser struct {
	o    Options
	seen map[string]bool

	layerGravity                   Gravity
	opacity, widthPct, textSize    int
	textColor                      Color
	lgItem, loItem, lwItem, tcItem string
	tsItem                         string
}

// item reads one key_value item.
func (p *parser) item(item string) error {
	if item == "" {
		return easel.Errorf(easel.CodeInvalidArgument, "operations contain an empty item (two commas in a row?)")
	}
	if item == "-" {
		return invalid(item, "the original cannot be combined with other operations")
	}
	key, value, ok := strings.Cut(item, "_")
	if !ok {
		return invalid(item, "expected key_value")
	}
	id := key + "_"
	switch key {
	case "fl":
		id += value
	case "e":
		name, _, _ := strings.Cut(value, ":")
		id += name
	}
	if p.seen[id] {
		return invalid(item, "%s given more than once", id)
	}
	p.seen[id] = true
	o := &p.o
	var err error
	switch key {
	case "w":
		o.Width, err = p.int(item, value, "width", 1, MaxDimension)
	case "h":
		o.Height, err = p.int(item, value, "height", 1, MaxDimension)
	case "dpr":
		if o.DPR, ok = parseDecimal(value, 1, 4); !ok {
			err = invalid(item, "dpr must be a number 1..4")
		}
	case "c":
		if o.Crop, ok = cropModes[value]; !ok {
			err = invalid(item, "crop mode must be fit, fill, crop, pad, scale or limit")
		}
	case "g":
		if o.Gravity, ok = parseGravity(value, false); !ok {
			err = invalid(item, "gravity must be a compass point (north, north_east, ...), center, smart, face, faces or fp_<x>:<y> with x, y in 0..1")
		}
	case "up":
		switch value {
		case "0":
		case "1":
			o.Upscale = true
		default:
			err = invalid(item, "up must be 0 or 1")
		}
	case "bg":
		c, ok := parseColor(value, true)
		if !ok {
			return invalid(item, "background must be hex rgb, rrggbb or rrggbbaa")
		}
		o.Background = &c
	case "cr":
		o.CropBox, err = parseCropBox(item, value)
	case "a":
		switch value {
		case "90", "180", "270":
			o.Rotate, _ = parseInt(value, 90, 270)
		default:
			err = invalid(item, "rotation must be 90, 180 or 270")
		}
	case "fl":
		switch value {
		case "h":
			o.FlipH = true
		case "v":
			o.FlipV = true
		default:
			err = invalid(item, "flip must be fl_h or fl_v")
		}
	case "f":
		if value == string(FormatAuto) {
			o.Format = FormatAuto
		} else if o.Format, ok = outputFormats[value]; !ok {
			err = invalid(item, "format must be jpeg, png, webp, avif, gif, jxl or auto")
		}
	case "q":
		o.Quality, err = p.int(item, value, "quality", 1, 100)
	case "e":
		_, err = parseEffect(item, value, &o.Effects)
	case "pg":
		if value == "all" {
			o.AllPages = true
		} else {
			o.Page, err = p.int(item, value, "page", 0, maxPage)
		}
	case "so":
		if o.Offset, ok = parseDecimal(value, 0, MaxOffset); !ok || len(value) > 12 {
			err = invalid(item, "video offset must be seconds 0..%d, such as so_2.5", MaxOffset)
		}
		o.HasOffset = err == nil
	case "t":
		if !presetName.MatchString(value) {
			err = invalid(item, "preset name must be [a-z0-9][a-z0-9_-]{0,63}")
		}
		o.Preset = value
	case "l":
		if !easel.ValidID(value) {
			err = invalid(item, "overlay must be an asset ID")
		}
		o.Overlay = &Overlay{AssetID: value}
	case "lg":
		p.lgItem = item
		if p.layerGravity, ok = parseGravity(value, true); !ok {
			err = invalid(item, "layer gravity must be a compass point (north, north_east, ...) or center")
		}
	case "lo":
		p.loItem = item
		p.opacity, err = p.int(item, value, "layer opacity", 1, 100)
	case "lw":
		p.lwItem = item
		p.widthPct, err = p.int(item, value, "layer width", 1, 100)
	case "txt":
		var text string
		if text, err = parseText(item, value); err == nil {
			o.Text = &Text{Text: text}
		}
	case "tc":
		p.tcItem = item
		if p.textColor, ok = parseColor(value, true); !ok || p.textColor.A == 0 {
			err = invalid(item, "text colour must be hex rgb, rrggbb or rrggbbaa, not fully transparent")
		}
	case "ts":
		p.tsItem = item
		p.textSize, err = p.int(item, value, "text size", 4, 512)
	default:
		err = invalid(item, "unknown operation %s", quoteShort(key))
	}
	return err
}

// int parses an integer item value in [lo, hi].
func (p *parser) int(item, value, what string, lo, hi int) (int, error) {
	n, ok := parseInt(value, lo, hi)
	if !ok {
		return 0, invalid(item, "%s must be %d..%d", what, lo, hi)
	}
	return n, nil
}

// finish checks the items that depend on others and attaches the layer
// settings to the overlay and the text.
func (p *parser) finish() error {
	o := &p.o
	switch {
	case p.lgItem != "" && o.Overlay == nil && o.Text == nil:
		return invalid(p.lgItem, "lg_ needs an overlay (l_) or a text (txt_)")
	case p.loItem != "" && o.Overlay == nil:
		return invalid(p.loItem, "lo_ needs an overlay (l_)")
	case p.lwItem != "" && o.Overlay == nil:
		return invalid(p.lwItem, "lw_ needs an overlay (l_)")
	case p.tcItem != "" && o.Text == nil:
		return invalid(p.tcItem, "tc_ needs a text (txt_)")
	case p.tsItem != "" && o.Text == nil:
		return invalid(p.tsItem, "ts_ needs a text (txt_)")
	}
	if o.Overlay != nil {
		o.Overlay.Gravity = p.layerGravity
		o.Overlay.Opacity = p.opacity
		o.Overlay.WidthPct = p.widthPct
	}
	if o.Text != nil {
		o.Text.Gravity = p.layerGravity
		o.Text.Color = p.textColor
		o.Text.Size = p.textSize
	}
	return nil
}

// parseCropBox reads the value of a cr_ item, "x:y:w:h".
func parseCropBox(item, value string) (*Rect, error) {
	parts := strings.Split(value, ":")
	if len(parts) != 4 {
		return nil, invalid(item, "crop box must be x:y:w:h")
	}
	var v [4]int
	for i, s := range parts {
		lo := 0
		if i >= 2 {
			lo = 1
		}
		n, ok := parseInt(s, lo, maxCropCoord)
		if !ok {
			return nil, invalid(item, "crop box must be x:y:w:h with x, y 0..%d and w, h 1..%d", maxCropCoord, maxCropCoord)
		}
		v[i] = n
	}
	return &Rect{X: v[0], Y: v[1], W: v[2], H: v[3]}, nil
}

// parseText percent-decodes the value of a txt_ item and checks it.
func parseText(item, value string) (string, error) {
	text, err := url.PathUnescape(value)
	switch {
	case err != nil:
		return "", invalid(item, "text is not correctly percent-encoded")
	case !utf8.ValidString(text):
		return "", invalid(item, "text is not valid UTF-8")
	case text == "" || utf8.RuneCountInString(text) > maxTextRunes:
		return "", invalid(item, "text must be 1..%d characters", maxTextRunes)
	case strings.ContainsFunc(text, unicode.IsControl):
		return "", invalid(item, "text may not contain control characters")
	}
	return text, nil
}
