// Package telemetry is what every package needs to take part in a trace:
// Start, a child span of the context's span that costs nothing when the
// context holds no recording span; Fail; Tracer; and a slog handler that
// adds the trace and span IDs of a record's context. It imports no
// exporter and no net/http, so the use cases may use it.
//
// Subpackage tracing builds the tracer provider (OTLP/HTTP export, or
// none) and carries W3C trace context in message headers; otlptest is a
// local OTLP receiver for tests. The other packages take a
// trace.TracerProvider (nil meaning none) and never read the global one,
// so that several easel instances in one process (the tests) each keep
// their own.
package telemetry
