package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTelemetrySettings(t *testing.T) {
	c, err := Load("", []string{"EASEL_TELEMETRY_OTLP_ENDPOINT=http://otel:4318", "EASEL_TELEMETRY_SERVICE_NAME=easel-eu",
		"EASEL_TELEMETRY_SAMPLE_RATIO=0.25"})
	require.NoError(t, err)
	require.Equal(t, Telemetry{OTLPEndpoint: "http://otel:4318", ServiceName: "easel-eu", SampleRatio: 0.25}, c.Telemetry)
	require.NoError(t, c.Validate())

	d := Default()
	require.Equal(t, Telemetry{ServiceName: "easel", SampleRatio: 1}, d.Telemetry, "off by default")
	for _, tt := range []struct {
		name string
		edit func(*Telemetry)
		want string
	}{
		{"endpoint without scheme", func(t *Telemetry) { t.OTLPEndpoint = "otel:4318" }, "telemetry.otlp_endpoint"},
		{"no service name", func(t *Telemetry) { t.ServiceName = "" }, "telemetry.service_name"},
		{"ratio over 1", func(t *Telemetry) { t.SampleRatio = 2 }, "telemetry.sample_ratio"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.edit(&c.Telemetry)
			require.ErrorContains(t, c.Validate(), tt.want)
		})
	}
}
