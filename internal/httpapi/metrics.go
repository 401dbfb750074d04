package httpapi

import (
	"log/slog"
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/delivery"
	"github.com/easelhq/easel/internal/observe"
	"github.com/easelhq/easel/transform"
)

// Metrics holds easel's Prometheus collectors in a registry of its own. It
// implements delivery.Observer.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	renders   *prometheus.HistogramVec
	failures  *prometheus.CounterVec
	cacheHits *prometheus.CounterVec
	cacheMiss prometheus.Counter
	tasks     *prometheus.CounterVec
	stages    *prometheus.HistogramVec
	abandoned *prometheus.CounterVec
	effects   *observe.Metrics // nil: no per-effect series (EnableEffects)

	// Pre-resolved children, so a request looks up no labels.
	hitMemory, hitStore prometheus.Counter
	routes              atomic.Pointer[map[routeKey]routeMetrics] // copied on write
	routesMu            sync.Mutex
}

// routeKey is the labels of one request's metrics.
type routeKey struct {
	route, method string
	status        int
}

// routeMetrics are the children of one routeKey.
type routeMetrics struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// maxRoutes bounds the pre-resolved label sets (methods come from clients).
const maxRoutes = 1024

var _ delivery.Observer = (*Metrics)(nil)

// NewMetrics registers the collectors. limiter and delivery feed gauges
// when not nil.
func NewMetrics(limiter *delivery.Limiter, deliverer func() *delivery.Delivery) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "easel_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "easel_http_request_duration_seconds", Help: "HTTP request latency by route and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "status"}),
		renders: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "easel_render_duration_seconds", Help: "Time spent rendering in libvips, by output format.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"format"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "easel_render_failures_total", Help: "Renders that failed, by error code.",
		}, []string{"code"}),
		cacheHits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "easel_cache_hits_total", Help: "Delivery cache hits by layer (memory, store).",
		}, []string{"layer"}),
		cacheMiss: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "easel_cache_misses_total", Help: "Delivery requests that had to render.",
		}),
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "easel_task_attempts_total", Help: "Task attempts ended, by kind and resulting state (succeeded, retrying, dead).",
		}, []string{"kind", "state"}),
		stages: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "easel_task_stage_seconds", Help: "Time in each stage of a task attempt (queue_wait, download, process, store), by kind.",
			Buckets: []float64{.0005, .001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"kind", "stage"}),
		abandoned: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "easel_renders_abandoned_total", Help: "Renders every waiting request left, by what became of them (dropped from the queue, cancelled while running, finishing in the background).",
		}, []string{"outcome"}),
	}
	m.hitMemory, m.hitStore = m.cacheHits.WithLabelValues("memory"), m.cacheHits.WithLabelValues("store")
	m.routes.Store(&map[routeKey]routeMetrics{})
	m.reg.MustRegister(m.requests, m.latency, m.renders, m.failures, m.cacheHits, m.cacheMiss, m.tasks, m.stages, m.abandoned,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if limiter != nil {
		m.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "easel_renders_in_flight", Help: "Renders running now."},
				func() float64 { return float64(limiter.InFlight()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "easel_renders_waiting", Help: "Renders waiting for a slot."},
				func() float64 { return float64(limiter.Waiting()) }),
		)
	}
	if deliverer != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "easel_cache_memory_bytes", Help: "Bytes held by the memory cache of rendered images."},
			func() float64 {
				if d := deliverer(); d != nil {
					_, b := d.CacheStats()
					return float64(b)
				}
				return 0
			}))
	}
	return m
}

// EnableEffects adds the per-effect series of internal/observe (when
// cfg.Enabled) and returns them, for the parts that feed them (worker,
// callbacks, reports). Call it before serving.
func (m *Metrics) EnableEffects(cfg observe.Config) *observe.Metrics {
	m.effects = observe.New(cfg, m.reg)
	return m.effects
}

// Effects returns the per-effect series; nil until EnableEffects.
func (m *Metrics) Effects() *observe.Metrics { return m.effects }

var _ delivery.TimerBinder = (*Metrics)(nil)

// DeliveryTimer implements delivery.TimerBinder.
func (m *Metrics) DeliveryTimer(tenantID string, opts transform.Options, layer string) delivery.Timer {
	if o := m.effects.Delivery(tenantID, opts, layer); o != nil {
		return o
	}
	return nil
}

// Register adds a collector of another part (the blob failover's) to the
// registry /metrics serves. It panics on a duplicate, as at start.
func (m *Metrics) Register(c prometheus.Collector) { m.reg.MustRegister(c) }

// Handler serves the metrics in Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// CacheHit implements delivery.Observer.
func (m *Metrics) CacheHit(layer string) {
	switch layer {
	case "memory":
		m.hitMemory.Inc()
	case "store":
		m.hitStore.Inc()
	default:
		m.cacheHits.WithLabelValues(layer).Inc()
	}
}

// Abandoned implements delivery.Observer.
func (m *Metrics) Abandoned(started, finishing bool) {
	switch {
	case finishing:
		m.abandoned.WithLabelValues("finishing").Inc()
	case started:
		m.abandoned.WithLabelValues("cancelled").Inc()
	default:
		m.abandoned.WithLabelValues("dropped").Inc()
	}
}

// CacheMiss implements delivery.Observer.
func (m *Metrics) CacheMiss() { m.cacheMiss.Inc() }

// Rendered implements delivery.Observer.
func (m *Metrics) Rendered(format transform.Format, took time.Duration, err error) {
	if err != nil {
		m.failures.WithLabelValues(string(easel.ErrorCode(err))).Inc()
		return
	}
	m.renders.WithLabelValues(string(format)).Observe(took.Seconds())
}

// TaskEnded implements worker.Observer.
func (m *Metrics) TaskEnded(kind string, state easel.TaskState, t easel.Timings) {
	m.tasks.WithLabelValues(kind, string(state)).Inc()
	for _, st := range [...]struct {
		name string
		d    easel.Millis
	}{{"queue_wait", t.QueueWait}, {"download", t.Download}, {"process", t.Process}, {"store", t.Store}} {
		if st.d > 0 {
			m.stages.WithLabelValues(kind, st.name).Observe(time.Duration(st.d).Seconds())
		}
	}
}

// AttemptEnded implements worker.AttemptObserver: the per-effect series
// of the attempt's stages and failure.
func (m *Metrics) AttemptEnded(t easel.Task) { m.effects.Task(t) }

type statusRecorder struct {
	http.ResponseWriter
	status int
	// timer, set by deliver, observes the request's latency in the
	// per-effect delivery series of the rendering it answered with.
	timer delivery.Timer
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// route returns the pre-resolved children of k, resolving them once.
func (m *Metrics) route(k routeKey) routeMetrics {
	if rm, ok := (*m.routes.Load())[k]; ok {
		return rm
	}
	status := strconv.Itoa(k.status)
	rm := routeMetrics{
		requests: m.requests.WithLabelValues(k.route, k.method, status),
		latency:  m.latency.WithLabelValues(k.route, status),
	}
	m.routesMu.Lock()
	defer m.routesMu.Unlock()
	if old := *m.routes.Load(); len(old) < maxRoutes {
		next := maps.Clone(old)
		next[k] = rm
		m.routes.Store(&next)
	}
	return rm
}

var recorders = sync.Pool{New: func() any { return new(statusRecorder) }}

// instrument counts requests, observes latency by route pattern and status,
// and writes an access log line at debug level.
func (m *Metrics) instrument(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := recorders.Get().(*statusRecorder)
		rec.ResponseWriter, rec.status = w, 0
		next.ServeHTTP(rec, r)
		status, timer := rec.status, rec.timer
		rec.ResponseWriter, rec.timer = nil, nil
		recorders.Put(rec)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		if status == 0 {
			status = http.StatusOK
		}
		rm := m.route(routeKey{route: route, method: r.Method, status: status})
		rm.requests.Inc()
		took := time.Since(start)
		rm.latency.Observe(took.Seconds())
		if timer != nil {
			timer.Observe(took.Seconds())
		}
		if log.Enabled(r.Context(), slog.LevelDebug) {
			log.LogAttrs(r.Context(), slog.LevelDebug, "request", slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.Int("status", status), slog.Duration("took", took))
		}
	})
}

// Unwrap lets http.ResponseController reach the underlying writer (flushes
// and deadlines of server-sent events).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
