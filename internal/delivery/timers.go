package delivery

import "github.com/easelhq/easel/transform"

// Timer observes a duration in seconds (prometheus.Observer is one).
type Timer interface{ Observe(seconds float64) }

// TimerBinder is an Observer that also times deliveries per rendering: the
// Timer it returns for a rendering of opts of the tenant answered by layer
// (memory, store, render) is bound to that rendering once (Rendered.Timer),
// so a cached hit looks up no labels. A nil Timer times nothing.
type TimerBinder interface {
	DeliveryTimer(tenantID string, opts transform.Options, layer string) Timer
}

// bindTimers binds r's Timer and its memory-cache copy's, then caches
// the copy.
func (d *Delivery) bindTimers(res *Resolved, r *Rendered) {
	c := r.cached(res.key)
	if d.timers != nil {
		r.Timer = d.timers.DeliveryTimer(res.asset.TenantID, res.opts, r.Layer)
		c.Timer = d.timers.DeliveryTimer(res.asset.TenantID, res.opts, c.Layer)
	}
	d.cache.add(res.key, c)
}

// Labels returns the tenant and options of a request Resolve verified
// the slow way (empty for a memory-cache hit): what a failed render is
// counted under.
func (r *Resolved) Labels() (tenantID string, opts transform.Options) {
	return r.asset.TenantID, r.opts
}
