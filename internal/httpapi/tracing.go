package httpapi

import (
	"net/http"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/easelhq/easel/internal/telemetry"
	"github.com/easelhq/easel/internal/telemetry/tracing"
)

// traced makes each request the root span of a trace, named by its route
// pattern ("POST /v1/assets", "GET /i/"), with its status code; the span is
// in the request's context for everything the request does (queue
// messages carry it on to the workers). A caller's W3C traceparent becomes
// a link, not the parent: on a public endpoint, clients do not choose the
// trace or its sampling. With tp nil it returns next: tracing off costs
// nothing.
func traced(tp trace.TracerProvider, next http.Handler) http.Handler {
	if tp == nil {
		return next
	}
	tracer := telemetry.Tracer(tp)
	opts := []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindServer), trace.WithNewRoot()}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := opts
		if r.Header.Get("Traceparent") != "" {
			if sc := trace.SpanContextFromContext(tracing.ExtractCarrier(r.Context(), propagation.HeaderCarrier(r.Header))); sc.IsValid() {
				start = append(opts[:len(opts):len(opts)], trace.WithLinks(trace.Link{SpanContext: sc}))
			}
		}
		ctx, span := tracer.Start(r.Context(), r.Method, start...)
		defer span.End()
		if !span.IsRecording() { // not sampled: pass the context on, record nothing
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		rec := spanRecorders.Get().(*spanRecorder)
		rec.ResponseWriter, rec.status = w, 0
		r = r.WithContext(ctx)
		next.ServeHTTP(rec, r) // the mux sets r.Pattern
		status := rec.status
		rec.ResponseWriter = nil
		spanRecorders.Put(rec)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		name := route
		if method, path, ok := strings.Cut(route, " "); ok && !strings.HasPrefix(method, "/") {
			route = path
		} else {
			name = r.Method + " " + route
		}
		if status == 0 {
			status = http.StatusOK
		}
		span.SetName(name)
		span.SetAttributes(attribute.String("http.request.method", r.Method), attribute.String("http.route", route),
			attribute.Int("http.response.status_code", status))
		if status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
	})
}

var spanRecorders = sync.Pool{New: func() any { return new(spanRecorder) }}

// spanRecorder remembers the status code of a traced response.
type spanRecorder struct {
	http.ResponseWriter
	status int
}

func (s *spanRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *spanRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *spanRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
