package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/config"
	"github.com/easelhq/easel/internal/observe"
	"github.com/easelhq/easel/internal/reports"
)

// observeConfig is the per-effect metrics' configuration.
func observeConfig(cfg config.Config) observe.Config {
	return observe.Config{Enabled: cfg.Metrics.Effects, Region: cfg.Metrics.Region,
		MaxTenants: cfg.Metrics.MaxTenants, MaxNames: cfg.Metrics.MaxNames}
}

// newReports returns the client report channel over meta, feeding the
// client series of effects.
func newReports(cfg config.Config, meta easel.ReportStore, effects *observe.Metrics) *reports.Reports {
	region := cfg.Metrics.Region
	if region == "" {
		region = observe.DefaultRegion
	}
	return reports.New(reports.Config{Region: region, Observe: func(tenantID string, r reports.Report) {
		ms, given := r.Measures()
		effects.Client(tenantID, observe.ClientReport{Effect: r.Effect, Region: r.Region, Network: r.Network,
			FailedStage: r.FailedStage, MS: ms, Given: given})
	}}, meta)
}

// newRecorder returns the recorder of the server's own figures for
// /v1/stats?source=server, fed by effects.
func newRecorder(cfg config.Config, meta easel.ReportStore, effects *observe.Metrics, log *slog.Logger) *reports.Recorder {
	region := cfg.Metrics.Region
	if region == "" {
		region = observe.DefaultRegion
	}
	rec := reports.NewRecorder(meta, region, log)
	effects.SetTap(rec.Record)
	return rec
}

// purgeReports deletes report aggregates older than reports.retention,
// hourly.
func (a *App) purgeReports(ctx context.Context) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if n, err := a.Meta.PurgeReportMinutes(ctx, time.Now().Add(-a.Config.Reports.Retention)); err != nil && ctx.Err() == nil {
			a.Log.Warn("purging report aggregates", "err", err)
		} else if n > 0 {
			a.Log.Info("purged report aggregates", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
