// Package tracing builds easel's tracer provider (OTLP/HTTP export, or
// none) and carries W3C trace context in message headers. It imports the
// exporter and net/http, so only the composition root, the HTTP API and the
// queue use it; the use cases take spans from internal/telemetry alone.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Config configures tracing.
type Config struct {
	// OTLPEndpoint is the OTLP/HTTP endpoint spans are exported to, such as
	// http://127.0.0.1:4318 (spans go to /v1/traces when the URL has no
	// path) or https://collector.example/v1/traces. Empty turns tracing off
	// unless SpanProcessors are given.
	OTLPEndpoint string
	// ServiceName is the service.name resource attribute.
	ServiceName string
	// SampleRatio is the share (0..1) of new traces that are recorded; a
	// trace continued from a sampled parent is always recorded.
	SampleRatio float64
	// ExportTimeout bounds one export request; 0 means 10 s.
	ExportTimeout time.Duration
	// SpanProcessors receive every span as well (tests and benchmarks
	// collect spans in process with them). With any, tracing is on.
	SpanProcessors []sdktrace.SpanProcessor
}

// NewDefaultConfig returns tracing off, with service name "easel" and
// every trace sampled once an endpoint is set.
func NewDefaultConfig() Config {
	return Config{ServiceName: "easel", SampleRatio: 1}
}

// Validate reports an endpoint that is not an http(s) URL, an empty
// service name, or a ratio outside 0..1.
func (c Config) Validate() error {
	var errs []error
	if c.OTLPEndpoint != "" {
		if _, err := endpointURL(c.OTLPEndpoint); err != nil {
			errs = append(errs, err)
		}
	}
	if c.ServiceName == "" {
		errs = append(errs, errors.New("service_name is empty"))
	}
	if !(c.SampleRatio >= 0 && c.SampleRatio <= 1) {
		errs = append(errs, fmt.Errorf("sample_ratio %v: must be 0..1", c.SampleRatio))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("telemetry: %w", err)
	}
	return nil
}

// endpointURL is the URL spans are posted to: the endpoint, with
// /v1/traces when it has no path.
func endpointURL(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("otlp_endpoint %q: want an http(s) URL such as http://127.0.0.1:4318", endpoint)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces"
	}
	return u.String(), nil
}

// Provider is the tracer provider of one easel process.
type Provider struct {
	tp  trace.TracerProvider
	sdk *sdktrace.TracerProvider // nil when off
}

// New returns the Provider cfg asks for: a no-op one when it has neither an
// endpoint nor span processors (spans then cost an interface call and
// record nothing), else an SDK provider exporting in batches. Shutdown
// flushes it.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.OTLPEndpoint == "" && len(cfg.SpanProcessors) == 0 {
		return &Provider{tp: noop.NewTracerProvider()}, nil
	}
	opts := []sdktrace.TracerProviderOption{
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.SampleRatio))),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", cfg.ServiceName))),
	}
	if cfg.OTLPEndpoint != "" {
		u, err := endpointURL(cfg.OTLPEndpoint)
		if err != nil {
			return nil, err
		}
		timeout := cfg.ExportTimeout
		if timeout <= 0 {
			timeout = 10 * time.Second
		}
		exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(u), otlptracehttp.WithTimeout(timeout))
		if err != nil {
			return nil, fmt.Errorf("tracing: otlp exporter: %w", err)
		}
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	for _, sp := range cfg.SpanProcessors {
		opts = append(opts, sdktrace.WithSpanProcessor(sp))
	}
	sdk := sdktrace.NewTracerProvider(opts...)
	return &Provider{tp: sdk, sdk: sdk}, nil
}

// Enabled reports whether spans are recorded.
func (p *Provider) Enabled() bool { return p != nil && p.sdk != nil }

// TracerProvider returns the provider to hand to the other packages: nil
// when tracing is off, so that they skip their spans altogether.
func (p *Provider) TracerProvider() trace.TracerProvider {
	if !p.Enabled() {
		return nil
	}
	return p.tp
}

// Shutdown exports the spans still buffered and stops exporting, within
// ctx. It is idempotent, and a no-op when tracing is off.
func (p *Provider) Shutdown(ctx context.Context) error {
	if !p.Enabled() {
		return nil
	}
	if err := p.sdk.Shutdown(ctx); err != nil {
		return fmt.Errorf("telemetry: flush spans: %w", err)
	}
	return nil
}

// ForceFlush exports the spans ended so far, within ctx; a no-op when
// tracing is off.
func (p *Provider) ForceFlush(ctx context.Context) error {
	if !p.Enabled() {
		return nil
	}
	return p.sdk.ForceFlush(ctx)
}
