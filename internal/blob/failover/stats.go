package failover

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// counters are the Store's metrics, all monotonic.
type counters struct {
	primaryPuts, secondaryPuts, failedPuts, secondaryReads atomic.Int64
	copiedToPrimary, copiedToSecondary, replayed, walked   atomic.Int64
	passes, passErrors, stepErrors                         atomic.Int64
}

// Stats is a snapshot of a Store's counters.
type Stats struct {
	PrimaryPuts       int64 // puts the primary took
	SecondaryPuts     int64 // puts that fell over to the secondary
	FailedPuts        int64 // puts neither side took
	SecondaryReads    int64 // reads the secondary answered
	CopiedToPrimary   int64 // blobs the reconciler copied to the primary
	CopiedToSecondary int64 // blobs the reconciler copied to the secondary
	Replayed          int64 // journal entries settled
	Walked            int64 // keys the reconciler's walks saw
	Passes            int64 // reconciler passes
	PassErrors        int64 // passes that left something undone
	StepErrors        int64 // failed copies and deletes
	Pending           int64 // journal entries still owed (a gauge)
}

// Stats returns the current counters.
func (s *Store) Stats() Stats {
	c := &s.stats
	return Stats{
		PrimaryPuts: c.primaryPuts.Load(), SecondaryPuts: c.secondaryPuts.Load(), FailedPuts: c.failedPuts.Load(),
		SecondaryReads: c.secondaryReads.Load(), CopiedToPrimary: c.copiedToPrimary.Load(),
		CopiedToSecondary: c.copiedToSecondary.Load(), Replayed: c.replayed.Load(), Walked: c.walked.Load(),
		Passes: c.passes.Load(), PassErrors: c.passErrors.Load(), StepErrors: c.stepErrors.Load(),
		Pending: int64(s.journal.len()),
	}
}

// Collector exposes Stats to Prometheus as easel_blob_failover_* metrics.
// Register it on the caller's own registry; nothing is registered globally.
func (s *Store) Collector() prometheus.Collector { return collector{s} }

type collector struct{ s *Store }

type metric struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(Stats) int64
}

func newMetric(name, help string, kind prometheus.ValueType, v func(Stats) int64) metric {
	return metric{prometheus.NewDesc("easel_blob_failover_"+name, help, nil, nil), kind, v}
}

var metrics = []metric{
	newMetric("primary_puts_total", "Puts the primary origin took.", prometheus.CounterValue, func(s Stats) int64 { return s.PrimaryPuts }),
	newMetric("secondary_puts_total", "Puts that fell over to the secondary origin.", prometheus.CounterValue, func(s Stats) int64 { return s.SecondaryPuts }),
	newMetric("failed_puts_total", "Puts neither origin took.", prometheus.CounterValue, func(s Stats) int64 { return s.FailedPuts }),
	newMetric("secondary_reads_total", "Reads the secondary origin answered.", prometheus.CounterValue, func(s Stats) int64 { return s.SecondaryReads }),
	newMetric("copied_to_primary_total", "Blobs the reconciler copied to the primary.", prometheus.CounterValue, func(s Stats) int64 { return s.CopiedToPrimary }),
	newMetric("copied_to_secondary_total", "Blobs the reconciler copied to the secondary.", prometheus.CounterValue, func(s Stats) int64 { return s.CopiedToSecondary }),
	newMetric("journal_replayed_total", "Journal entries the reconciler settled.", prometheus.CounterValue, func(s Stats) int64 { return s.Replayed }),
	newMetric("walked_keys_total", "Keys the reconciler's walks saw.", prometheus.CounterValue, func(s Stats) int64 { return s.Walked }),
	newMetric("reconcile_passes_total", "Reconciler passes.", prometheus.CounterValue, func(s Stats) int64 { return s.Passes }),
	newMetric("reconcile_pass_errors_total", "Reconciler passes that left something undone.", prometheus.CounterValue, func(s Stats) int64 { return s.PassErrors }),
	newMetric("reconcile_step_errors_total", "Failed reconciler copies and deletes.", prometheus.CounterValue, func(s Stats) int64 { return s.StepErrors }),
	newMetric("journal_pending", "Journal entries still owed.", prometheus.GaugeValue, func(s Stats) int64 { return s.Pending }),
}

func (collector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range metrics {
		ch <- m.desc
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Stats()
	for _, m := range metrics {
		ch <- prometheus.MustNewConstMetric(m.desc, m.kind, float64(m.value(st)))
	}
}
