package telemetry

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// LogHandler wraps a slog.Handler: a record logged with a context that
// holds a valid span gets trace_id and span_id attributes, so that logs and
// traces join on the trace ID.
type LogHandler struct{ next slog.Handler }

var _ slog.Handler = LogHandler{}

// NewLogHandler returns next wrapped; a LogHandler is not wrapped twice.
func NewLogHandler(next slog.Handler) slog.Handler {
	if h, ok := next.(LogHandler); ok {
		return h
	}
	return LogHandler{next: next}
}

// Enabled is next's.
func (h LogHandler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

// Handle adds the trace and span IDs of ctx's span, when valid, and hands
// the record on.
func (h LogHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r = r.Clone()
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs wraps next's.
func (h LogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return LogHandler{next: h.next.WithAttrs(as)}
}

// WithGroup wraps next's. The IDs then land in the group.
func (h LogHandler) WithGroup(name string) slog.Handler {
	return LogHandler{next: h.next.WithGroup(name)}
}

// WithTrace returns log with the trace and span IDs of ctx's span, for a
// logger whose calls pass no context; log itself when there is no span.
func WithTrace(log *slog.Logger, ctx context.Context) *slog.Logger {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return log
	}
	return log.With(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
}
