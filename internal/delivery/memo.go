package delivery

import (
	"context"
	"sync"
	"sync/atomic"
)

// KeyVerifier is a Verifier that also tells which key verified a signature
// and whether that key is still live. With one, Delivery computes the HMAC
// of a URL once while its key lives: later hits of the same URL check only
// that the key was not revoked. internal/keys.Keys is one.
type KeyVerifier interface {
	Verifier
	// VerifyKey is Verify returning the ID of the matching key, "" when
	// none matched.
	VerifyKey(ctx context.Context, tenantID, sig, path string) (keyID string, err error)
	// Generation must change whenever the set of live keys may have
	// changed, and cost one atomic load.
	Generation() uint64
	// KeyLive reports whether the tenant's key with this ID is still active.
	KeyLive(tenantID, keyID string) bool
}

// memoLimit bounds the URLs remembered; past it the memo starts afresh.
const memoLimit = 50_000

// urlKey names a delivery URL as requested: its escaped path, and for f_auto
// URLs the Accept header the format was negotiated from.
type urlKey struct {
	path   string
	accept string
}

// urlMemo remembers, per delivery URL, its cache key and which signing key
// verified it, so that a memory-cache hit re-parses and re-verifies nothing.
type urlMemo struct {
	mu sync.RWMutex
	m  map[urlKey]*urlEntry
}

// urlEntry is what a URL resolved to. Its fields are set once; gen changes
// as keys reload. It holds no rendering, so an evicted one is freed.
type urlEntry struct {
	auto     bool   // f_auto: look again under the Accept header
	key      string // memory cache key
	vary     bool
	tenantID string
	keyID    string // "" when the URL is unsigned (allowed by config)
	gen      atomic.Uint64
}

func (m *urlMemo) get(k urlKey) *urlEntry {
	m.mu.RLock()
	e := m.m[k]
	m.mu.RUnlock()
	return e
}

func (m *urlMemo) put(k urlKey, e *urlEntry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil || len(m.m) >= memoLimit {
		m.m = make(map[urlKey]*urlEntry)
	}
	m.m[k] = e
}

// resolveKnown answers a request for a URL resolved and verified before
// whose rendering is in the memory cache. ok is false when the slow path
// must run: the URL is unknown, its rendering was evicted, or its key may
// have been revoked (the slow path then re-verifies and refuses).
func (d *Delivery) resolveKnown(req Request) (*Resolved, bool) {
	if d.kv == nil {
		return nil, false
	}
	e := d.memo.get(urlKey{path: req.Path})
	if e != nil && e.auto {
		e = d.memo.get(urlKey{path: req.Path, accept: req.Accept})
	}
	if e == nil {
		return nil, false
	}
	if e.keyID != "" {
		if g := d.kv.Generation(); e.gen.Load() != g {
			if !d.kv.KeyLive(e.tenantID, e.keyID) {
				return nil, false
			}
			e.gen.Store(g)
		}
	}
	hit, ok := d.cache.get(e.key)
	if !ok {
		return nil, false
	}
	return hit.resolvedHit(e.vary), true
}

// remember records that the URL of req resolved to key and was verified by
// keyID (from gen), for resolveKnown.
func (d *Delivery) remember(req Request, res *Resolved, tenantID, keyID string, gen uint64) {
	if d.kv == nil {
		return
	}
	e := &urlEntry{key: res.key, vary: res.Vary, tenantID: tenantID, keyID: keyID}
	e.gen.Store(gen)
	if res.Vary {
		d.memo.put(urlKey{path: req.Path}, &urlEntry{auto: true})
		d.memo.put(urlKey{path: req.Path, accept: req.Accept}, e)
		return
	}
	d.memo.put(urlKey{path: req.Path}, e)
}
