package vision

import (
	"context"
	_ "embed"
	"fmt"
	"math"

	pigo "github.com/esimov/pigo/core"

	"github.com/easelhq/easel"
)

//go:embed cascades/facefinder
var facefinderCascade []byte

// Pigo tuning, measured on the truth set (see FACES.md): the image is
// shrunk to at most pigoMaxSide pixels, which is faster and gives fewer false
// positives than full size.
const (
	pigoMaxSide     = 640
	pigoMinFace     = 24   // smallest face searched, in pixels of the shrunk image
	pigoShift       = 0.1  // window step, fraction of its size
	pigoScale       = 1.1  // window growth between scales
	pigoClusterIoU  = 0.2  // detections overlapping more are merged
	pigoMinQuality  = 20.0 // cluster score a face needs
	pigoQualityHalf = 20.0 // score mapped to Confidence 0.5
)

// Pigo is the pure-Go pixel-intensity cascade face detector
// (github.com/esimov/pigo), the fallback when BlazeFace is unavailable. Its
// keypoints are estimated from the box.
type Pigo struct {
	classifier *pigo.Pigo
}

var _ Detector = (*Pigo)(nil)

// NewPigo unpacks the embedded facefinder cascade.
func NewPigo() (Detector, error) {
	c, err := pigo.NewPigo().Unpack(facefinderCascade)
	if err != nil {
		return nil, fmt.Errorf("pigo: unpack cascade: %w", err)
	}
	return &Pigo{classifier: c}, nil
}

// Name returns "pigo".
func (p *Pigo) Name() string { return NamePigo }

// Close does nothing: pigo holds no native resources.
func (p *Pigo) Close() error { return nil }

// Detect finds the faces in img.
func (p *Pigo) Detect(ctx context.Context, img RGB) ([]easel.Face, error) {
	if err := img.validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	small := img
	if long := max(img.W, img.H); long > pigoMaxSide {
		s := float64(pigoMaxSide) / float64(long)
		small = resize(img, max(1, int(math.Round(float64(img.W)*s))), max(1, int(math.Round(float64(img.H)*s))))
	}
	gray := make([]uint8, small.W*small.H)
	for i := range gray {
		p := small.Pix[i*3:]
		gray[i] = uint8((299*int(p[0]) + 587*int(p[1]) + 114*int(p[2]) + 500) / 1000)
	}
	params := pigo.CascadeParams{
		MinSize:     pigoMinFace,
		MaxSize:     max(pigoMinFace, min(small.W, small.H)),
		ShiftFactor: pigoShift,
		ScaleFactor: pigoScale,
		ImageParams: pigo.ImageParams{Pixels: gray, Rows: small.H, Cols: small.W, Dim: small.W},
	}
	dets := p.classifier.ClusterDetections(p.classifier.RunCascade(params, 0), pigoClusterIoU)
	sx, sy := float64(img.W)/float64(small.W), float64(img.H)/float64(small.H)
	faces := []easel.Face{}
	for _, d := range dets {
		if d.Q < pigoMinQuality {
			continue
		}
		faces = append(faces, pigoFace(d, sx, sy, img.W, img.H))
	}
	sortLargestFirst(faces)
	return faces, nil
}

// pigoFace turns a detection (centre and side in the shrunk image) into a
// face in img's pixels, with keypoints at their usual places in a frontal
// face box (eyes as pigo's own pupil search starts them).
func pigoFace(d pigo.Detection, sx, sy float64, w, h int) easel.Face {
	cx, cy, s := float64(d.Col)*sx, float64(d.Row)*sy, float64(d.Scale)*sx
	at := func(dx, dy float64) easel.Point { return easel.Point{X: cx + dx*s, Y: cy + dy*s} }
	q := float64(d.Q)
	return easel.Face{
		Box:        clipBox(easel.Box{X: cx - s/2, Y: cy - s/2, W: s, H: s}, w, h),
		Confidence: q / (q + pigoQualityHalf),
		RightEye:   at(-0.18, -0.075), // the subject's right: the viewer's left
		LeftEye:    at(0.18, -0.075),
		Nose:       at(0, 0.06),
		Mouth:      at(0, 0.22),
		RightEar:   at(-0.45, 0),
		LeftEar:    at(0.45, 0),
	}
}
