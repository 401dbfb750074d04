package delivery

import (
	"context"
	"errors"
	"sync"

	"github.com/easelhq/easel"
)

// A flight is one render shared by every request for the same cache key
// while it runs. It belongs to those requests: each one that waits holds a
// reference, and when the last leaves before the render is done, a render
// still queued for a slot is dropped (its place in the queue freed) and a
// running one cancelled (the engine stops libvips on its context). Only
// with Config.FinishAbandoned may a running render whose result is stored
// as a variant finish for nobody; it stays joinable meanwhile.
type flight struct {
	done    chan struct{} // closed when out and err are set
	out     *Rendered
	err     error
	cancel  context.CancelFunc
	waiters int  // requests waiting for it; under flights.mu
	started bool // holds a render slot; under flights.mu
	durable bool // its result will be stored as a variant
}

// flights holds the renders in progress by cache key.
type flights struct {
	mu     sync.Mutex
	m      map[string]*flight
	closed bool           // Close was called: no new flight starts
	wg     sync.WaitGroup // running fly goroutines
}

var errClosed = easel.Errorf(easel.CodeOverloaded, "shutting down; retry on another node")

// Render returns the image of a Resolved request: from the memory cache, the
// stored variants, or a render that identical concurrent requests share.
// The returned Rendered is shared: callers must not modify it. When ctx ends
// first, Render returns at once, and the render is dropped if no other
// request waits for it.
func (d *Delivery) Render(ctx context.Context, res *Resolved) (*Rendered, error) {
	if res.hit != nil {
		d.obs.CacheHit("memory")
		return res.hit, nil
	}
	if err := ctx.Err(); err != nil { // gone already: start nothing
		return nil, easel.WrapError(easel.CodeDeadlineExceeded, err, "request ended before its render")
	}
	f := d.join(ctx, res)
	select {
	case <-f.done:
		return f.out, f.err
	case <-ctx.Done():
		d.leave(res.key, f)
		return nil, easel.WrapError(easel.CodeDeadlineExceeded, ctx.Err(), "request ended before its render")
	}
}

// join adds the caller to the flight of res.key, starting one when there
// is none. The render's context keeps the first caller's values (traces)
// but not its cancellation: it ends with render.timeout or when every
// waiter has left.
func (d *Delivery) join(ctx context.Context, res *Resolved) *flight {
	d.flights.mu.Lock()
	defer d.flights.mu.Unlock()
	f := d.flights.m[res.key]
	if f == nil && d.flights.closed {
		f = &flight{done: make(chan struct{}), err: errClosed}
		close(f.done)
		return f
	}
	if f == nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.Timeout)
		f = &flight{done: make(chan struct{}), cancel: cancel, durable: d.cfg.StoreVariants && !res.opts.Original}
		d.flights.m[res.key] = f
		d.flights.wg.Add(1)
		go d.fly(rctx, res, f)
	}
	f.waiters++
	return f
}

// leave drops one waiter; the last one abandons the render unless it may
// finish in the background.
func (d *Delivery) leave(key string, f *flight) {
	d.flights.mu.Lock()
	defer d.flights.mu.Unlock()
	f.waiters--
	if f.waiters > 0 {
		return
	}
	select {
	case <-f.done:
		return
	default:
	}
	if d.cfg.FinishAbandoned && f.durable && f.started {
		d.obs.Abandoned(true, true)
		return
	}
	if d.flights.m[key] == f {
		delete(d.flights.m, key) // a later request starts afresh
	}
	f.cancel()
	d.obs.Abandoned(f.started, false)
}

// fly runs the render of a flight and hands its result to the waiters.
func (d *Delivery) fly(ctx context.Context, res *Resolved, f *flight) {
	defer d.flights.wg.Done()
	defer f.cancel()
	out, err := d.render(ctx, res, f)
	d.flights.mu.Lock()
	if d.flights.m[res.key] == f {
		delete(d.flights.m, res.key)
	}
	f.out, f.err = out, err
	d.flights.mu.Unlock()
	close(f.done)
}

// stopFlights refuses new flights and waits for the running ones (each
// bounded by Config.Timeout).
func (d *Delivery) stopFlights() {
	d.flights.mu.Lock()
	d.flights.closed = true
	d.flights.mu.Unlock()
	d.flights.wg.Wait()
}

// markStarted records that the flight holds a render slot.
func (d *Delivery) markStarted(f *flight) {
	d.flights.mu.Lock()
	f.started = true
	d.flights.mu.Unlock()
}

// abandoned reports whether a render's error comes from its waiters having
// left (not from a deadline or a failure worth counting).
func abandoned(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled)
}

// InFlight is the number of distinct renders in progress (queued or
// running), abandoned ones that finish in the background included.
func (d *Delivery) InFlight() int {
	d.flights.mu.Lock()
	defer d.flights.mu.Unlock()
	return len(d.flights.m)
}
