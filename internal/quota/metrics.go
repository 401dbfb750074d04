package quota

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Prometheus series by tenant. Their cardinality is
// bounded by the tenants an operator creates (tenant IDs, never
// client-chosen values).
type metrics struct {
	renders  *prometheus.CounterVec
	uploads  *prometheus.CounterVec
	upBytes  *prometheus.CounterVec
	refusals *prometheus.CounterVec
	stored   *prometheus.GaugeVec
}

func newMetrics() *metrics {
	return &metrics{
		renders: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "easel_tenant_renders_total", Help: "Renders started, by tenant.",
		}, []string{"tenant"}),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "easel_tenant_uploads_total", Help: "Uploads stored, by tenant.",
		}, []string{"tenant"}),
		upBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "easel_tenant_upload_bytes_total", Help: "Bytes of the uploads stored, by tenant.",
		}, []string{"tenant"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "easel_tenant_limited_total", Help: "Requests refused by a quota or rate limit, by tenant and limit (uploads, renders, stored_bytes).",
		}, []string{"tenant", "limit"}),
		stored: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "easel_tenant_stored_bytes", Help: "Bytes a tenant stores (originals, levels, variants), as last read by this node.",
		}, []string{"tenant"}),
	}
}

func (m *metrics) rendered(tenant string) { m.renders.WithLabelValues(tenant).Inc() }

func (m *metrics) uploaded(tenant string, bytes int64) {
	m.uploads.WithLabelValues(tenant).Inc()
	m.upBytes.WithLabelValues(tenant).Add(float64(bytes))
}

func (m *metrics) refused(tenant, limit string) { m.refusals.WithLabelValues(tenant, limit).Inc() }

func (m *metrics) setStored(tenant string, bytes int64) {
	m.stored.WithLabelValues(tenant).Set(float64(bytes))
}

// Collectors returns the Prometheus collectors of the quotas, to register
// with the registry /metrics serves.
func (q *Quotas) Collectors() []prometheus.Collector {
	m := q.metrics
	return []prometheus.Collector{m.renders, m.uploads, m.upBytes, m.refusals, m.stored}
}
