package quota

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/easelhq/easel"
)

// Config configures Quotas.
type Config struct {
	// Defaults apply to every tenant whose policy does not override them.
	Defaults Policy
	// PolicyTTL is how long a tenant's policy is held in memory: a policy
	// changed with `easel tenant policy` applies everywhere within it.
	PolicyTTL time.Duration
	// StoredTTL is how long a tenant's stored bytes, read from the
	// metadata, are trusted (uploads made here meanwhile are added).
	StoredTTL time.Duration
	// FlushEvery is how often the render counts are written to the
	// metadata (for usage).
	FlushEvery time.Duration
}

// NewDefaultConfig returns a Config with no limits.
func NewDefaultConfig() Config {
	return Config{PolicyTTL: 10 * time.Second, StoredTTL: 5 * time.Second, FlushEvery: 10 * time.Second}
}

// Store is what Quotas needs of the metadata.
type Store interface {
	easel.QuotaStore
}

// Quotas checks and counts what tenants do. It is safe for concurrent use.
type Quotas struct {
	cfg     Config
	store   Store
	log     *slog.Logger
	now     func() time.Time
	metrics *metrics

	mu       sync.Mutex
	policies map[string]cachedPolicy
	buckets  map[string]*bucket
	stored   map[string]cachedStored
	uploads  map[string]int   // uploads admitted and not finished, by tenant
	renders  map[string]int64 // renders not yet flushed, by tenant
}

type cachedPolicy struct {
	p  Policy
	at time.Time
}

type cachedStored struct {
	bytes int64
	at    time.Time
}

// New returns Quotas over store.
func New(cfg Config, store Store, log *slog.Logger) *Quotas {
	d := NewDefaultConfig()
	if cfg.PolicyTTL <= 0 {
		cfg.PolicyTTL = d.PolicyTTL
	}
	if cfg.StoredTTL <= 0 {
		cfg.StoredTTL = d.StoredTTL
	}
	if cfg.FlushEvery <= 0 {
		cfg.FlushEvery = d.FlushEvery
	}
	return &Quotas{cfg: cfg, store: store, log: log, now: time.Now, metrics: newMetrics(),
		policies: map[string]cachedPolicy{}, buckets: map[string]*bucket{}, stored: map[string]cachedStored{},
		uploads: map[string]int{}, renders: map[string]int64{}}
}

// Policy returns the tenant's effective policy, held for Config.PolicyTTL.
func (q *Quotas) Policy(ctx context.Context, tenantID string) (Policy, error) {
	now := q.now()
	q.mu.Lock()
	c, ok := q.policies[tenantID]
	q.mu.Unlock()
	if ok && now.Sub(c.at) < q.cfg.PolicyTTL {
		return c.p, nil
	}
	tp, err := q.store.TenantPolicy(ctx, tenantID)
	if err != nil {
		if ok { // a stale policy beats failing every request
			q.log.Warn("quota: reading tenant policy failed; using the one held", "tenant", tenantID, "err", err)
			return c.p, nil
		}
		return Policy{}, err
	}
	p := Resolve(q.cfg.Defaults, tp)
	q.mu.Lock()
	q.policies[tenantID] = cachedPolicy{p: p, at: now}
	q.mu.Unlock()
	return p, nil
}

// Invalidate drops what is held about the tenant (after its policy changed
// on this node).
func (q *Quotas) Invalidate(tenantID string) {
	q.mu.Lock()
	delete(q.policies, tenantID)
	delete(q.stored, tenantID)
	q.mu.Unlock()
}

func limited(code easel.Code, wait time.Duration, format string, args ...any) error {
	wait = max(wait, time.Second)
	return easel.WrapError(code, easel.RetryAfter(wait), format, args...)
}

// AdmitUpload admits one upload of the tenant, before its body is read:
// uploads_per_minute counts the uploads stored in the last minute on every
// node and those in progress on this one; a tenant at or past its stored
// bytes is refused too. done must be called once, with the stored asset
// (nil when the upload failed or was a replay).
func (q *Quotas) AdmitUpload(ctx context.Context, tenantID string) (done func(a *easel.Asset), err error) {
	p, err := q.Policy(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	now := q.now()
	if p.UploadsPerMinute > 0 {
		n, oldest, err := q.store.CountUploads(ctx, tenantID, now.Add(-time.Minute))
		if err != nil {
			return nil, err
		}
		q.mu.Lock()
		n += int64(q.uploads[tenantID])
		q.mu.Unlock()
		if n >= p.UploadsPerMinute {
			wait := time.Second
			if !oldest.IsZero() {
				wait = oldest.Add(time.Minute).Sub(now)
			}
			q.metrics.refused(tenantID, "uploads")
			return nil, limited(easel.CodeRateLimited, wait, "more than %d uploads a minute; retry later", p.UploadsPerMinute)
		}
	}
	if err := q.checkStored(ctx, tenantID, p, 0); err != nil {
		return nil, err
	}
	q.mu.Lock()
	q.uploads[tenantID]++
	q.mu.Unlock()
	var once sync.Once
	return func(a *easel.Asset) {
		once.Do(func() { q.finishUpload(tenantID, a) })
	}, nil
}

func (q *Quotas) finishUpload(tenantID string, a *easel.Asset) {
	defer func() {
		q.mu.Lock()
		if q.uploads[tenantID]--; q.uploads[tenantID] <= 0 {
			delete(q.uploads, tenantID)
		}
		q.mu.Unlock()
	}()
	if a == nil {
		return
	}
	q.metrics.uploaded(tenantID, a.Bytes)
	q.mu.Lock()
	if c, ok := q.stored[tenantID]; ok {
		c.bytes += a.Bytes
		q.stored[tenantID] = c
	}
	q.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := q.store.RecordUpload(ctx, tenantID, a.Bytes, a.CreatedAt); err != nil {
		q.log.Warn("quota: upload not counted", "tenant", tenantID, "asset", a.ID, "err", err)
	}
}

// CheckStore refuses an upload of size bytes that would take the tenant
// past its stored bytes (quota_exceeded).
func (q *Quotas) CheckStore(ctx context.Context, tenantID string, size int64) error {
	p, err := q.Policy(ctx, tenantID)
	if err != nil {
		return err
	}
	return q.checkStored(ctx, tenantID, p, size)
}

func (q *Quotas) checkStored(ctx context.Context, tenantID string, p Policy, size int64) error {
	if p.MaxStoredBytes <= 0 {
		return nil
	}
	stored, err := q.storedBytes(ctx, tenantID)
	if err != nil {
		return err
	}
	if stored+size > p.MaxStoredBytes || (size == 0 && stored >= p.MaxStoredBytes) {
		q.metrics.refused(tenantID, "stored_bytes")
		// Stored bytes fall only when assets are deleted or expire.
		return limited(easel.CodeQuotaExceeded, time.Hour, "the tenant stores %d bytes; its quota is %d bytes", stored, p.MaxStoredBytes)
	}
	return nil
}

// storedBytes returns the tenant's stored bytes, read at most every
// Config.StoredTTL.
func (q *Quotas) storedBytes(ctx context.Context, tenantID string) (int64, error) {
	now := q.now()
	q.mu.Lock()
	c, ok := q.stored[tenantID]
	q.mu.Unlock()
	if ok && now.Sub(c.at) < q.cfg.StoredTTL {
		return c.bytes, nil
	}
	u, err := q.store.StoredUsage(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	q.mu.Lock()
	q.stored[tenantID] = cachedStored{bytes: u.Total(), at: now}
	q.mu.Unlock()
	q.metrics.setStored(tenantID, u.Total())
	return u.Total(), nil
}

// AdmitRender takes one render of the tenant from its token bucket
// (renders_per_second, render_burst), or refuses with rate_limited and how
// long until the next token.
func (q *Quotas) AdmitRender(ctx context.Context, tenantID string) error {
	p, err := q.Policy(ctx, tenantID)
	if err != nil {
		return err
	}
	now := q.now()
	q.mu.Lock()
	if p.RendersPerSecond > 0 {
		b := q.buckets[tenantID]
		if b == nil {
			b = &bucket{}
			q.buckets[tenantID] = b
		}
		if ok, wait := b.take(now, p.RendersPerSecond, p.burst()); !ok {
			q.mu.Unlock()
			q.metrics.refused(tenantID, "renders")
			return limited(easel.CodeRateLimited, wait, "more than %g renders a second; retry shortly", p.RendersPerSecond)
		}
	}
	q.renders[tenantID]++
	q.mu.Unlock()
	q.metrics.rendered(tenantID)
	return nil
}

// renderTokens returns the renders the tenant may start now on this node
// (-1: unlimited).
func (q *Quotas) renderTokens(tenantID string, p Policy) float64 {
	if p.RendersPerSecond <= 0 {
		return -1
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	b := q.buckets[tenantID]
	if b == nil {
		return p.burst()
	}
	return b.available(q.now(), p.RendersPerSecond, p.burst())
}

// Run writes the render counts to the metadata every Config.FlushEvery
// and purges counts older than a day, until ctx ends (then it flushes once
// more).
func (q *Quotas) Run(ctx context.Context) {
	tick := time.NewTicker(q.cfg.FlushEvery)
	defer tick.Stop()
	var lastPurge time.Time
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			q.Flush(fctx)
			cancel()
			return
		case <-tick.C:
			q.Flush(ctx)
			if now := q.now(); now.Sub(lastPurge) >= time.Hour {
				if err := q.store.PurgeUsage(ctx, now.Add(-25*time.Hour)); err != nil && ctx.Err() == nil {
					q.log.Warn("quota: purging old usage counts", "err", err)
				}
				lastPurge = now
			}
		}
	}
}

// Flush writes the render counts held in memory to the metadata; counts it
// could not write are kept for the next flush.
func (q *Quotas) Flush(ctx context.Context) {
	q.mu.Lock()
	pending := q.renders
	q.renders = map[string]int64{}
	q.mu.Unlock()
	now := q.now()
	for tenant, n := range pending {
		if err := q.store.AddRenders(ctx, tenant, now, n); err != nil {
			q.log.Warn("quota: render counts not written", "tenant", tenant, "err", err)
			q.mu.Lock()
			q.renders[tenant] += n
			q.mu.Unlock()
		}
	}
}
