package observe

import (
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// Stages of an image's life, the stage label of StageSeconds and Failures.
const (
	StageUpload    = "upload"
	StageQueueWait = "queue_wait"
	StageDownload  = "download"
	StageProcess   = "process"
	StageStep      = "step" // one processor step of a flow; effect is the processor
	StageStore     = "store"
	StageCallback  = "callback"
	StageDelivery  = "delivery"
)

// Metric names, as the dashboard and docs/api.md use them.
const (
	StageSecondsName    = "easel_effect_stage_seconds"
	DeliverySecondsName = "easel_effect_delivery_seconds"
	FailuresName        = "easel_effect_failures_total"
	ClientSecondsName   = "easel_client_seconds"
	ClientReportsName   = "easel_client_reports_total"
)

// Buckets are the histograms' upper bounds in seconds: 0.5 ms to 5 min.
var Buckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300}

// Metrics are the per-effect series. A nil *Metrics, or one whose Config
// is not Enabled, observes nothing.
type Metrics struct {
	cfg      Config
	region   string
	stages   *prometheus.HistogramVec
	delivery *prometheus.HistogramVec
	failures *prometheus.CounterVec
	client   *prometheus.HistogramVec
	reports  *prometheus.CounterVec
	tenants  *capped
	regions  *capped
	tap      func(tenantID, stage, effect string, d time.Duration, failed bool)
	names    *capped
}

// New returns the per-effect metrics, registered with reg when enabled.
func New(cfg Config, reg prometheus.Registerer) *Metrics {
	if cfg.MaxTenants <= 0 {
		cfg.MaxTenants = DefaultMaxTenants
	}
	if cfg.MaxNames <= 0 {
		cfg.MaxNames = DefaultMaxNames
	}
	m := &Metrics{cfg: cfg, region: cfg.Region, tenants: newCapped(cfg.MaxTenants), names: newCapped(cfg.MaxNames), regions: newCapped(MaxRegions)}
	if m.region == "" {
		m.region = DefaultRegion
	}
	m.stages = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    StageSecondsName,
		Help:    "Time in each stage of an image's life (upload, queue_wait, download, process, step, store, callback), by effect, tenant and region.",
		Buckets: Buckets,
	}, []string{"stage", "effect", "tenant", "region"})
	m.delivery = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    DeliverySecondsName,
		Help:    "Time to answer a delivery URL, by effect, tenant, region and the cache layer that answered (memory, store, render).",
		Buckets: Buckets,
	}, []string{"effect", "tenant", "region", "cache"})
	m.failures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: FailuresName,
		Help: "Failures by stage and stable error code, effect, tenant and region.",
	}, []string{"stage", "code", "effect", "tenant", "region"})
	m.client = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    ClientSecondsName,
		Help:    "What apps reported (POST /v1/reports): upload, wait, download and total time, by effect, tenant, region and network.",
		Buckets: Buckets,
	}, []string{"measure", "effect", "tenant", "region", "network"})
	m.reports = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: ClientReportsName,
		Help: "Reports apps sent, by effect, tenant, region, network and the stage that failed (none when it did not).",
	}, []string{"effect", "tenant", "region", "network", "failed_stage"})
	if cfg.Enabled && reg != nil {
		reg.MustRegister(m.stages, m.delivery, m.failures, m.client, m.reports)
	}
	return m
}

// SetTap makes every stage time and failure observed (not the delivery
// series) also go to tap, with the raw tenant ID and the effect label:
// the server's figures of /v1/stats (reports.Recorder.Record). Call it
// before use.
func (m *Metrics) SetTap(tap func(tenantID, stage, effect string, d time.Duration, failed bool)) {
	if m != nil {
		m.tap = tap
	}
}

// On reports whether the series are observed.
func (m *Metrics) On() bool { return m != nil && m.cfg.Enabled }

// Observe adds d to stage's histogram for the effect and tenant (raw
// values: they are bounded here).
func (m *Metrics) Observe(stage, effect, tenantID string, d time.Duration) {
	if !m.On() || d < 0 {
		return
	}
	effect = m.Effect(effect)
	m.stages.WithLabelValues(stage, effect, m.Tenant(tenantID), m.region).Observe(d.Seconds())
	if m.tap != nil {
		m.tap(tenantID, stage, effect, d, false)
	}
}

// Fail counts a failure of stage with code.
func (m *Metrics) Fail(stage string, code easel.Code, effect, tenantID string) {
	if !m.On() {
		return
	}
	c := string(code)
	if c == "" {
		c = string(easel.CodeInternal)
	}
	effect = m.Effect(effect)
	m.failures.WithLabelValues(stage, c, effect, m.Tenant(tenantID), m.region).Inc()
	if m.tap != nil {
		m.tap(tenantID, stage, effect, 0, true)
	}
}

// Delivery returns the delivery histogram's child for a rendering of opts
// of the tenant answered by layer, to be bound once to that rendering; nil
// when off.
func (m *Metrics) Delivery(tenantID string, opts transform.Options, layer string) prometheus.Observer {
	if !m.On() {
		return nil
	}
	return m.delivery.WithLabelValues(EffectOf(opts), m.Tenant(tenantID), m.region, layer)
}

// MaxRegions bounds the region labels of client reports (which name
// their own); later ones are "other".
const MaxRegions = 32

// ClientReport is what the client series take of one report: milliseconds
// by measure (upload, wait, download, total) where given.
type ClientReport struct {
	Effect, Region, Network, FailedStage string
	MS                                   [easel.Measures]float64
	Given                                [easel.Measures]bool
}

var measureNames = [easel.Measures]string{"upload", "wait", "download", "total"}

// Client observes one client report. Network and failed stage come from
// fixed sets (internal/reports checks them).
func (m *Metrics) Client(tenantID string, r ClientReport) {
	if !m.On() {
		return
	}
	effect, tenant, region := m.Effect(r.Effect), m.Tenant(tenantID), m.regions.label(r.Region)
	network, stage := r.Network, r.FailedStage
	if network == "" {
		network = "unknown"
	}
	if stage == "" {
		stage = EffectNone
	}
	m.reports.WithLabelValues(effect, tenant, region, network, stage).Inc()
	if r.FailedStage != "" {
		return
	}
	for i, ok := range r.Given {
		if ok {
			m.client.WithLabelValues(measureNames[i], effect, tenant, region, network).Observe(r.MS[i] / 1000)
		}
	}
}

// TaskEffect is the effect label of a task: its flow's name, the heaviest
// operation of a render task, or its kind.
func (m *Metrics) TaskEffect(t easel.Task) string {
	switch t.Kind {
	case easel.TaskRender:
		return EffectOfOps(t.Ops)
	case easel.TaskFlow:
		if len(t.Ops) > 0 {
			name, _, _ := strings.Cut(t.Ops[0], "@")
			return m.Effect(name)
		}
	}
	return m.Effect(t.Kind)
}

// Task observes an ended task attempt: its stages' times, and its failure
// by the stage and code of its error.
func (m *Metrics) Task(t easel.Task) {
	if !m.On() {
		return
	}
	effect := m.TaskEffect(t)
	for _, st := range [...]struct {
		name string
		d    easel.Millis
	}{{StageQueueWait, t.Timings.QueueWait}, {StageDownload, t.Timings.Download}, {StageProcess, t.Timings.Process}, {StageStore, t.Timings.Store}} {
		if st.d > 0 {
			m.Observe(st.name, effect, t.TenantID, time.Duration(st.d))
		}
	}
	if t.Error != nil {
		m.Fail(t.Error.Stage, t.Error.Code, effect, t.TenantID)
	}
}

// Step observes one flow step run by processor.
func (m *Metrics) Step(t easel.Task, processor string, d time.Duration) {
	m.Observe(StageStep, processor, t.TenantID, d)
}

// Callback observes a callback attempt: its latency when delivered, else
// a failure with code "unreachable" (no response) or "http_4xx"/"http_5xx".
func (m *Metrics) Callback(t easel.Task, res easel.CallbackDelivery) {
	if !m.On() {
		return
	}
	effect := m.TaskEffect(t)
	if res.Delivered {
		m.Observe(StageCallback, effect, t.TenantID, res.Latency)
		return
	}
	code := easel.Code("unreachable")
	switch {
	case res.Status >= 500:
		code = "http_5xx"
	case res.Status >= 400:
		code = "http_4xx"
	case res.Status > 0:
		code = "http_other"
	}
	m.Fail(StageCallback, code, effect, t.TenantID)
}
