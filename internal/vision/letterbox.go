package vision

import (
	"math"

	"github.com/easelhq/easel"
)

// view is what one inference sees: a part of the image (all of it, or a
// tile) scaled into a size×size model input, padded black, and the
// transform back to the image's pixels.
type view struct {
	small          RGB     // the scaled image the part is read from
	srcX, srcY     int     // the part's origin in small (tiles)
	w0, h0         int     // the part's size; ≤ size
	size           int     // the model's input side
	padX, padY     int     // offset of small in the input
	scaleX, scaleY float64 // image pixels per input pixel
	offX, offY     float64 // image pixel of small's origin
	w, h           int     // image size
}

// newLetterbox shows all of img: long side size/zoomOut, aspect kept,
// centred.
func newLetterbox(img RGB, size int, zoomOut float64) view {
	s := float64(size) / (zoomOut * float64(max(img.W, img.H)))
	w := max(1, min(size, int(math.Round(float64(img.W)*s))))
	h := max(1, min(size, int(math.Round(float64(img.H)*s))))
	return view{
		small: resize(img, w, h),
		w0:    w, h0: h,
		size:   size,
		padX:   (size - w) / 2,
		padY:   (size - h) / 2,
		scaleX: float64(img.W) / float64(w),
		scaleY: float64(img.H) / float64(h),
		w:      img.W, h: img.H,
	}
}

// newTile shows the size×size part at (x, y) of scaled, which is img
// scaled by s (scaled may be smaller than a tile: it is padded). The part
// is read from scaled when the input is filled: no copy per tile.
func newTile(scaled RGB, s float64, x, y, size, imgW, imgH int) view {
	w, h := min(size, scaled.W-x), min(size, scaled.H-y)
	return view{
		small: scaled,
		srcX:  x, srcY: y,
		w0: w, h0: h,
		size:   size,
		scaleX: 1 / s, scaleY: 1 / s,
		offX: float64(x) / s, offY: float64(y) / s,
		w: imgW, h: imgH,
	}
}

// fill writes the NHWC input tensor, RGB scaled to [-1, 1]; the padding
// (black, -1) is written only when the part does not cover the input.
func (l view) fill(dst []float32) {
	if l.w0 < l.size || l.h0 < l.size {
		for i := range dst {
			dst[i] = -1
		}
	}
	for y := range l.h0 {
		row := (l.srcY+y)*l.small.W + l.srcX
		src := l.small.Pix[row*3 : (row+l.w0)*3]
		out := dst[((y+l.padY)*l.size+l.padX)*3:]
		out = out[:len(src)]
		for i, v := range src {
			out[i] = inputLevels[v]
		}
	}
}

// inputLevels maps a byte to the model's input level, as
// float32(v)/127.5 - 1 computes it (a table: no division per value).
var inputLevels = func() (t [256]float32) {
	for v := range t {
		t[v] = float32(v)/127.5 - 1
	}
	return t
}()

// point maps a point of the input to the image's pixels.
func (l view) point(u, v float64) (float64, float64) {
	return (u-float64(l.padX))*l.scaleX + l.offX, (v-float64(l.padY))*l.scaleY + l.offY
}

// toImage maps a candidate from the input to the image's pixels.
func (l view) toImage(c candidate) candidate {
	c.x0, c.y0 = l.point(c.x0, c.y0)
	c.x1, c.y1 = l.point(c.x1, c.y1)
	for k := range c.kp {
		c.kp[k][0], c.kp[k][1] = l.point(c.kp[k][0], c.kp[k][1])
	}
	return c
}

// face turns a candidate in the image's pixels into an easel.Face. The
// model's keypoints are the subject's right eye, left eye, nose tip, mouth
// centre, right ear and left ear (the subject's right eye is on the
// viewer's left).
func face(c candidate, w, h int) easel.Face {
	kp := func(k int) easel.Point { return easel.Point{X: c.kp[k][0], Y: c.kp[k][1]} }
	return easel.Face{
		Box:        clipBox(easel.Box{X: c.x0, Y: c.y0, W: c.x1 - c.x0, H: c.y1 - c.y0}, w, h),
		Confidence: c.score,
		RightEye:   kp(0),
		LeftEye:    kp(1),
		Nose:       kp(2),
		Mouth:      kp(3),
		RightEar:   kp(4),
		LeftEar:    kp(5),
	}
}
