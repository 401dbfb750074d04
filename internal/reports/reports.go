package reports

import (
	"context"
	"time"

	"github.com/easelhq/easel"
)

// Store keeps per-minute aggregates (internal/meta's stores are ones).
type Store interface {
	AddReportMinutes(ctx context.Context, ms []easel.ReportMinute) error
	ReportMinutes(ctx context.Context, tenantID string, from, to time.Time) ([]easel.ReportMinute, error)
}

// Config configures Reports.
type Config struct {
	// Region is given to reports that name none (the node's region).
	Region string
	// Observe, when not nil, is told of every report stored (for
	// metrics). It must be cheap.
	Observe func(tenantID string, r Report)
}

// Reports is the client report channel's use case.
type Reports struct {
	cfg   Config
	store Store
	now   func() time.Time
}

// New returns Reports over store.
func New(cfg Config, store Store) *Reports {
	return &Reports{cfg: cfg, store: store, now: time.Now}
}

// SourceClient is the source of the groups apps reported.
const SourceClient = "client"

// SubmitResult is what Submit accepted.
type SubmitResult struct {
	Accepted int `json:"accepted"`
	// Groups is how many per-minute groups the batch added to.
	Groups int `json:"groups"`
}

// Submit stores a batch decoded by Decode for the tenant: aggregated per
// minute and group, added in one transaction (all or nothing).
func (s *Reports) Submit(ctx context.Context, tenantID string, batch []Report) (SubmitResult, error) {
	if len(batch) == 0 || len(batch) > MaxBatch {
		return SubmitResult{}, easel.Errorf(easel.CodeInvalidArgument, "reports: want 1..%d reports, got %d", MaxBatch, len(batch))
	}
	ms := Aggregate(tenantID, s.cfg.Region, batch)
	if err := s.store.AddReportMinutes(ctx, ms); err != nil {
		return SubmitResult{}, err
	}
	if s.cfg.Observe != nil {
		for _, r := range batch {
			if r.Region == "" {
				r.Region = s.cfg.Region
			}
			s.cfg.Observe(tenantID, r)
		}
	}
	return SubmitResult{Accepted: len(batch), Groups: len(ms)}, nil
}

// Aggregate sums reports per minute of their at and per group (region
// defaults to region).
func Aggregate(tenantID, region string, batch []Report) []easel.ReportMinute {
	type id struct {
		minute time.Time
		group  easel.ReportGroup
	}
	index := map[id]int{}
	var out []easel.ReportMinute
	for _, r := range batch {
		g := easel.ReportGroup{Source: SourceClient, Effect: r.Effect, Region: r.Region, Network: r.Network,
			Country: r.Country, AppVersion: r.AppVersion, FailedStage: r.FailedStage}
		if g.Region == "" {
			g.Region = region
		}
		at := time.Now()
		if r.At != nil {
			at = *r.At
		}
		k := id{at.UTC().Truncate(time.Minute), g}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, easel.ReportMinute{TenantID: tenantID, Minute: k.minute, Group: g})
		}
		m := &out[i]
		m.Count++
		if r.Bytes != nil {
			m.Bytes += *r.Bytes
		}
		ms, given := r.Measures()
		for j := range easel.Measures {
			if !given[j] {
				continue
			}
			m.N[j]++
			m.Sum[j] += ms[j]
			if m.Buckets[j] == nil {
				m.Buckets[j] = map[int]int64{}
			}
			m.Buckets[j][Bucket(ms[j])]++
		}
	}
	return out
}
