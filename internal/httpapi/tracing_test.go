package httpapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/easelhq/easel/internal/telemetry/otlptest"
	"github.com/easelhq/easel/internal/telemetry/tracing"
)

func tracedSetup(t testing.TB, ratio float64, processors ...sdktrace.SpanProcessor) (*bundle, *tracing.Provider) {
	cfg := tracing.NewDefaultConfig()
	cfg.SampleRatio = ratio
	cfg.SpanProcessors = processors
	p, err := tracing.New(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return setup(t, options{tracer: p.TracerProvider()}), p
}

// TestRequestSpans: each request is one root span named by its route, with
// the status code; a client's traceparent is a link, never the parent.
func TestRequestSpans(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	b, _ := tracedSetup(t, 1, rec)
	a := b.upload(t, pngBytes(64, 48))
	path := b.sign(t, "w_32,f_png", a.ID)

	resp, _ := b.do(t, "GET", path, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = b.do(t, "GET", "/v1/assets/"+a.ID, nil) // no API key
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	resp, _ = b.do(t, "GET", "/nowhere", nil, "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)

	var spans []sdktrace.ReadOnlySpan
	require.Eventually(t, func() bool { spans = rec.Ended(); return len(spans) >= 4 }, 5e9, 1e7)
	byName := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		if s.SpanKind() == trace.SpanKindServer {
			require.False(t, s.Parent().IsValid(), "%s is a root", s.Name())
			byName[s.Name()] = s
		}
	}
	require.Contains(t, byName, "POST /v1/assets")
	deliver := byName["GET /i/"]
	require.NotNil(t, deliver)
	require.Contains(t, deliver.Attributes(), attribute.Int("http.response.status_code", 200))
	require.Contains(t, deliver.Attributes(), attribute.String("http.route", "/i/"))
	var render sdktrace.ReadOnlySpan
	for _, s := range spans {
		if s.Name() == "render" && s.Parent().SpanID() == deliver.SpanContext().SpanID() {
			render = s
		}
	}
	require.NotNil(t, render, "the render of a miss is a child of its request")
	require.Contains(t, render.Attributes(), attribute.StringSlice("easel.effects", []string{"w", "f"}))
	asset := byName["GET /v1/assets/{id}"]
	require.NotNil(t, asset)
	require.Contains(t, asset.Attributes(), attribute.Int("http.response.status_code", 401))
	unmatched := byName["GET /"]
	require.NotNil(t, unmatched, "got %v", byName)
	require.Contains(t, unmatched.Attributes(), attribute.Int("http.response.status_code", 404))
	require.Len(t, unmatched.Links(), 1)
	require.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", unmatched.Links()[0].SpanContext.TraceID().String())
	require.NotEqual(t, "4bf92f3577b34da6a3ce929d0e0e4736", unmatched.SpanContext().TraceID().String())
}

// BenchmarkMemoryHitTraced serves memory-cache hits with tracing off, on
// (every request sampled, exported over OTLP/HTTP to a local receiver) and
// on at one in ten, alternating batches of 500 (A B C A B C ...): the
// process's CPU time per hit of each, and allocations.
//
//	go test -run '^$' -bench MemoryHitTraced -benchtime 40x ./internal/httpapi/
func BenchmarkMemoryHitTraced(b *testing.B) {
	sink := otlptest.Start(b, false)
	type variant struct {
		name  string
		h     http.Handler
		path  string
		flush func(context.Context) error
	}
	mk := func(name string, ratio float64) variant {
		var bb *bundle
		flush := func(context.Context) error { return nil }
		if ratio == 0 {
			bb = setup(b, options{})
		} else {
			cfg := tracing.NewDefaultConfig()
			cfg.OTLPEndpoint, cfg.SampleRatio = sink.URL(), ratio
			p, err := tracing.New(context.Background(), cfg)
			require.NoError(b, err)
			b.Cleanup(func() { _ = p.Shutdown(context.Background()) })
			bb, flush = setup(b, options{tracer: p.TracerProvider()}), p.ForceFlush
		}
		a := bb.upload(b, pngBytes(64, 48))
		path := bb.sign(b, "w_32,f_png", a.ID)
		for range 2 {
			rec := httptest.NewRecorder()
			bb.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			require.Equal(b, http.StatusOK, rec.Code)
		}
		return variant{name: name, h: bb.h, path: path, flush: flush}
	}
	vs := []variant{mk("off", 0), mk("on", 1), mk("on-10pct", 0.1)}
	cpu := make([]int64, len(vs))
	const batch = 500
	n := 0
	for b.Loop() {
		for i, v := range vs {
			req := httptest.NewRequest(http.MethodGet, v.path, nil)
			before := cpuTime()
			for range batch {
				rec := httptest.NewRecorder()
				v.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code)
				}
			}
			if err := v.flush(context.Background()); err != nil { // export within the batch's window
				b.Fatal(err)
			}
			cpu[i] += cpuTime() - before
		}
		n += batch
	}
	off := float64(cpu[0]) / float64(n) / 1e3
	for i, v := range vs {
		us := float64(cpu[i]) / float64(n) / 1e3
		b.ReportMetric(us, v.name+"-cpu-µs/hit")
		if i > 0 {
			b.ReportMetric(100*(us-off)/off, v.name+"-overhead-%")
		}
		req := httptest.NewRequest(http.MethodGet, v.path, nil)
		allocs := testing.AllocsPerRun(1000, func() { v.h.ServeHTTP(httptest.NewRecorder(), req) })
		b.ReportMetric(allocs, v.name+"-allocs/hit")
	}
	require.Positive(b, sink.Requests())
}
