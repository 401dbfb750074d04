package retention

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/quota"
)

// LeaseName is the lease the janitors of every node share.
const LeaseName = "retention-janitor"

// Config configures the Janitor.
type Config struct {
	// Interval is the time between runs.
	Interval time.Duration
	// BatchSize is how many items are journalled and deleted at a time.
	BatchSize int
	// LeaseTTL is how long a janitor holds the lease without renewing it
	// (it renews at every batch): a janitor that died is relieved after it.
	LeaseTTL time.Duration
}

// NewDefaultConfig returns hourly runs of batches of 100.
func NewDefaultConfig() Config {
	return Config{Interval: time.Hour, BatchSize: 100, LeaseTTL: 2 * time.Minute}
}

// Store is what the Janitor needs of the metadata.
type Store interface {
	easel.RetentionStore
	ListTenants(ctx context.Context) ([]easel.Tenant, error)
}

// Policies returns a tenant's effective retention. internal/quota.Quotas
// is the real one.
type Policies interface {
	Policy(ctx context.Context, tenantID string) (quota.Policy, error)
}

// Remover deletes an asset with its blobs, idempotently.
// internal/assets.Assets is the real one.
type Remover interface {
	Remove(ctx context.Context, a easel.Asset) error
}

// Janitor deletes expired originals and variants.
type Janitor struct {
	cfg      Config
	store    Store
	policies Policies
	assets   Remover
	blobs    easel.BlobStore // deletes variants (and forgets their records)
	log      *slog.Logger
	holder   string
	now      func() time.Time

	deleted *prometheus.CounterVec
	bytes   *prometheus.CounterVec
	runs    *prometheus.CounterVec
}

// New returns a Janitor. blobs must forget the records of the variants it
// deletes (internal/quota.RecordVariants).
func New(cfg Config, store Store, policies Policies, assets Remover, blobs easel.BlobStore, log *slog.Logger) *Janitor {
	d := NewDefaultConfig()
	if cfg.Interval <= 0 {
		cfg.Interval = d.Interval
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = d.BatchSize
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = d.LeaseTTL
	}
	return &Janitor{cfg: cfg, store: store, policies: policies, assets: assets, blobs: blobs, log: log,
		holder: easel.NewID(), now: time.Now,
		deleted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "easel_retention_deleted_total", Help: "Items the retention janitor deleted, by tenant and kind (original, variant).",
		}, []string{"tenant", "kind"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "easel_retention_deleted_bytes_total", Help: "Bytes the retention janitor deleted, by tenant and kind.",
		}, []string{"tenant", "kind"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "easel_retention_runs_total", Help: "Runs of the retention janitor on this node, by outcome (done, skipped: another node holds the lease, failed).",
		}, []string{"outcome"}),
	}
}

// Collectors returns the janitor's Prometheus collectors.
func (j *Janitor) Collectors() []prometheus.Collector {
	return []prometheus.Collector{j.deleted, j.bytes, j.runs}
}

// Run runs the janitor every Config.Interval until ctx ends.
func (j *Janitor) Run(ctx context.Context) error {
	tick := time.NewTicker(j.cfg.Interval)
	defer tick.Stop()
	for {
		if _, err := j.RunOnce(ctx); err != nil && ctx.Err() == nil {
			j.log.Warn("retention: run failed; trying again at the next", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Report is what one run did.
type Report struct {
	// Ran is false when another node held the lease.
	Ran       bool
	Originals int
	Variants  int
	Bytes     int64
}

// RunOnce takes the lease and, holding it, finishes the journalled items,
// then deletes every tenant's expired originals and variants in batches.
func (j *Janitor) RunOnce(ctx context.Context) (Report, error) {
	var rep Report
	ok, err := j.store.AcquireLease(ctx, LeaseName, j.holder, j.cfg.LeaseTTL)
	if err != nil {
		j.runs.WithLabelValues("failed").Inc()
		return rep, err
	}
	if !ok {
		j.runs.WithLabelValues("skipped").Inc()
		return rep, nil
	}
	rep.Ran = true
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := j.store.ReleaseLease(rctx, LeaseName, j.holder); err != nil {
			j.log.Warn("retention: releasing the lease", "err", err)
		}
	}()
	if err := j.run(ctx, &rep); err != nil {
		j.runs.WithLabelValues("failed").Inc()
		return rep, err
	}
	j.runs.WithLabelValues("done").Inc()
	if rep.Originals+rep.Variants > 0 {
		j.log.Info("retention: deleted what expired", "originals", rep.Originals, "variants", rep.Variants, "bytes", rep.Bytes)
	}
	return rep, nil
}

func (j *Janitor) run(ctx context.Context, rep *Report) error {
	// What a run stopped midway journalled comes first.
	for {
		pending, err := j.store.PendingRetention(ctx, j.cfg.BatchSize)
		if err != nil {
			return err
		}
		if len(pending) == 0 {
			break
		}
		if err := j.finish(ctx, pending, rep); err != nil {
			return err
		}
	}
	tenants, err := j.store.ListTenants(ctx)
	if err != nil {
		return err
	}
	for _, t := range tenants {
		p, err := j.policies.Policy(ctx, t.ID)
		if err != nil {
			return err
		}
		if p.Retention.Originals > 0 {
			if err := j.expire(ctx, t.ID, p.Retention.Originals, j.originals, rep); err != nil {
				return err
			}
		}
		if p.Retention.Variants > 0 {
			if err := j.expire(ctx, t.ID, p.Retention.Variants, j.variants, rep); err != nil {
				return err
			}
		}
	}
	return nil
}

// expire journals and deletes batches of what batch finds until none is left.
func (j *Janitor) expire(ctx context.Context, tenantID string, keep time.Duration,
	batch func(ctx context.Context, tenantID string, before time.Time) ([]easel.RetentionItem, error), rep *Report) error {
	before := j.now().Add(-keep)
	for {
		items, err := batch(ctx, tenantID, before)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		if err := j.store.BeginRetention(ctx, items); err != nil {
			return err
		}
		if err := j.finish(ctx, items, rep); err != nil {
			return err
		}
	}
}

func (j *Janitor) originals(ctx context.Context, tenantID string, before time.Time) ([]easel.RetentionItem, error) {
	assets, err := j.store.ExpiredAssets(ctx, tenantID, before, j.cfg.BatchSize)
	if err != nil {
		return nil, err
	}
	now := j.now()
	items := make([]easel.RetentionItem, len(assets))
	for i, a := range assets {
		items[i] = easel.RetentionItem{ID: easel.NewID(), TenantID: tenantID, Kind: easel.RetentionOriginal, AssetID: a.ID,
			Key: a.SHA256, Bytes: a.Bytes + a.LevelsBytes, CreatedAt: a.CreatedAt, StartedAt: now}
	}
	return items, nil
}

func (j *Janitor) variants(ctx context.Context, tenantID string, before time.Time) ([]easel.RetentionItem, error) {
	vs, err := j.store.ExpiredVariants(ctx, tenantID, before, j.cfg.BatchSize)
	if err != nil {
		return nil, err
	}
	now := j.now()
	items := make([]easel.RetentionItem, len(vs))
	for i, v := range vs {
		items[i] = easel.RetentionItem{ID: easel.NewID(), TenantID: tenantID, Kind: easel.RetentionVariant, AssetID: v.AssetID,
			Key: v.Key, Bytes: v.Bytes, CreatedAt: v.CreatedAt, StartedAt: now}
	}
	return items, nil
}

// finish deletes journalled items and marks them done, renewing the lease
// first: a janitor that lost it stops.
func (j *Janitor) finish(ctx context.Context, items []easel.RetentionItem, rep *Report) error {
	ok, err := j.store.AcquireLease(ctx, LeaseName, j.holder, j.cfg.LeaseTTL)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("retention: lost the lease to another node")
	}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		switch it.Kind {
		case easel.RetentionOriginal:
			err = j.assets.Remove(ctx, easel.Asset{ID: it.AssetID, TenantID: it.TenantID, SHA256: it.Key})
		case easel.RetentionVariant:
			err = j.blobs.Delete(ctx, it.Key)
		default:
			err = fmt.Errorf("retention: item %s has kind %q", it.ID, it.Kind)
		}
		if err != nil {
			return fmt.Errorf("retention: delete %s %s of asset %s: %w", it.Kind, it.Key, it.AssetID, err)
		}
		if err := j.store.FinishRetention(ctx, it.ID, j.now()); err != nil {
			return err
		}
		j.deleted.WithLabelValues(it.TenantID, it.Kind).Inc()
		j.bytes.WithLabelValues(it.TenantID, it.Kind).Add(float64(it.Bytes))
		if it.Kind == easel.RetentionOriginal {
			rep.Originals++
		} else {
			rep.Variants++
		}
		rep.Bytes += it.Bytes
	}
	return nil
}
