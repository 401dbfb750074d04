package delivery

import (
	"context"
	"sync"

	"github.com/easelhq/easel"
)

// Limiter bounds how many renders run at once and how many may wait for a
// slot, and shares the slots fairly between tenants: each tenant waits in
// a queue of its own, and a freed slot goes to the next tenant in turn
// (round robin), so one tenant flooding cannot starve the others. A
// request past the wait queue is refused at once with CodeOverloaded, so
// overload gives fast 429s rather than a pile of slow requests; when the
// queue is full, a tenant with fewer waiters takes the place of the
// newest waiter of the tenant with the most.
type Limiter struct {
	mu      sync.Mutex
	slots   int
	used    int
	maxWait int
	waiting int
	queues  map[string]*[]*waiter // tenants with waiters
	ring    []string              // those tenants, in turn
	next    int                   // index in ring of the next tenant served
}

// waiter is one caller waiting for a slot. ready is closed when it got
// one (granted) or lost its place (evicted); both are set under mu.
type waiter struct {
	ready   chan struct{}
	tenant  string
	granted bool
	evicted bool
}

// NewLimiter returns a Limiter with concurrency slots and a queue of maxWait.
func NewLimiter(concurrency, maxWait int) *Limiter {
	if concurrency < 1 {
		concurrency = 1
	}
	return &Limiter{slots: concurrency, maxWait: max(maxWait, 0), queues: map[string]*[]*waiter{}}
}

var errQueueFull = easel.Errorf(easel.CodeOverloaded, "too many renders waiting; retry shortly")

// Acquire takes a slot for a caller of no tenant in particular; see
// AcquireFor.
func (l *Limiter) Acquire(ctx context.Context) (release func(), err error) {
	return l.AcquireFor(ctx, "")
}

// AcquireFor takes a slot for the tenant, waiting while ctx allows. The
// returned release must be called once. Errors: CodeOverloaded when the
// queue is full (or the caller lost its place to another tenant's),
// CodeDeadlineExceeded when ctx ends first. A caller whose ctx has ended
// never gets a slot, even one freed at the same moment: work for nobody
// must not start.
func (l *Limiter) AcquireFor(ctx context.Context, tenant string) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, easel.WrapError(easel.CodeDeadlineExceeded, err, "gave up before a render slot")
	}
	l.mu.Lock()
	if l.used < l.slots && l.waiting == 0 {
		l.used++
		l.mu.Unlock()
		return l.release, nil
	}
	if l.waiting >= l.maxWait && !l.evictFor(tenant) {
		l.mu.Unlock()
		return nil, errQueueFull
	}
	w := &waiter{ready: make(chan struct{}), tenant: tenant}
	q := l.queues[tenant]
	if q == nil {
		q = new([]*waiter)
		l.queues[tenant] = q
		l.ring = append(l.ring, tenant)
	}
	*q = append(*q, w)
	l.waiting++
	l.mu.Unlock()

	select {
	case <-w.ready:
	case <-ctx.Done():
		l.mu.Lock()
		if !w.granted && !w.evicted {
			l.remove(w)
			l.mu.Unlock()
			return nil, easel.WrapError(easel.CodeDeadlineExceeded, ctx.Err(), "timed out waiting for a render slot")
		}
		l.mu.Unlock()
	}
	if w.evicted {
		return nil, errQueueFull
	}
	if err := ctx.Err(); err != nil { // granted as it gave up: the slot goes to someone who waits
		l.release()
		return nil, easel.WrapError(easel.CodeDeadlineExceeded, err, "gave up before a render slot")
	}
	return l.release, nil
}

// evictFor makes room in a full queue for a waiter of tenant by evicting
// the newest waiter of the tenant with the most, when that one has at
// least two more than tenant would. Under mu.
func (l *Limiter) evictFor(tenant string) bool {
	mine := 0
	if q := l.queues[tenant]; q != nil {
		mine = len(*q)
	}
	var longest *[]*waiter
	for _, t := range l.ring {
		if q := l.queues[t]; longest == nil || len(*q) > len(*longest) {
			longest = q
		}
	}
	if longest == nil || len(*longest) < mine+2 {
		return false
	}
	w := (*longest)[len(*longest)-1]
	w.evicted = true
	close(w.ready)
	l.remove(w)
	return true
}

// remove takes w out of its tenant's queue. Under mu.
func (l *Limiter) remove(w *waiter) {
	q := l.queues[w.tenant]
	for i, o := range *q {
		if o == w {
			*q = append((*q)[:i], (*q)[i+1:]...)
			break
		}
	}
	l.waiting--
	if len(*q) == 0 {
		l.dropTenant(w.tenant)
	}
}

// dropTenant removes a tenant with no more waiters from the ring. Under mu.
func (l *Limiter) dropTenant(tenant string) {
	delete(l.queues, tenant)
	for i, t := range l.ring {
		if t == tenant {
			l.ring = append(l.ring[:i], l.ring[i+1:]...)
			if i < l.next {
				l.next--
			}
			break
		}
	}
	if l.next >= len(l.ring) {
		l.next = 0
	}
}

// release hands the slot to the first waiter of the next tenant in turn,
// or frees it.
func (l *Limiter) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waiting == 0 {
		l.used--
		return
	}
	tenant := l.ring[l.next]
	q := l.queues[tenant]
	w := (*q)[0]
	*q = (*q)[1:]
	l.waiting--
	w.granted = true
	close(w.ready)
	if len(*q) == 0 {
		l.dropTenant(tenant)
	} else {
		l.next = (l.next + 1) % len(l.ring)
	}
}

// InFlight is the number of slots taken.
func (l *Limiter) InFlight() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.used
}

// Waiting is the number of callers waiting for a slot.
func (l *Limiter) Waiting() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waiting
}
