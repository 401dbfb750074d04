package fingerprint

import (
	"cmp"
	"fmt"
	"slices"
)

// Tuning of Colors.
const (
	colorsSide       = 64   // the image is area-averaged to at most 64×64 first
	colorsClusters   = 8    // k of k-means
	colorsIterations = 10   // at most this many Lloyd iterations
	colorsMinShare   = 0.01 // clusters with fewer pixels than this are noise
	colorsMergeDist2 = 24 * 24
)

// DefaultColors is how many colours the analysis keeps.
const DefaultColors = 5

// Colors returns up to n dominant colours of img as "#rrggbb", the most
// common first. It reduces img to at most 64×64 pixels, clusters their
// colours by k-means (k = 8) seeded deterministically with the 8 most
// common colours of a 4-bit-per-channel histogram, merges clusters closer
// than 24 (Euclidean, in 0..255 sRGB) and drops clusters under 1% of the
// pixels. The result depends only on the pixels. An empty raster or n ≤ 0
// gives nil.
func Colors(img RGB, n int) []string {
	if n <= 0 || img.Validate() != nil {
		return nil
	}
	w, h := fit(img, colorsSide)
	px := area(img, w, h)
	count := w * h

	// Seeds: the means of the most populated histogram bins.
	type bin struct {
		key     int
		n       int
		r, g, b float64
	}
	bins := map[int]*bin{}
	for i := range count {
		r, g, b := px[3*i], px[3*i+1], px[3*i+2]
		k := int(toByte(r))>>4<<8 | int(toByte(g))>>4<<4 | int(toByte(b))>>4
		bn := bins[k]
		if bn == nil {
			bn = &bin{key: k}
			bins[k] = bn
		}
		bn.n++
		bn.r += r
		bn.g += g
		bn.b += b
	}
	seeds := make([]*bin, 0, len(bins))
	for _, bn := range bins {
		seeds = append(seeds, bn)
	}
	slices.SortFunc(seeds, func(a, b *bin) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.key, b.key)) })
	seeds = seeds[:min(len(seeds), colorsClusters)]

	type cluster struct {
		c   [3]float64
		n   int
		sum [3]float64
	}
	cs := make([]cluster, len(seeds))
	for i, s := range seeds {
		cs[i].c = [3]float64{s.r / float64(s.n), s.g / float64(s.n), s.b / float64(s.n)}
	}
	assign := make([]int, count)
	for iter := range colorsIterations {
		changed := false
		for i := range count {
			best, bestD := 0, -1.0
			for j := range cs {
				d := dist2(px[3*i:3*i+3], cs[j].c[:])
				if bestD < 0 || d < bestD {
					best, bestD = j, d
				}
			}
			if iter == 0 || assign[i] != best {
				changed = true
				assign[i] = best
			}
		}
		if !changed {
			break
		}
		for j := range cs {
			cs[j].n, cs[j].sum = 0, [3]float64{}
		}
		for i, j := range assign {
			cs[j].n++
			cs[j].sum[0] += px[3*i]
			cs[j].sum[1] += px[3*i+1]
			cs[j].sum[2] += px[3*i+2]
		}
		for j := range cs {
			if cs[j].n > 0 {
				cs[j].c = [3]float64{cs[j].sum[0] / float64(cs[j].n), cs[j].sum[1] / float64(cs[j].n), cs[j].sum[2] / float64(cs[j].n)}
			}
		}
	}

	// Biggest first, then merge each cluster into a bigger one it is near.
	slices.SortStableFunc(cs, func(a, b cluster) int { return cmp.Compare(b.n, a.n) })
	var kept []cluster
	for _, c := range cs {
		if c.n == 0 {
			continue
		}
		merged := false
		for k := range kept {
			if dist2(kept[k].c[:], c.c[:]) < colorsMergeDist2 {
				total := float64(kept[k].n + c.n)
				for ch := range 3 {
					kept[k].c[ch] = (kept[k].c[ch]*float64(kept[k].n) + c.c[ch]*float64(c.n)) / total
				}
				kept[k].n += c.n
				merged = true
				break
			}
		}
		if !merged {
			kept = append(kept, c)
		}
	}
	slices.SortStableFunc(kept, func(a, b cluster) int { return cmp.Compare(b.n, a.n) })

	var out []string
	for _, c := range kept {
		if float64(c.n) < colorsMinShare*float64(count) || len(out) == n {
			break
		}
		out = append(out, fmt.Sprintf("#%02x%02x%02x", toByte(c.c[0]), toByte(c.c[1]), toByte(c.c[2])))
	}
	return out
}

func dist2(a, b []float64) float64 {
	dr, dg, db := a[0]-b[0], a[1]-b[1], a[2]-b[2]
	return dr*dr + dg*dg + db*db
}
