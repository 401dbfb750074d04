package source

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/easelhq/easel/transform"
)

// Entry is a fetched original with what revalidating it needs.
type Entry struct {
	Data         []byte
	Format       transform.Format // sniffed from Data
	ETag         string           // the origin's ETag, if any
	LastModified string           // the origin's Last-Modified, if any
	FetchedAt    time.Time        // when the origin last confirmed Data
}

// Cache keeps fetched originals by key (origin name and path). Get returns
// ok false and a nil error when key is not cached; Put replaces any entry
// of the key. Entries may disappear at any time (eviction); callers must
// not modify Data. Implementations are safe for concurrent use. The blob
// store implements it in production; MemoryCache is a small one.
type Cache interface {
	Get(ctx context.Context, key string) (e Entry, ok bool, err error)
	Put(ctx context.Context, key string, e Entry) error
}

var _ Cache = (*MemoryCache)(nil)

// MemoryCache is a Cache in memory holding at most MaxBytes of data,
// evicting the least recently put entries first.
type MemoryCache struct {
	MaxBytes int64

	mu      sync.Mutex
	entries map[string]Entry
	order   []string // keys, oldest put first
	size    int64
}

// NewMemoryCache returns an empty MemoryCache of maxBytes.
func NewMemoryCache(maxBytes int64) *MemoryCache {
	return &MemoryCache{MaxBytes: maxBytes, entries: map[string]Entry{}}
}

// Get returns the entry of key.
func (c *MemoryCache) Get(_ context.Context, key string) (Entry, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	return e, ok, nil
}

// Put stores e under key, evicting older entries to stay within MaxBytes.
// An entry larger than MaxBytes is not kept.
func (c *MemoryCache) Put(_ context.Context, key string, e Entry) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.entries[key]; ok {
		c.size -= int64(len(old.Data))
		delete(c.entries, key)
		c.order = slices.DeleteFunc(c.order, func(k string) bool { return k == key })
	}
	if int64(len(e.Data)) > c.MaxBytes {
		return nil
	}
	c.entries[key] = e
	c.order = append(c.order, key)
	c.size += int64(len(e.Data))
	for c.size > c.MaxBytes && len(c.order) > 0 {
		k := c.order[0]
		c.order = c.order[1:]
		c.size -= int64(len(c.entries[k].Data))
		delete(c.entries, k)
	}
	return nil
}
