package reports

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/easelhq/easel"
)

// SourceServer is the source of the groups the server recorded of itself.
const SourceServer = "server"

// maxPending bounds the groups a Recorder holds between flushes; records
// past it are dropped (and counted in the log).
const maxPending = 20000

// Recorder aggregates the server's own stage times (uploads, tasks,
// callbacks) per minute, tenant, stage and effect in memory, and adds
// them to the store every minute as source "server", so that /v1/stats
// answers the server's figures beside the apps'. It is safe for
// concurrent use.
type Recorder struct {
	store   Store
	region  string
	log     *slog.Logger
	now     func() time.Time
	mu      sync.Mutex
	pending map[recordKey]*easel.ReportMinute
	dropped int
}

type recordKey struct {
	tenant string
	minute time.Time
	group  easel.ReportGroup
}

// NewRecorder returns a Recorder adding to store, with region as the
// groups' region. A nil log discards.
func NewRecorder(store Store, region string, log *slog.Logger) *Recorder {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Recorder{store: store, region: region, log: log, now: time.Now, pending: map[recordKey]*easel.ReportMinute{}}
}

// Record adds one stage of a tenant's work: its time, or a failure
// (failed, with no time). Records without a tenant are ignored.
func (r *Recorder) Record(tenantID, stage, effect string, d time.Duration, failed bool) {
	if r == nil || tenantID == "" {
		return
	}
	g := easel.ReportGroup{Source: SourceServer, Stage: stage, Effect: effect, Region: r.region}
	if failed {
		g.FailedStage = stage
	}
	k := recordKey{tenantID, r.now().UTC().Truncate(time.Minute), g}
	r.mu.Lock()
	defer r.mu.Unlock()
	m := r.pending[k]
	if m == nil {
		if len(r.pending) >= maxPending {
			r.dropped++
			return
		}
		m = &easel.ReportMinute{TenantID: tenantID, Minute: k.minute, Group: g}
		r.pending[k] = m
	}
	m.Count++
	if failed {
		return
	}
	ms := float64(d) / float64(time.Millisecond)
	t := easel.MeasureTotal
	m.N[t]++
	m.Sum[t] += ms
	if m.Buckets[t] == nil {
		m.Buckets[t] = map[int]int64{}
	}
	m.Buckets[t][Bucket(ms)]++
}

// Flush adds what was recorded to the store. A failed add is logged and
// its records dropped: they are figures, not data.
func (r *Recorder) Flush(ctx context.Context) error {
	r.mu.Lock()
	pending, dropped := r.pending, r.dropped
	r.pending, r.dropped = map[recordKey]*easel.ReportMinute{}, 0
	r.mu.Unlock()
	if dropped > 0 {
		r.log.Warn("server figures: too many groups in a minute; records dropped", "dropped", dropped)
	}
	if len(pending) == 0 {
		return nil
	}
	ms := make([]easel.ReportMinute, 0, len(pending))
	for _, m := range pending {
		ms = append(ms, *m)
	}
	return r.store.AddReportMinutes(ctx, ms)
}

// Run flushes every interval until ctx is done, then once more.
func (r *Recorder) Run(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if err := r.Flush(fctx); err != nil {
				r.log.Warn("server figures not stored", "err", err)
			}
			cancel()
			return
		case <-tick.C:
			if err := r.Flush(ctx); err != nil && ctx.Err() == nil {
				r.log.Warn("server figures not stored", "err", err)
			}
		}
	}
}
