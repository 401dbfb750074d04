package delivery

import (
	"container/list"
	"sync"
)

// lru is a least-recently-used cache bounded by the total size of its values.
type lru[V any] struct {
	mu       sync.Mutex
	maxBytes int64
	bytes    int64
	ll       *list.List
	items    map[string]*list.Element
	sizeOf   func(V) int64
}

type lruEntry[V any] struct {
	key   string
	value V
	size  int64
}

func newLRU[V any](maxBytes int64, sizeOf func(V) int64) *lru[V] {
	return &lru[V]{maxBytes: maxBytes, ll: list.New(), items: make(map[string]*list.Element), sizeOf: sizeOf}
}

func (c *lru[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.ll.MoveToFront(el)
		return el.Value.(*lruEntry[V]).value, true
	}
	var zero V
	return zero, false
}

// add stores value unless it alone is larger than the cache.
func (c *lru[V]) add(key string, value V) {
	size := c.sizeOf(value) + int64(len(key))
	if size > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		e := el.Value.(*lruEntry[V])
		c.bytes += size - e.size
		e.value, e.size = value, size
		c.ll.MoveToFront(el)
	} else {
		c.items[key] = c.ll.PushFront(&lruEntry[V]{key: key, value: value, size: size})
		c.bytes += size
	}
	for c.bytes > c.maxBytes {
		old := c.ll.Back()
		e := old.Value.(*lruEntry[V])
		c.ll.Remove(old)
		delete(c.items, e.key)
		c.bytes -= e.size
	}
}

// removePrefix drops every key starting with prefix.
func (c *lru[V]) removePrefix(prefix string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, el := range c.items {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			c.bytes -= el.Value.(*lruEntry[V]).size
			c.ll.Remove(el)
			delete(c.items, k)
		}
	}
}

func (c *lru[V]) size() (n int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items), c.bytes
}
