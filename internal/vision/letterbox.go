package vision

import (
	"math"

	"github.com/easelhq/easel"
)

// letterbox is img scaled to fit the 256×256 model input (long side
// 256/zoomOut, aspect kept, centred, padded black) and the transform back to img's
// pixels.
type letterbox struct {
	small          RGB     // img scaled, small.W or small.H is inputSize
	padX, padY     int     // offset of small in the input
	scaleX, scaleY float64 // img pixels per input pixel
	w, h           int     // img size
}

func newLetterbox(img RGB, zoomOut float64) letterbox {
	s := float64(inputSize) / (zoomOut * float64(max(img.W, img.H)))
	w := max(1, min(inputSize, int(math.Round(float64(img.W)*s))))
	h := max(1, min(inputSize, int(math.Round(float64(img.H)*s))))
	return letterbox{
		small:  resize(img, w, h),
		padX:   (inputSize - w) / 2,
		padY:   (inputSize - h) / 2,
		scaleX: float64(img.W) / float64(w),
		scaleY: float64(img.H) / float64(h),
		w:      img.W, h: img.H,
	}
}

// fill writes the NHWC input tensor, RGB scaled to [-1, 1].
func (l letterbox) fill(dst []float32) {
	for i := range dst {
		dst[i] = -1
	}
	for y := range l.small.H {
		src := l.small.Pix[y*l.small.W*3 : (y+1)*l.small.W*3]
		out := dst[((y+l.padY)*inputSize+l.padX)*3:]
		for i, v := range src {
			out[i] = float32(v)/127.5 - 1
		}
	}
}

// point maps a point of the input to img's pixels.
func (l letterbox) point(u, v float64) easel.Point {
	return easel.Point{X: (u - float64(l.padX)) * l.scaleX, Y: (v - float64(l.padY)) * l.scaleY}
}

// face maps a candidate to an easel.Face in img's pixels. The model's
// keypoints are the subject's right eye, left eye, nose tip, mouth centre,
// right ear and left ear (the subject's right eye is on the viewer's left).
func (l letterbox) face(c candidate) easel.Face {
	p0, p1 := l.point(c.x0, c.y0), l.point(c.x1, c.y1)
	kp := func(k int) easel.Point { return l.point(c.kp[k][0], c.kp[k][1]) }
	return easel.Face{
		Box:        clipBox(easel.Box{X: p0.X, Y: p0.Y, W: p1.X - p0.X, H: p1.Y - p0.Y}, l.w, l.h),
		Confidence: c.score,
		RightEye:   kp(0),
		LeftEye:    kp(1),
		Nose:       kp(2),
		Mouth:      kp(3),
		RightEar:   kp(4),
		LeftEar:    kp(5),
	}
}
