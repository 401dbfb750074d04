package tus

import (
	"context"
	"sync"

	"github.com/tus/tusd/v2/pkg/handler"
)

// heldLocker wraps a tusd locker and remembers which uploads are locked in
// this process, so the janitor leaves alone an upload a request is working
// on (a PATCH may outlast the upload's expiry).
type heldLocker struct {
	inner handler.Locker

	mu   sync.Mutex
	held map[string]int
}

var (
	_ handler.Locker = (*heldLocker)(nil)
	_ handler.Lock   = (*heldLock)(nil)
)

func newHeldLocker(inner handler.Locker) *heldLocker {
	return &heldLocker{inner: inner, held: map[string]int{}}
}

// NewLock returns a lock of upload id.
func (l *heldLocker) NewLock(id string) (handler.Lock, error) {
	lock, err := l.inner.NewLock(id)
	if err != nil {
		return nil, err
	}
	return &heldLock{inner: lock, id: id, locker: l}, nil
}

// isHeld reports whether a request of this process holds upload id's lock.
func (l *heldLocker) isHeld(id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held[id] > 0
}

func (l *heldLocker) add(id string, n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.held[id] += n
	if l.held[id] <= 0 {
		delete(l.held, id)
	}
}

type heldLock struct {
	inner  handler.Lock
	id     string
	locker *heldLocker
}

// Lock takes the lock and marks the upload held.
func (l *heldLock) Lock(ctx context.Context, requestRelease func()) error {
	if err := l.inner.Lock(ctx, requestRelease); err != nil {
		return err
	}
	l.locker.add(l.id, 1)
	return nil
}

// Unlock unmarks the upload and releases the lock.
func (l *heldLock) Unlock() error {
	l.locker.add(l.id, -1)
	return l.inner.Unlock()
}
