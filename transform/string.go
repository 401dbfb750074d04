package transform

import (
	"net/url"
	"strconv"
	"strings"
)

// zeroOptions is the canonical form of the zero Options: the first page,
// re-encoded. It is never empty, so it always makes a usable path segment.
const zeroOptions = "pg_0"

// String returns the canonical operations segment of o: "-" for Original,
// otherwise the set items in a fixed order (t, pg, so, cr, a, fl_h, fl_v, w, h,
// dpr, c, g, up, bg, e_..., l, lg, lo, lw, txt, tc, ts, q, f), with numbers
// in their shortest form and text percent-encoded. The zero Options, which
// has no item, is written "pg_0". For any o returned by Parse,
// Parse(o.String()) returns o again.
//
// The canonical form is ready to be used as a path segment and as a cache
// key: Options that are equal have the same String.
func (o Options) String() string {
	if o.Original {
		return "-"
	}
	var items []string
	add := func(key, value string) { items = append(items, key+"_"+value) }
	if o.Preset != "" {
		add("t", o.Preset)
	}
	switch {
	case o.AllPages:
		add("pg", "all")
	case o.Page != 0:
		add("pg", strconv.Itoa(o.Page))
	}
	if o.HasOffset {
		add("so", formatDecimal(o.Offset))
	}
	if r := o.CropBox; r != nil {
		add("cr", strconv.Itoa(r.X)+":"+strconv.Itoa(r.Y)+":"+strconv.Itoa(r.W)+":"+strconv.Itoa(r.H))
	}
	if o.Rotate != 0 {
		add("a", strconv.Itoa(o.Rotate))
	}
	if o.FlipH {
		add("fl", "h")
	}
	if o.FlipV {
		add("fl", "v")
	}
	if o.Width != 0 {
		add("w", strconv.Itoa(o.Width))
	}
	if o.Height != 0 {
		add("h", strconv.Itoa(o.Height))
	}
	if o.DPR != 0 {
		add("dpr", formatDecimal(o.DPR))
	}
	if o.Crop != "" {
		add("c", string(o.Crop))
	}
	if o.Gravity.Type != "" {
		add("g", formatGravity(o.Gravity))
	}
	if o.Upscale {
		add("up", "1")
	}
	if o.Background != nil {
		add("bg", formatColor(*o.Background))
	}
	items = formatEffects(items, o.Effects)
	items = formatLayers(items, o.Overlay, o.Text)
	if o.Quality != 0 {
		add("q", strconv.Itoa(o.Quality))
	}
	if o.Format != FormatNone {
		add("f", string(o.Format))
	}
	if len(items) == 0 {
		return zeroOptions
	}
	return strings.Join(items, ",")
}

// formatLayers appends the items of the overlay and the text: l, lg, lo, lw,
// txt, tc, ts. lg_ is shared: the overlay's gravity is written when there is
// an overlay, else the text's.
func formatLayers(items []string, ov *Overlay, txt *Text) []string {
	var gravity Gravity
	if txt != nil {
		gravity = txt.Gravity
	}
	if ov != nil {
		gravity = ov.Gravity
		items = append(items, "l_"+ov.AssetID)
	}
	if gravity.Type != "" {
		items = append(items, "lg_"+formatGravity(gravity))
	}
	if ov != nil {
		if ov.Opacity != 0 {
			items = append(items, "lo_"+strconv.Itoa(ov.Opacity))
		}
		if ov.WidthPct != 0 {
			items = append(items, "lw_"+strconv.Itoa(ov.WidthPct))
		}
	}
	if txt != nil {
		items = append(items, "txt_"+escapeText(txt.Text))
		if txt.Color != (Color{}) {
			items = append(items, "tc_"+formatColor(txt.Color))
		}
		if txt.Size != 0 {
			items = append(items, "ts_"+strconv.Itoa(txt.Size))
		}
	}
	return items
}

// escapeText percent-encodes a txt_ text so that it stays one path segment
// and one item: url.PathEscape leaves only ASCII letters, digits and
// "-._~:@&=+$" as they are, and escapes everything else ("," and "/"
// included) as %XX with upper-case hex digits.
func escapeText(s string) string {
	return url.PathEscape(s)
}
