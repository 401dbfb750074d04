package vision

import (
	"math"
	"sync"
)

// resize returns img scaled to w×h: an area average when shrinking (no
// aliasing on a 4000 px photo), bilinear when enlarging. The filter is
// separable: rows first into a float64 buffer, then columns.
func resize(img RGB, w, h int) RGB {
	if w == img.W && h == img.H {
		return img
	}
	xs := spans(img.W, w)
	ys := spans(img.H, h)
	// Only the source rows some output row reads.
	lo, hi := img.H, 0
	for _, sy := range ys {
		lo, hi = min(lo, sy[0].i), max(hi, sy[len(sy)-1].i+1)
	}
	bp := rowBuffers.Get().(*[]float64)
	defer rowBuffers.Put(bp)
	if n := (hi - lo) * w * 3; cap(*bp) < n {
		*bp = make([]float64, n)
	}
	rows := (*bp)[:(hi-lo)*w*3]
	for y := lo; y < hi; y++ {
		src := img.Pix[y*img.W*3 : (y+1)*img.W*3]
		dst := rows[(y-lo)*w*3 : (y-lo+1)*w*3]
		for ox, sx := range xs {
			var r, g, b float64
			for _, tx := range sx {
				p := src[tx.i*3 : tx.i*3+3]
				r += tx.w * float64(p[0])
				g += tx.w * float64(p[1])
				b += tx.w * float64(p[2])
			}
			dst[ox*3], dst[ox*3+1], dst[ox*3+2] = r, g, b
		}
	}
	out := RGB{Pix: make([]byte, w*h*3), W: w, H: h}
	acc := make([]float64, w*3)
	for oy, sy := range ys {
		clear(acc)
		for _, ty := range sy {
			row := rows[(ty.i-lo)*w*3 : (ty.i-lo+1)*w*3]
			for i, v := range row {
				acc[i] += ty.w * v
			}
		}
		o := out.Pix[oy*w*3 : (oy+1)*w*3]
		for i, v := range acc {
			o[i] = clamp8(v)
		}
	}
	return out
}

// rowBuffers holds resize's intermediate rows between calls.
var rowBuffers = sync.Pool{New: func() any { return new([]float64) }}

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
