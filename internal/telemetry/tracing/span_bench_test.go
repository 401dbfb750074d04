package tracing_test

import (
	"context"
	"syscall"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/easelhq/easel/internal/telemetry"
	"github.com/easelhq/easel/internal/telemetry/otlptest"
	"github.com/easelhq/easel/internal/telemetry/tracing"
)

// BenchmarkRootSpan is the cost of one exported request span alone: start
// (a new root, sampled), three attributes, end, the batch processor and
// the OTLP/HTTP export to a local receiver.
func BenchmarkRootSpan(b *testing.B) {
	recv := otlptest.Start(b, false)
	cfg := tracing.NewDefaultConfig()
	cfg.OTLPEndpoint = recv.URL()
	p, err := tracing.New(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Shutdown(context.Background())
	tracer := telemetry.Tracer(p.TracerProvider())
	ctx := context.Background()
	b.ReportAllocs()
	before := cpuTime()
	n := 0
	for b.Loop() {
		n++
		_, span := tracer.Start(ctx, "GET", trace.WithSpanKind(trace.SpanKindServer), trace.WithNewRoot())
		span.SetName("GET /i/")
		span.SetAttributes(attribute.String("http.request.method", "GET"), attribute.String("http.route", "/i/"),
			attribute.Int("http.response.status_code", 200))
		span.End()
	}
	if err := p.ForceFlush(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(cpuTime()-before)/float64(n)/1e3, "cpu-µs/op")
	b.ReportMetric(float64(recv.Requests()), "exports")
}

// cpuTime is the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
