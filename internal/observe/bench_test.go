package observe_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/observe"
	"github.com/easelhq/easel/internal/reports"
	"github.com/easelhq/easel/transform"
)

// BenchmarkHitWork is what the per-effect series add to a memory-cache
// hit: one Observe, with the latency the route's metrics measured, on the
// child bound to the cached rendering.
func BenchmarkHitWork(b *testing.B) {
	m := observe.New(observe.Config{Enabled: true}, prometheus.NewRegistry())
	obs := m.Delivery("tenant", transform.Options{Width: 300, Format: transform.FormatWebP}, "memory")
	took := 0.0042
	defer cpuPerOp(b)()
	for b.Loop() {
		obs.Observe(took)
	}
}

// cpuPerOp reports the process's CPU time per op when the returned func
// runs: wall time is disturbed by whatever else the machine runs.
func cpuPerOp(b *testing.B) func() {
	before := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-before)/float64(b.N), "cpu-ns/op") }
}

func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkRenderWork is what they add to an uncached render: binding the
// rendering's two timers (effect, tenant, label lookup), and one Observe.
func BenchmarkRenderWork(b *testing.B) {
	m := observe.New(observe.Config{Enabled: true}, prometheus.NewRegistry())
	o := transform.Options{Width: 300, Format: transform.FormatWebP}
	defer cpuPerOp(b)()
	for b.Loop() {
		_ = m.Delivery("tenant", o, "memory")
		m.Delivery("tenant", o, "render").Observe(0.042)
	}
}

// BenchmarkTaskWork is what they add to a task attempt: four stage
// observations and the server figures' record of each.
func BenchmarkTaskWork(b *testing.B) {
	m := observe.New(observe.Config{Enabled: true}, prometheus.NewRegistry())
	rec := reports.NewRecorder(nil, "default", nil)
	m.SetTap(rec.Record)
	t := easel.Task{Kind: easel.TaskRender, TenantID: "tenant", Ops: []string{"w_300,f_webp"},
		Timings: easel.Timings{QueueWait: easel.Millis(time.Millisecond), Download: 1, Process: easel.Millis(20 * time.Millisecond), Store: 1}}
	defer cpuPerOp(b)()
	for b.Loop() {
		m.Task(t)
	}
}
