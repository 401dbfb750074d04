package delivery

import (
	"context"
	"sync/atomic"

	"github.com/easelhq/easel"
)

// Limiter bounds how many renders run at once and how many may wait for a
// slot. A request past the wait queue is refused at once with CodeOverloaded,
// so overload gives fast 429s rather than a pile of slow requests.
type Limiter struct {
	slots   chan struct{}
	maxWait int64
	waiting atomic.Int64
}

// NewLimiter returns a Limiter with concurrency slots and a queue of maxWait.
func NewLimiter(concurrency, maxWait int) *Limiter {
	if concurrency < 1 {
		concurrency = 1
	}
	return &Limiter{slots: make(chan struct{}, concurrency), maxWait: int64(maxWait)}
}

// Acquire takes a slot, waiting while ctx allows. The returned release must be
// called once. Errors: CodeOverloaded when the queue is full,
// CodeDeadlineExceeded when ctx ends first. A caller whose ctx has ended
// never gets a slot, even one freed at the same moment: work for nobody
// must not start.
func (l *Limiter) Acquire(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, easel.WrapError(easel.CodeDeadlineExceeded, err, "gave up before a render slot")
	}
	select {
	case l.slots <- struct{}{}:
		return l.release, nil
	default:
	}
	if l.waiting.Add(1) > l.maxWait {
		l.waiting.Add(-1)
		return nil, easel.Errorf(easel.CodeOverloaded, "too many renders waiting; retry shortly")
	}
	defer l.waiting.Add(-1)
	select {
	case l.slots <- struct{}{}:
		if err := ctx.Err(); err != nil { // both were ready: the slot goes to someone who waits
			l.release()
			return nil, easel.WrapError(easel.CodeDeadlineExceeded, err, "gave up before a render slot")
		}
		return l.release, nil
	case <-ctx.Done():
		return nil, easel.WrapError(easel.CodeDeadlineExceeded, ctx.Err(), "timed out waiting for a render slot")
	}
}

func (l *Limiter) release() { <-l.slots }

// InFlight is the number of slots taken.
func (l *Limiter) InFlight() int { return len(l.slots) }

// Waiting is the number of callers waiting for a slot.
func (l *Limiter) Waiting() int { return int(l.waiting.Load()) }
