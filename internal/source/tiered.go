package source

import "context"

var _ Cache = Tiered{}

// Tiered is a Cache of two layers: Front (small and fast, such as a
// MemoryCache) answers first; Back (such as a BlobCache) answers what
// Front does not hold, and its answers are copied into Front. Put writes
// both, Back first.
type Tiered struct {
	Front, Back Cache
}

// Get returns the entry of key from Front, else from Back.
func (t Tiered) Get(ctx context.Context, key string) (Entry, bool, error) {
	if e, ok, err := t.Front.Get(ctx, key); err == nil && ok {
		return e, true, nil
	}
	e, ok, err := t.Back.Get(ctx, key)
	if err != nil || !ok {
		return e, ok, err
	}
	_ = t.Front.Put(ctx, key, e) // the front is a copy: failing to fill it loses nothing
	return e, true, nil
}

// Put stores e in Back, then in Front.
func (t Tiered) Put(ctx context.Context, key string, e Entry) error {
	if err := t.Back.Put(ctx, key, e); err != nil {
		return err
	}
	return t.Front.Put(ctx, key, e)
}
