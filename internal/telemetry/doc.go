// Package telemetry sets up OpenTelemetry tracing: a tracer provider that
// exports spans over OTLP/HTTP when an endpoint is configured, and a no-op
// one otherwise; W3C trace context carried in queue message headers; and a
// slog handler that adds the trace and span IDs of a record's context.
//
// The other packages take a trace.TracerProvider (nil meaning none) and
// never read the global one, so that several easel instances in one process
// (the tests) each keep their own.
package telemetry
