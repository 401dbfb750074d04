package quota

import (
	"math"
	"time"
)

// bucket is a token bucket: rate tokens a second, at most size. Not safe
// for concurrent use; Quotas holds its lock.
type bucket struct {
	tokens float64
	last   time.Time
}

// take takes one token if there is one; otherwise it returns how long
// until there will be.
func (b *bucket) take(now time.Time, rate, size float64) (ok bool, wait time.Duration) {
	if b.last.IsZero() {
		b.tokens, b.last = size, now
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(size, b.tokens+el*rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / rate * float64(time.Second))
}

// available returns the whole tokens the bucket would hold at now.
func (b *bucket) available(now time.Time, rate, size float64) float64 {
	if b.last.IsZero() {
		return size
	}
	return math.Floor(math.Min(size, b.tokens+now.Sub(b.last).Seconds()*rate))
}
