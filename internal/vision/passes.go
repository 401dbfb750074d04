package vision

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync"

	"github.com/easelhq/easel"
)

// passSet is a set of passes, one bit each.
type passSet uint8

// The passes of Detect.
const (
	passBack  passSet = 1 << iota // "back" model on the whole image
	passFront                     // "front" model on the whole image
	passTiles                     // "back" model on overlapping tiles
	passZoom                      // "back" model on the image shown smaller (close-ups)
)

// count is the number of passes in the set.
func (p passSet) count() int {
	n := 0
	for ; p != 0; p &= p - 1 {
		n++
	}
	return n
}

// Pass selection and candidate verification, tuned on the tune half of
// testdata/photos.tsv and on the shared truth set.
const (
	// candidateScore is the least score a pass keeps: a sighting this weak
	// still counts as a second pass's agreement.
	candidateScore = 0.4
	// singlePassMargin: a face seen by one pass only needs MinConfidence
	// plus this (animals, cups and cartoons score up to about 0.7 in a
	// single pass; real faces are seen by two passes or score higher).
	singlePassMargin = 0.15
	// tileMinSide: images whose long side is at least this are tiled when
	// the whole-image passes saw a small face (at any score).
	tileMinSide = 1.5 * backSize
	// tileScaleSide is the long side the image is scaled to for tiling: the
	// analysis raster at its own resolution, 3×2 or 3×3 tiles of the back
	// model's input overlapping by at least a quarter.
	tileScaleSide = 2 * backSize
	// detectSide is the long side Detect scales a larger image to first
	// (processing.AnalysisSide: the server's raster is no larger).
	detectSide = 2 * backSize
	// smallFace: a candidate whose side is under this fraction of the
	// image's long side (under about 26 px of the back model's input, where
	// its scores fall) hints at a crowd: tile.
	smallFace = 0.1
	// smallFaceScore is the score a small candidate needs to trigger tiling
	// (weaker ones are mostly texture).
	smallFaceScore = 0.5
	// hintScore: a small candidate of the whole-image back pass scoring
	// under candidateScore but at least this still gets a tile.
	hintScore = 0.2
	// tileContext is the room a tile leaves around a candidate it shows,
	// per side of the candidate (faces at a tile's edge score lower).
	tileContext = 0.5
	// closeUpSide: a face larger than this fraction of the image's long side
	// is a close-up: the back model sizes it badly; a pass on the image
	// shown smaller (closeUpZoomOut) replaces it.
	closeUpSide    = 0.4
	closeUpZoomOut = 1.5
)

// Detect finds the faces in img: the back and front models on the whole
// image; tiles when the image is large and the first passes saw small faces
// or a face only one of them saw, only those tiles that show the small and
// undecided candidates (tiles); a zoomed-out pass for close-ups. The candidates of all
// passes are merged by weighted non-maximum suppression and kept when their
// keypoints are a face's and their score is at least MinConfidence with the
// agreement of two passes (MinConfidence + singlePassMargin when one pass
// alone saw it). A larger image is first scaled to detectSide: no pass
// looks closer.
func (b *BlazeFace) Detect(ctx context.Context, img RGB) ([]easel.Face, error) {
	if err := img.validate(); err != nil {
		return nil, err
	}
	src := img
	if long := max(img.W, img.H); long > detectSide {
		s := float64(detectSide) / float64(long)
		src = resize(img, max(1, int(math.Round(float64(img.W)*s))), max(1, int(math.Round(float64(img.H)*s))))
	}
	cands, err := b.candidates(ctx, src)
	if err != nil {
		return nil, err
	}
	sx, sy := float64(img.W)/float64(src.W), float64(img.H)/float64(src.H)
	out := []easel.Face{}
	for _, c := range cands {
		if b.accept(c) {
			out = append(out, face(c.scaled(sx, sy), img.W, img.H))
		}
	}
	sortLargestFirst(out)
	return out, nil
}

// candidates runs the passes and returns their merged candidates.
func (b *BlazeFace) candidates(ctx context.Context, img RGB) ([]candidate, error) {
	minScore := min(b.cfg.MinConfidence, candidateScore)
	long := float64(max(img.W, img.H))
	cands, err := b.runAll(ctx, []job{
		{b.back, func() []view { return []view{newLetterbox(img, backSize, 1)} }, passBack},
		{b.front, func() []view { return []view{newLetterbox(img, frontSize, 1)} }, passFront},
	}, min(minScore, hintScore))
	if err != nil {
		return nil, err
	}
	// Weak sightings only say where tiles should look.
	var hints []candidate
	cands = slices.DeleteFunc(cands, func(c candidate) bool {
		if c.score >= minScore {
			return false
		}
		if side(c) < smallFace*long {
			hints = append(hints, c)
		}
		return true
	})
	first := weightedNMS(cands, nmsIoU)
	var more []job
	// Tiles look again where the whole-image passes saw a small face, or a
	// face only one of them saw whose fate a second opinion decides (at
	// least MinConfidence, under the single-pass bar).
	small := func(c candidate) bool { return side(c) < smallFace*long }
	uncertain := func(c candidate) bool {
		return c.passes.count() == 1 && c.score >= b.cfg.MinConfidence && c.score < b.cfg.MinConfidence+singlePassMargin
	}
	if long >= tileMinSide && slices.ContainsFunc(first, func(c candidate) bool {
		return small(c) && c.score >= smallFaceScore || uncertain(c)
	}) {
		// Tiles only where a small or uncertain face may be.
		var centre, cover []candidate
		for _, c := range first {
			switch {
			case uncertain(c) || !b.accept(c):
				centre = append(centre, c)
			case small(c):
				cover = append(cover, c)
			}
		}
		cover = append(cover, hints...)
		more = append(more, job{b.back, func() []view { return tiles(img, centre, cover) }, passTiles})
	}
	closeUp := func(c candidate) bool { return side(c) > closeUpSide*long }
	zoom := slices.ContainsFunc(first, func(c candidate) bool { return closeUp(c) && c.score >= b.cfg.MinConfidence })
	if zoom {
		more = append(more, job{b.back, func() []view { return []view{newLetterbox(img, backSize, closeUpZoomOut)} }, passZoom})
	}
	if len(more) > 0 {
		extra, err := b.runAll(ctx, more, minScore)
		if err != nil {
			return nil, err
		}
		if zoom { // the back model's close-ups give way to the zoomed-out pass
			cands = slices.DeleteFunc(cands, func(c candidate) bool { return c.passes == passBack && closeUp(c) })
		}
		cands = append(cands, extra...)
	}
	return weightedNMS(cands, nmsIoU), nil
}

// accept decides on a merged candidate.
func (b *BlazeFace) accept(c candidate) bool {
	if !plausible(c) {
		return false
	}
	if c.passes.count() >= 2 {
		return c.score >= b.cfg.MinConfidence
	}
	return c.score >= b.cfg.MinConfidence+singlePassMargin
}

// scaled returns c with its x coordinates multiplied by sx, y by sy.
func (c candidate) scaled(sx, sy float64) candidate {
	c.x0, c.x1, c.y0, c.y1 = c.x0*sx, c.x1*sx, c.y0*sy, c.y1*sy
	for k := range c.kp {
		c.kp[k][0] *= sx
		c.kp[k][1] *= sy
	}
	return c
}

func side(c candidate) float64 { return max(c.x1-c.x0, c.y1-c.y0) }

// job is one pass: a model and the views it runs on.
type job struct {
	model *blazeModel
	views func() []view
	pass  passSet
}

// runAll runs the views of all jobs in parallel, at most the session pool's
// size at once per model, and returns all their candidates.
func (b *BlazeFace) runAll(ctx context.Context, jobs []job, minScore float64) ([]candidate, error) {
	var (
		mu   sync.Mutex
		all  []candidate
		errs []error
		wg   sync.WaitGroup
	)
	for _, j := range jobs {
		for _, v := range j.views() {
			wg.Go(func() {
				c, err := j.model.run(ctx, v, minScore, j.pass)
				mu.Lock()
				defer mu.Unlock()
				all = append(all, c...)
				errs = append(errs, err)
			})
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return all, nil
}

// tiles scales img to a long side of tileScaleSide (never enlarging), lays
// overlapping tiles of the back model's input over it and returns as few as
// show every candidate of where whole (greedily: the tile holding most of
// those left, then the next); a candidate no tile holds whole gets the tile
// whose edges are farthest from its centre.
func tiles(img RGB, centre, cover []candidate) []view {
	s := math.Min(1, tileScaleSide/float64(max(img.W, img.H)))
	w, h := max(1, int(math.Round(float64(img.W)*s))), max(1, int(math.Round(float64(img.H)*s)))
	s = float64(w) / float64(img.W)
	xs, ys := starts(w, backSize), starts(h, backSize)
	type tile struct{ x, y int }
	var all []tile
	for _, y := range ys {
		for _, x := range xs {
			all = append(all, tile{x, y})
		}
	}
	// margin is how far c lies inside t (negative: c is cut).
	margin := func(t tile, c candidate) float64 {
		m := min(c.x0*s-float64(t.x), float64(t.x+backSize)-c.x1*s, c.y0*s-float64(t.y), float64(t.y+backSize)-c.y1*s)
		return m - tileContext*side(c)*s
	}
	chosen := make([]bool, len(all))
	var left []candidate
	for _, c := range cover {
		if slices.ContainsFunc(all, func(t tile) bool { return margin(t, c) >= 0 }) {
			left = append(left, c)
		} else {
			centre = append(centre, c)
		}
	}
	for _, c := range centre {
		cx, cy := (c.x0+c.x1)/2*s, (c.y0+c.y1)/2*s
		best, bm := 0, math.Inf(-1)
		for i, t := range all {
			if m := min(cx-float64(t.x), float64(t.x+backSize)-cx, cy-float64(t.y), float64(t.y+backSize)-cy); m > bm {
				best, bm = i, m
			}
		}
		chosen[best] = true
	}
	for i, t := range all { // those the centred tiles already hold
		if chosen[i] {
			left = slices.DeleteFunc(left, func(c candidate) bool { return margin(t, c) >= 0 })
		}
	}
	for len(left) > 0 {
		best, most := 0, 0
		for i, t := range all {
			n := 0
			for _, c := range left {
				if margin(t, c) >= 0 {
					n++
				}
			}
			if n > most {
				best, most = i, n
			}
		}
		chosen[best] = true
		left = slices.DeleteFunc(left, func(c candidate) bool { return margin(all[best], c) >= 0 })
	}
	if !slices.Contains(chosen, true) {
		return nil
	}
	scaled := resize(img, w, h)
	var out []view
	for i, t := range all {
		if chosen[i] {
			out = append(out, newTile(scaled, s, t.x, t.y, backSize, img.W, img.H))
		}
	}
	return out
}

// starts returns the origins of tiles of side t covering n pixels, evenly
// spread, overlapping by at least a quarter of a tile.
func starts(n, t int) []int {
	if n <= t {
		return []int{0}
	}
	k := int(math.Ceil(float64(n-t)/(0.75*float64(t)))) + 1
	out := make([]int, k)
	for i := range out {
		out[i] = int(math.Round(float64(i) * float64(n-t) / float64(k-1)))
	}
	return out
}
