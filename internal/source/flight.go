package source

import (
	"context"
	"sync"
)

// flights runs one call per key at a time and shares its result with every
// caller that asks for the key meanwhile. The call's context ends when
// every caller has gone, so nobody pays for work nobody waits for.
type flights struct {
	mu    sync.Mutex
	calls map[string]*call
}

type call struct {
	done    chan struct{}
	waiters int
	cancel  context.CancelFunc
	entry   Entry
	err     error
}

// do returns the result of fn for key, running fn once for concurrent
// callers. fn gets a context detached from any one caller's.
func (f *flights) do(ctx context.Context, key string, fn func(context.Context) (Entry, error)) (Entry, error) {
	f.mu.Lock()
	if f.calls == nil {
		f.calls = map[string]*call{}
	}
	c, ok := f.calls[key]
	if !ok {
		cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		c = &call{done: make(chan struct{}), cancel: cancel}
		f.calls[key] = c
		go func() {
			c.entry, c.err = fn(cctx)
			f.mu.Lock()
			if f.calls[key] == c {
				delete(f.calls, key)
			}
			f.mu.Unlock()
			cancel()
			close(c.done)
		}()
	}
	c.waiters++
	f.mu.Unlock()

	select {
	case <-c.done:
		return c.entry, c.err
	case <-ctx.Done():
		f.mu.Lock()
		c.waiters--
		if c.waiters == 0 {
			c.cancel()
			if f.calls[key] == c {
				delete(f.calls, key) // a later caller starts afresh
			}
		}
		f.mu.Unlock()
		return Entry{}, ctx.Err()
	}
}
