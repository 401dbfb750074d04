package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/source"
)

// TestSourcesFromYAMLAndEnv: sources, fetch and compat come from YAML and
// EASEL_ variables (sources as key={flow mapping} pairs separated by ";").
func TestSourcesFromYAMLAndEnv(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "easel.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
sources:
  shop: {url: "https://img.example.com/", prefixes: ["/products/"], tenants: [default]}
fetch: {timeout: 3s}
compat:
  thumbor: {enabled: true, security_key: k, source: shop, tenant: default}
`), 0o600))
	c, err := Load(path, []string{
		"EASEL_SOURCES=local={url: http://127.0.0.1:9000/, allow_loopback: true}",
		"EASEL_COMPAT_IMGPROXY_ENABLED=true",
		"EASEL_COMPAT_IMGPROXY_KEYS=736563726574",
		"EASEL_COMPAT_IMGPROXY_SALTS=68656c6c6f",
		"EASEL_COMPAT_IMGPROXY_TENANT=default",
		"EASEL_FETCH_MAX_REDIRECTS=1",
	})
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:9000/", c.Sources["local"].URL)
	require.True(t, c.Sources["local"].AllowLoopback)
	require.NotContains(t, c.Sources, "shop", "the variable replaces the map")
	require.Equal(t, 3*time.Second, c.Fetch.Timeout)
	require.Equal(t, 1, c.SourceConfig().MaxRedirects)
	require.Equal(t, []string{"736563726574"}, c.Compat.Imgproxy.Keys)
	require.True(t, c.Compat.Thumbor.Enabled)
	c.Compat.Thumbor.Source = "local"
	require.NoError(t, c.Validate())
}

func TestValidateSources(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"zero fetch timeout", func(c *Config) { c.Fetch.Timeout = 0 }, "fetch.timeout"},
		{"too many redirects", func(c *Config) { c.Fetch.MaxRedirects = 21 }, "fetch.max_redirects"},
		{"loopback source not allowed", func(c *Config) { c.Sources = map[string]source.Origin{"a": {URL: "http://127.0.0.1/"}} }, "sources.a.url"},
		{"thumbor without key", func(c *Config) { c.Compat.Thumbor = Thumbor{Enabled: true, Tenant: "t"} }, "compat.thumbor.security_key"},
		{"thumbor unknown source", func(c *Config) {
			c.Compat.Thumbor = Thumbor{Enabled: true, Tenant: "t", SecurityKey: "k", Source: "nope"}
		}, "compat.thumbor.source"},
		{"imgproxy without tenant", func(c *Config) { c.Compat.Imgproxy = Imgproxy{Enabled: true, AllowUnsafe: true} }, "compat.imgproxy.tenant"},
		{"imgproxy odd pairs", func(c *Config) {
			c.Compat.Imgproxy = Imgproxy{Enabled: true, Tenant: "t", Keys: []string{"aa"}}
		}, "keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.mutate(&c)
			require.ErrorContains(t, c.Validate(), tt.want)
		})
	}
}
