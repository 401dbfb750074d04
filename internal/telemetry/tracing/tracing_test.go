package tracing_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/easelhq/easel/internal/telemetry"
	"github.com/easelhq/easel/internal/telemetry/otlptest"
	"github.com/easelhq/easel/internal/telemetry/tracing"
)

// TestOTLPExportReachesCollector exports spans over OTLP/HTTP to a local
// receiver that decodes them as a collector does; Shutdown flushes them.
func TestOTLPExportReachesCollector(t *testing.T) {
	t.Parallel()
	recv := otlptest.Start(t, true)
	cfg := tracing.NewDefaultConfig()
	cfg.OTLPEndpoint = recv.URL() // no path: /v1/traces
	cfg.ServiceName = "easel-test"
	p, err := tracing.New(context.Background(), cfg)
	require.NoError(t, err)
	require.True(t, p.Enabled())
	tracer := telemetry.Tracer(p.TracerProvider())
	ctx, root := tracer.Start(context.Background(), "GET /i/")
	_, child := telemetry.Start(ctx, "render")
	child.End()
	root.End()
	require.Empty(t, recv.Spans(), "spans are batched, not sent one by one")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, p.Shutdown(ctx))
	require.NoError(t, p.Shutdown(ctx), "idempotent")

	require.Empty(t, recv.Refused())
	spans := recv.Spans()
	require.Len(t, spans, 2)
	byName := map[string]otlptest.Span{}
	for _, s := range spans {
		require.Equal(t, "easel-test", s.Service)
		byName[s.Name] = s
	}
	require.Contains(t, byName, "GET /i/")
	require.Contains(t, byName, "render")
	require.Equal(t, byName["GET /i/"].TraceID, byName["render"].TraceID)
	require.Equal(t, byName["GET /i/"].SpanID, byName["render"].Parent)
}

func TestOffIsNoop(t *testing.T) { // not parallel: AllocsPerRun
	p, err := tracing.New(context.Background(), tracing.NewDefaultConfig())
	require.NoError(t, err)
	require.False(t, p.Enabled())
	require.Nil(t, p.TracerProvider(), "off hands no provider to the other packages")
	require.NoError(t, p.Shutdown(context.Background()))

	// Without a recording span, Start returns ctx as it is and allocates nothing.
	ctx := context.Background()
	allocs := testing.AllocsPerRun(100, func() {
		c, span := telemetry.Start(ctx, "render")
		span.End()
		if c != ctx {
			t.Fatal("ctx changed")
		}
	})
	require.Zero(t, allocs)
}

func TestSampleRatioZeroRecordsNothing(t *testing.T) {
	t.Parallel()
	rec := tracetest.NewSpanRecorder()
	cfg := tracing.NewDefaultConfig()
	cfg.SampleRatio = 0
	cfg.SpanProcessors = []sdktrace.SpanProcessor{rec}
	p, err := tracing.New(context.Background(), cfg)
	require.NoError(t, err)
	ctx, span := telemetry.Tracer(p.TracerProvider()).Start(context.Background(), "GET /i/")
	_, child := telemetry.Start(ctx, "render")
	require.False(t, child.IsRecording())
	child.End()
	span.End()
	require.Empty(t, rec.Ended())
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		edit func(*tracing.Config)
		want string
	}{
		{"default", func(*tracing.Config) {}, ""},
		{"http endpoint", func(c *tracing.Config) { c.OTLPEndpoint = "http://127.0.0.1:4318" }, ""},
		{"https with path", func(c *tracing.Config) { c.OTLPEndpoint = "https://collector.example/v1/traces" }, ""},
		{"no scheme", func(c *tracing.Config) { c.OTLPEndpoint = "collector:4318" }, "otlp_endpoint"},
		{"grpc scheme", func(c *tracing.Config) { c.OTLPEndpoint = "grpc://collector:4317" }, "otlp_endpoint"},
		{"no service", func(c *tracing.Config) { c.ServiceName = "" }, "service_name"},
		{"ratio above 1", func(c *tracing.Config) { c.SampleRatio = 1.5 }, "sample_ratio"},
		{"negative ratio", func(c *tracing.Config) { c.SampleRatio = -0.1 }, "sample_ratio"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := tracing.NewDefaultConfig()
			tt.edit(&c)
			err := c.Validate()
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.want)
			_, err = tracing.New(context.Background(), c)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

func TestLogHandlerAddsTraceIDs(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(telemetry.NewLogHandler(slog.NewTextHandler(&buf, nil))).With("component", "worker")
	rec := tracetest.NewSpanRecorder()
	p, err := tracing.New(context.Background(), tracing.Config{ServiceName: "x", SampleRatio: 1, SpanProcessors: []sdktrace.SpanProcessor{rec}})
	require.NoError(t, err)
	ctx, span := telemetry.Tracer(p.TracerProvider()).Start(context.Background(), "task render")
	defer span.End()

	log.InfoContext(ctx, "traced")
	log.Info("untraced")
	telemetry.WithTrace(log, ctx).Info("with trace")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 3)
	sc := span.SpanContext()
	want := "trace_id=" + sc.TraceID().String() + " span_id=" + sc.SpanID().String()
	require.Contains(t, lines[0], want)
	require.Contains(t, lines[0], "component=worker")
	require.NotContains(t, lines[1], "trace_id")
	require.Contains(t, lines[2], want)
	require.Same(t, log, telemetry.WithTrace(log, context.Background()))
}

func TestHeadersCarryTraceContext(t *testing.T) {
	t.Parallel()
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
	h := tracing.Headers{}
	tracing.Inject(trace.ContextWithSpanContext(context.Background(), sc), h)
	require.Equal(t, []string{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}, h["traceparent"], "lower-case W3C key")
	got := trace.SpanContextFromContext(tracing.Extract(context.Background(), h))
	require.True(t, got.IsRemote())
	require.Equal(t, sc.TraceID(), got.TraceID())
	require.Equal(t, sc.SpanID(), got.SpanID())

	// Garbage is ignored, not an error.
	bad := tracing.Headers{"traceparent": {"zz-not-a-trace"}}
	require.False(t, trace.SpanContextFromContext(tracing.Extract(context.Background(), bad)).IsValid())
	empty := tracing.Headers{}
	tracing.Inject(context.Background(), empty)
	require.Empty(t, empty)
}
