package quota

import (
	"context"
	"time"

	"github.com/easelhq/easel"
)

// Usage is what GET /v1/usage answers: what a tenant stores and does,
// its limits, and what remains of them.
type Usage struct {
	TenantID string `json:"tenant_id"`
	easel.StoredUsage
	StoredBytes     int64          `json:"stored_bytes"`
	UploadsLastMin  int64          `json:"uploads_last_minute"`
	UploadsLastDay  int64          `json:"uploads_last_day"`
	RendersLastHour int64          `json:"renders_last_hour"`
	RendersLastDay  int64          `json:"renders_last_day"`
	Limits          Limits         `json:"limits"`
	Retention       RetentionTimes `json:"retention"`
	Remaining       Remaining      `json:"remaining"`
}

// RetentionTimes is a Retention as Go durations ("4380h0m0s"; "0s" keeps
// forever).
type RetentionTimes struct {
	Originals string `json:"originals"`
	Variants  string `json:"variants"`
}

// Remaining is what is left of each limit; nil for an unlimited one.
type Remaining struct {
	StoredBytes       *int64 `json:"stored_bytes"`
	UploadsThisMinute *int64 `json:"uploads_this_minute"`
	// Renders is the render tokens of the tenant's bucket on the node
	// that answered (each node has its own).
	Renders *int64 `json:"renders"`
}

// Usage reports the tenant's usage (render counts flushed from this node
// first, so they include its latest).
func (q *Quotas) Usage(ctx context.Context, tenantID string) (Usage, error) {
	p, err := q.Policy(ctx, tenantID)
	if err != nil {
		return Usage{}, err
	}
	q.Flush(ctx)
	stored, err := q.store.StoredUsage(ctx, tenantID)
	if err != nil {
		return Usage{}, err
	}
	now := q.now()
	u := Usage{TenantID: tenantID, StoredUsage: stored, StoredBytes: stored.Total(), Limits: p.Limits,
		Retention: RetentionTimes{Originals: p.Retention.Originals.String(), Variants: p.Retention.Variants.String()}}
	if u.UploadsLastMin, _, err = q.store.CountUploads(ctx, tenantID, now.Add(-time.Minute)); err != nil {
		return Usage{}, err
	}
	if u.UploadsLastDay, _, err = q.store.CountUploads(ctx, tenantID, now.Add(-24*time.Hour)); err != nil {
		return Usage{}, err
	}
	if u.RendersLastHour, err = q.store.CountRenders(ctx, tenantID, now.Add(-time.Hour).Truncate(time.Minute)); err != nil {
		return Usage{}, err
	}
	if u.RendersLastDay, err = q.store.CountRenders(ctx, tenantID, now.Add(-24*time.Hour).Truncate(time.Minute)); err != nil {
		return Usage{}, err
	}
	if p.MaxStoredBytes > 0 {
		u.Remaining.StoredBytes = ptr(max(0, p.MaxStoredBytes-u.StoredBytes))
	}
	if p.UploadsPerMinute > 0 {
		u.Remaining.UploadsThisMinute = ptr(max(0, p.UploadsPerMinute-u.UploadsLastMin))
	}
	if t := q.renderTokens(tenantID, p); t >= 0 {
		u.Remaining.Renders = ptr(int64(t))
	}
	q.mu.Lock()
	q.stored[tenantID] = cachedStored{bytes: u.StoredBytes, at: now}
	q.mu.Unlock()
	q.metrics.setStored(tenantID, u.StoredBytes)
	return u, nil
}

func ptr[T any](v T) *T { return &v }
