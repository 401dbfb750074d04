package app

import (
	"context"
	"log/slog"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/easelhq/easel/internal/config"
	"github.com/easelhq/easel/internal/telemetry"
	"github.com/easelhq/easel/internal/telemetry/tracing"
)

// Option changes how New builds an App.
type Option func(*options)

type options struct {
	spanProcessors []sdktrace.SpanProcessor
}

// WithSpanProcessor hands every span to sp as well (tests and benchmarks
// collect spans in process with it). Tracing is then on even when
// telemetry.otlp_endpoint is empty.
func WithSpanProcessor(sp sdktrace.SpanProcessor) Option {
	return func(o *options) { o.spanProcessors = append(o.spanProcessors, sp) }
}

// newTelemetry returns the tracer provider of the telemetry settings, and
// log with the trace and span IDs added to the records logged with a traced
// context (log as it is when tracing is off).
func newTelemetry(ctx context.Context, cfg config.Config, o options, log *slog.Logger) (*tracing.Provider, *slog.Logger, error) {
	tc := tracing.NewDefaultConfig()
	tc.OTLPEndpoint = cfg.Telemetry.OTLPEndpoint
	tc.ServiceName = cfg.Telemetry.ServiceName
	tc.SampleRatio = cfg.Telemetry.SampleRatio
	tc.SpanProcessors = o.spanProcessors
	p, err := tracing.New(ctx, tc)
	if err != nil {
		return nil, nil, err
	}
	if p.Enabled() {
		log = slog.New(telemetry.NewLogHandler(log.Handler()))
		log.Info("tracing on", "otlp_endpoint", cfg.Telemetry.OTLPEndpoint, "sample_ratio", cfg.Telemetry.SampleRatio)
	}
	return p, log, nil
}
