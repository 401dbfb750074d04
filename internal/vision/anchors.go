package vision

import (
	"math"
	"sort"

	"github.com/easelhq/easel"
)

// Both BlazeFace models ("back": 256×256 input, "front": 128×128; checked
// against the model files' output shapes) have 896 anchors on a 16×16 grid
// (2 per cell) and an 8×8 grid (6 per cell); per anchor a score logit and 16
// regressors: box centre offset (x, y) and size (w, h), then 6 keypoints
// (x, y), all in pixels of the model's input, relative to the anchor centre.
// The anchors of one layout serve both models, scaled by the input size.
const (
	backSize      = 256
	frontSize     = 128
	numKeypoints  = 6
	numRegressors = 4 + 2*numKeypoints
	nmsIoU        = 0.3 // MediaPipe's min_suppression_threshold
)

// grid is one output layer of the model.
type grid struct {
	cells, perCell int
}

var blazeGrids = [2]grid{{16, 2}, {8, 6}}

// anchor centres, normalised to [0,1], in the order of the model's outputs:
// the 16×16 grid then the 8×8 one, row by row, the anchors of a cell together.
var anchors = func() [][2]float64 {
	var a [][2]float64
	for _, g := range blazeGrids {
		for y := range g.cells {
			for x := range g.cells {
				for range g.perCell {
					a = append(a, [2]float64{(float64(x) + 0.5) / float64(g.cells), (float64(y) + 0.5) / float64(g.cells)})
				}
			}
		}
	}
	return a
}()

// candidate is a decoded detection, in pixels of the model input, then of
// the image once a view maps it back.
type candidate struct {
	score          float64
	x0, y0, x1, y1 float64
	kp             [numKeypoints][2]float64
	passes         passSet // the passes that saw it (after merging)
}

// decode turns the raw outputs (scores: one logit per anchor; regs:
// numRegressors per anchor, both in anchor order) into candidates scoring at
// least minScore.
func decode(scores, regs []float32, minScore float64, size int) []candidate {
	var out []candidate
	for i, a := range anchors {
		s := sigmoid(float64(scores[i]))
		if s < minScore {
			continue
		}
		r := regs[i*numRegressors : (i+1)*numRegressors]
		ax, ay := a[0]*float64(size), a[1]*float64(size)
		cx, cy := ax+float64(r[0]), ay+float64(r[1])
		w, h := float64(r[2]), float64(r[3])
		if w <= 0 || h <= 0 {
			continue
		}
		c := candidate{score: s, x0: cx - w/2, y0: cy - h/2, x1: cx + w/2, y1: cy + h/2}
		for k := range numKeypoints {
			c.kp[k] = [2]float64{ax + float64(r[4+2*k]), ay + float64(r[5+2*k])}
		}
		out = append(out, c)
	}
	return out
}

func sigmoid(x float64) float64 {
	x = math.Max(-100, math.Min(100, x)) // as MediaPipe clips the logits
	return 1 / (1 + math.Exp(-x))
}

// weightedNMS is MediaPipe's weighted non-maximum suppression: the best
// remaining candidate absorbs all that overlap it by more than iou; its box
// and keypoints become their score-weighted average, its score stays.
func weightedNMS(cands []candidate, iou float64) []candidate {
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	used := make([]bool, len(cands))
	var out []candidate
	for i, top := range cands {
		if used[i] {
			continue
		}
		var sum float64
		var acc candidate
		for j := i; j < len(cands); j++ {
			c := cands[j]
			if used[j] || candIoU(top, c) <= iou {
				continue
			}
			used[j] = true
			w := c.score
			sum += w
			acc.passes |= c.passes
			acc.x0 += w * c.x0
			acc.y0 += w * c.y0
			acc.x1 += w * c.x1
			acc.y1 += w * c.y1
			for k := range acc.kp {
				acc.kp[k][0] += w * c.kp[k][0]
				acc.kp[k][1] += w * c.kp[k][1]
			}
		}
		acc.x0, acc.y0, acc.x1, acc.y1 = acc.x0/sum, acc.y0/sum, acc.x1/sum, acc.y1/sum
		for k := range acc.kp {
			acc.kp[k][0] /= sum
			acc.kp[k][1] /= sum
		}
		acc.score = top.score
		out = append(out, acc)
	}
	return out
}

func candIoU(a, b candidate) float64 {
	return iou(easel.Box{X: a.x0, Y: a.y0, W: a.x1 - a.x0, H: a.y1 - a.y0},
		easel.Box{X: b.x0, Y: b.y0, W: b.x1 - b.x0, H: b.y1 - b.y0})
}

// iou is the intersection over union of two boxes.
func iou(a, b easel.Box) float64 {
	iw := math.Min(a.X+a.W, b.X+b.W) - math.Max(a.X, b.X)
	ih := math.Min(a.Y+a.H, b.Y+b.H) - math.Max(a.Y, b.Y)
	if iw <= 0 || ih <= 0 {
		return 0
	}
	inter := iw * ih
	return inter / (a.W*a.H + b.W*b.H - inter)
}

// clipBox clips b to a w×h image.
func clipBox(b easel.Box, w, h int) easel.Box {
	x0, y0 := math.Max(0, b.X), math.Max(0, b.Y)
	x1, y1 := math.Min(float64(w), b.X+b.W), math.Min(float64(h), b.Y+b.H)
	return easel.Box{X: x0, Y: y0, W: math.Max(0, x1-x0), H: math.Max(0, y1-y0)}
}

// sortLargestFirst orders faces by box area, largest first.
func sortLargestFirst(faces []easel.Face) {
	sort.SliceStable(faces, func(i, j int) bool {
		return faces[i].Box.W*faces[i].Box.H > faces[j].Box.W*faces[j].Box.H
	})
}
