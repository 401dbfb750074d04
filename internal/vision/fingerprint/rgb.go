package fingerprint

import (
	"fmt"
	"image"
	"image/color"
)

// RGB is an 8-bit sRGB raster: W×H pixels of 3 bytes (R, G, B), row by row,
// with no padding, so len(Pix) == 3*W*H.
type RGB struct {
	Pix  []byte
	W, H int
}

// Validate reports whether the raster is non-empty and Pix has the size W
// and H say.
func (img RGB) Validate() error {
	if img.W <= 0 || img.H <= 0 {
		return fmt.Errorf("fingerprint: empty raster %d×%d", img.W, img.H)
	}
	if len(img.Pix) != 3*img.W*img.H {
		return fmt.Errorf("fingerprint: raster %d×%d needs %d bytes, has %d", img.W, img.H, 3*img.W*img.H, len(img.Pix))
	}
	return nil
}

// FromImage converts m to an RGB raster. Transparent pixels are taken as
// composited over black (the premultiplied colour). It is meant for tests
// and tools; the service converts its decoded images itself.
func FromImage(m image.Image) RGB {
	b := m.Bounds()
	img := RGB{Pix: make([]byte, 0, 3*b.Dx()*b.Dy()), W: b.Dx(), H: b.Dy()}
	switch src := m.(type) {
	case *image.YCbCr:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				c := src.YCbCrAt(x, y)
				r, g, bl := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
				img.Pix = append(img.Pix, r, g, bl)
			}
		}
	case *image.RGBA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			row := src.Pix[src.PixOffset(b.Min.X, y):src.PixOffset(b.Max.X, y)]
			for i := 0; i < len(row); i += 4 {
				img.Pix = append(img.Pix, row[i], row[i+1], row[i+2])
			}
		}
	default:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := m.At(x, y).RGBA()
				img.Pix = append(img.Pix, byte(r>>8), byte(g>>8), byte(bl>>8))
			}
		}
	}
	return img
}

// span is the share weight of source pixel src in output pixel dst.
type span struct {
	src, dst int
	weight   float64
}

// areaSpans returns, in source order, how the n source pixels of one axis
// cover the m output pixels: output pixel i covers source interval
// [i·n/m, (i+1)·n/m) and each source pixel counts by the length it has in
// that interval, divided by the interval's length, so the weights of every
// output pixel sum to 1.
func areaSpans(n, m int) []span {
	spans := make([]span, 0, n+m)
	scale := float64(n) / float64(m)
	for i := range m {
		lo, hi := float64(i)*scale, float64(i+1)*scale
		for s := int(lo); s < n && float64(s) < hi; s++ {
			w := min(hi, float64(s+1)) - max(lo, float64(s))
			if w > 0 {
				spans = append(spans, span{src: s, dst: i, weight: w / scale})
			}
		}
	}
	// Built output pixel by output pixel, the spans are also in source
	// order: neighbouring output pixels share at most one source pixel,
	// which ends one's run and starts the next.
	return spans
}

// area downscales (or upscales) img to w×h with an exact box filter and
// returns the mean R, G and B of every output pixel, 3 floats per pixel in
// 0..255, row by row. It reads every source pixel once.
func area(img RGB, w, h int) []float64 {
	xs, ys := areaSpans(img.W, w), areaSpans(img.H, h)
	out := make([]float64, 3*w*h)
	row := make([]float64, 3*w)
	yi := 0
	for y := range img.H {
		clear(row)
		pix := img.Pix[3*y*img.W : 3*(y+1)*img.W]
		for _, s := range xs {
			p := pix[3*s.src : 3*s.src+3]
			r := row[3*s.dst : 3*s.dst+3]
			r[0] += s.weight * float64(p[0])
			r[1] += s.weight * float64(p[1])
			r[2] += s.weight * float64(p[2])
		}
		for ; yi < len(ys) && ys[yi].src == y; yi++ {
			wy := ys[yi].weight
			o := out[3*w*ys[yi].dst : 3*w*(ys[yi].dst+1)]
			for i, v := range row {
				o[i] += wy * v
			}
		}
	}
	return out
}

// luma converts the output of area to grey levels (Rec. 601 weights on the
// sRGB values, as the usual perceptual hashes do).
func luma(rgb []float64) []float64 {
	g := make([]float64, len(rgb)/3)
	for i := range g {
		g[i] = 0.299*rgb[3*i] + 0.587*rgb[3*i+1] + 0.114*rgb[3*i+2]
	}
	return g
}

// fit returns the size of img scaled down to fit in max×max, keeping its
// aspect ratio; images already that small keep their size.
func fit(img RGB, maxSide int) (w, h int) {
	w, h = img.W, img.H
	if w <= maxSide && h <= maxSide {
		return w, h
	}
	if w >= h {
		return maxSide, max(1, (h*maxSide+w/2)/w)
	}
	return max(1, (w*maxSide+h/2)/h), maxSide
}
