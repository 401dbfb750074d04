package config

import (
	"fmt"
	"net/url"
)

// Telemetry configures tracing (OpenTelemetry, exported over OTLP/HTTP).
type Telemetry struct {
	// OTLPEndpoint is the OTLP/HTTP endpoint of a collector (or of Jaeger,
	// Tempo ...), e.g. http://127.0.0.1:4318: spans are posted to
	// /v1/traces when the URL has no path. Empty (the default) turns
	// tracing off.
	OTLPEndpoint string `yaml:"otlp_endpoint"`
	// ServiceName is the service.name of the spans.
	ServiceName string `yaml:"service_name"`
	// SampleRatio is the share of requests (0..1) whose traces are kept.
	SampleRatio float64 `yaml:"sample_ratio"`
}

// defaultTelemetry is tracing off, service "easel", every trace kept once
// an endpoint is set.
func defaultTelemetry() Telemetry {
	return Telemetry{ServiceName: "easel", SampleRatio: 1}
}

// validate reports the first telemetry setting that cannot work, naming it.
func (t Telemetry) validate() error {
	if t.OTLPEndpoint != "" {
		u, err := url.Parse(t.OTLPEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("config: telemetry.otlp_endpoint %q: want an http(s) URL such as http://127.0.0.1:4318", t.OTLPEndpoint)
		}
	}
	if t.ServiceName == "" {
		return fmt.Errorf("config: telemetry.service_name is empty")
	}
	if !(t.SampleRatio >= 0 && t.SampleRatio <= 1) {
		return fmt.Errorf("config: telemetry.sample_ratio %v: must be 0..1", t.SampleRatio)
	}
	return nil
}
