package reports

import (
	"math"
	"sort"
)

// bucketsPerDoubling is how many buckets split each doubling of
// milliseconds: a bucket's geometric middle is within 2^(1/16)-1 ≈ 4.4%
// of any value in it.
const bucketsPerDoubling = 8

// MaxBucket is the last bucket: values of MaxMS and more fall in it.
var MaxBucket = Bucket(MaxMS)

// Bucket is the bucket of a value in milliseconds: 0 for values under
// 1 ms, b ≥ 1 for [2^((b-1)/8), 2^(b/8)) ms.
func Bucket(ms float64) int {
	if ms < 1 || math.IsNaN(ms) {
		return 0
	}
	if ms > MaxMS {
		ms = MaxMS
	}
	return int(math.Floor(math.Log2(ms)*bucketsPerDoubling)) + 1
}

// BucketValue is what a value of bucket b is taken to be: its geometric
// middle (0.5 ms for bucket 0).
func BucketValue(b int) float64 {
	if b <= 0 {
		return 0.5
	}
	return math.Exp2((float64(b) - 0.5) / bucketsPerDoubling)
}

// sketch is the bucket counts of one measure.
type sketch map[int]int64

func (s sketch) add(o map[int]int64) {
	for b, n := range o {
		s[b] += n
	}
}

// quantiles returns the values at each q of qs (0..1, nearest rank), 0
// when the sketch is empty.
func (s sketch) quantiles(qs ...float64) []float64 {
	out := make([]float64, len(qs))
	var total int64
	idx := make([]int, 0, len(s))
	for b, n := range s {
		total += n
		idx = append(idx, b)
	}
	if total == 0 {
		return out
	}
	sort.Ints(idx)
	for i, q := range qs {
		rank := int64(math.Ceil(q * float64(total)))
		rank = max(rank, 1)
		var seen int64
		for _, b := range idx {
			seen += s[b]
			if seen >= rank {
				out[i] = round3(BucketValue(b))
				break
			}
		}
	}
	return out
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
