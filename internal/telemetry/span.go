package telemetry

import (
	"context"

	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Start starts a span as a child of ctx's span, with that span's tracer
// provider, so that only the parts that start traces (the HTTP middleware,
// the queue consumer) need a provider. When ctx's span is not recording
// (tracing off, a trace not sampled, no span at all) it returns ctx and that
// span unchanged: the caller's SetAttributes and End then do nothing, and
// the span costs a context lookup and no allocation.
func Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	parent := trace.SpanFromContext(ctx)
	if !parent.IsRecording() {
		return ctx, parent
	}
	return parent.TracerProvider().Tracer(ScopeName).Start(ctx, name, opts...)
}

// Fail marks span failed with err (nothing when err is nil).
func Fail(span trace.Span, err error) {
	if err == nil || !span.IsRecording() {
		return
	}
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
}
