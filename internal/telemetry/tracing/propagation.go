package tracing

import (
	"context"

	"go.opentelemetry.io/otel/propagation"
)

// traceContext is the W3C Trace Context propagator (traceparent and
// tracestate), the only format easel reads and writes.
var traceContext = propagation.TraceContext{}

// Headers is a message's headers, keys as they are (NATS headers are case
// sensitive: traceparent stays lower-case as the W3C spelling has it).
type Headers map[string][]string

var _ propagation.TextMapCarrier = Headers(nil)

// Get returns the first value of key.
func (h Headers) Get(key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Set sets key to value alone.
func (h Headers) Set(key, value string) { h[key] = []string{value} }

// Keys lists the keys present.
func (h Headers) Keys() []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	return keys
}

// Inject writes the trace context of ctx's span into h (nothing when ctx
// has no valid span).
func Inject(ctx context.Context, h Headers) { traceContext.Inject(ctx, h) }

// Extract returns ctx with the remote span context h carries, if any.
func Extract(ctx context.Context, h Headers) context.Context { return traceContext.Extract(ctx, h) }

// ExtractCarrier is Extract from any carrier (HTTP headers).
func ExtractCarrier(ctx context.Context, c propagation.TextMapCarrier) context.Context {
	return traceContext.Extract(ctx, c)
}
