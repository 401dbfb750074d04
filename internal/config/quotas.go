package config

import (
	"errors"
	"time"
)

// Quotas are the default per-tenant quotas and rate limits; a tenant's
// policy (`easel tenant policy`) overrides each. 0 is unlimited.
type Quotas struct {
	// MaxStoredBytes bounds what a tenant stores: originals, levels and
	// stored variants (429 quota_exceeded past it).
	MaxStoredBytes int64 `yaml:"max_stored_bytes"`
	// UploadsPerMinute bounds a tenant's uploads in any minute, over every
	// node (429 rate_limited).
	UploadsPerMinute int64 `yaml:"uploads_per_minute"`
	// RendersPerSecond is the rate of a tenant's token bucket of renders on
	// each node (429 rate_limited); RenderBurst its size (0 is
	// max(1, renders_per_second)).
	RendersPerSecond float64 `yaml:"renders_per_second"`
	RenderBurst      int64   `yaml:"render_burst"`
	// PolicyRefresh is how long a node holds a tenant's policy: a policy
	// changed with `easel tenant policy` applies everywhere within it.
	PolicyRefresh time.Duration `yaml:"policy_refresh"`
}

// Retention is the default per-tenant retention; a tenant's policy
// overrides each. 0 keeps forever.
type Retention struct {
	// Originals: assets older than this are deleted with their original,
	// levels and variants (Meitu: 4380h, six months).
	Originals time.Duration `yaml:"originals"`
	// Variants: stored variants older than this are deleted (they render
	// again on demand).
	Variants time.Duration `yaml:"variants"`
	// Interval is the time between runs of the janitor; BatchSize how many
	// items it deletes at a time.
	Interval  time.Duration `yaml:"interval"`
	BatchSize int           `yaml:"batch_size"`
}

func defaultQuotas() Quotas { return Quotas{PolicyRefresh: 10 * time.Second} }

func defaultRetention() Retention { return Retention{Interval: time.Hour, BatchSize: 100} }

func (q Quotas) validate() error {
	if q.MaxStoredBytes < 0 || q.UploadsPerMinute < 0 || !(q.RendersPerSecond >= 0) || q.RenderBurst < 0 {
		return errors.New("config: quotas must not be negative (0 is unlimited)")
	}
	if q.PolicyRefresh <= 0 {
		return errors.New("config: quotas.policy_refresh must be positive")
	}
	return nil
}

func (r Retention) validate() error {
	if r.Originals < 0 || r.Variants < 0 {
		return errors.New("config: retention.originals and retention.variants must not be negative (0 keeps forever)")
	}
	if r.Interval <= 0 || r.BatchSize < 1 || r.BatchSize > 10000 {
		return errors.New("config: retention.interval must be positive, retention.batch_size 1..10000")
	}
	return nil
}
