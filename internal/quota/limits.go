package quota

import (
	"time"

	"github.com/easelhq/easel"
)

// Limits are a tenant's effective quotas and rate limits; 0 is unlimited.
type Limits struct {
	MaxStoredBytes   int64   `json:"max_stored_bytes"`
	UploadsPerMinute int64   `json:"uploads_per_minute"`
	RendersPerSecond float64 `json:"renders_per_second"`
	// RenderBurst is the token bucket's size: renders a tenant may start
	// at once after a quiet spell. 0 is max(1, RendersPerSecond).
	RenderBurst int64 `json:"render_burst"`
}

// Retention is how long a tenant's things are kept; 0 is forever.
type Retention struct {
	Originals time.Duration `json:"originals"`
	Variants  time.Duration `json:"variants"`
}

// Policy is a tenant's effective limits and retention.
type Policy struct {
	Limits
	Retention Retention `json:"retention"`
}

// Resolve applies the tenant's overrides p to the defaults.
func Resolve(defaults Policy, p easel.TenantPolicy) Policy {
	out := defaults
	if p.MaxStoredBytes != nil {
		out.MaxStoredBytes = *p.MaxStoredBytes
	}
	if p.UploadsPerMinute != nil {
		out.UploadsPerMinute = *p.UploadsPerMinute
	}
	if p.RendersPerSecond != nil {
		out.RendersPerSecond = *p.RendersPerSecond
	}
	if p.RenderBurst != nil {
		out.RenderBurst = *p.RenderBurst
	}
	if p.RetentionOriginals != nil {
		out.Retention.Originals = *p.RetentionOriginals
	}
	if p.RetentionVariants != nil {
		out.Retention.Variants = *p.RetentionVariants
	}
	return out
}

// burst is the bucket size of a render rate.
func (l Limits) burst() float64 {
	if l.RenderBurst > 0 {
		return float64(l.RenderBurst)
	}
	return max(1, l.RendersPerSecond)
}
