package vision

import "math"

// resize returns img scaled to w×h: an area average when shrinking (no
// aliasing on a 4000 px photo), bilinear when enlarging.
func resize(img RGB, w, h int) RGB {
	if w == img.W && h == img.H {
		return img
	}
	xs := spans(img.W, w)
	ys := spans(img.H, h)
	out := RGB{Pix: make([]byte, w*h*3), W: w, H: h}
	for oy, sy := range ys {
		o := oy * w * 3
		for _, sx := range xs {
			var r, g, b float64
			for _, ty := range sy {
				row := ty.i * img.W * 3
				for _, tx := range sx {
					p := row + tx.i*3
					wt := ty.w * tx.w
					r += wt * float64(img.Pix[p])
					g += wt * float64(img.Pix[p+1])
					b += wt * float64(img.Pix[p+2])
				}
			}
			out.Pix[o] = clamp8(r)
			out.Pix[o+1] = clamp8(g)
			out.Pix[o+2] = clamp8(b)
			o += 3
		}
	}
	return out
}

// tap is a source index and its weight.
type tap struct {
	i int
	w float64
}

// spans returns, for each of the n output positions along an axis of src
// pixels, the source pixels and weights that make it up.
func spans(src, n int) [][]tap {
	out := make([][]tap, n)
	scale := float64(src) / float64(n)
	for o := range out {
		if scale > 1 { // area average over [o*scale, (o+1)*scale)
			x0, x1 := float64(o)*scale, float64(o+1)*scale
			var taps []tap
			for i := int(x0); i < src && float64(i) < x1; i++ {
				w := math.Min(x1, float64(i+1)) - math.Max(x0, float64(i))
				if w > 1e-9 {
					taps = append(taps, tap{i, w / scale})
				}
			}
			out[o] = taps
			continue
		}
		x := (float64(o)+0.5)*scale - 0.5 // bilinear at the pixel centre
		i0 := int(math.Floor(x))
		f := x - float64(i0)
		a, b := max(0, min(src-1, i0)), max(0, min(src-1, i0+1))
		out[o] = []tap{{a, 1 - f}, {b, f}}
	}
	return out
}

func clamp8(v float64) byte {
	switch {
	case v <= 0:
		return 0
	case v >= 255:
		return 255
	}
	return byte(v + 0.5)
}
