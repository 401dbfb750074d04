package config

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "easel.yaml")
	require.NoError(t, os.WriteFile(file, []byte(`
addr: 0.0.0.0:9000
render:
  cache_bytes: 1024
  timeout: 5s
delivery:
  presets:
    small: w_100
`), 0o600))

	levelsOff := filepath.Join(dir, "levels-off.yaml")
	require.NoError(t, os.WriteFile(levelsOff, []byte("render:\n  levels: []\n"), 0o600))

	tests := []struct {
		name    string
		file    string
		environ []string
		check   func(t *testing.T, c Config)
		wantErr string
	}{
		{name: "defaults", check: func(t *testing.T, c Config) {
			require.Equal(t, Default(), c)
			require.NoError(t, c.Validate())
		}},
		{name: "file overrides defaults", file: file, check: func(t *testing.T, c Config) {
			require.Equal(t, "0.0.0.0:9000", c.Addr)
			require.EqualValues(t, 1024, c.Render.CacheBytes)
			require.Equal(t, 5*time.Second, c.Render.Timeout)
			require.Equal(t, "w_100", c.Delivery.Presets["small"])
			require.Equal(t, Default().Delivery.Presets["avatar"], c.Delivery.Presets["avatar"], "file presets add to the built-in ones")
			require.Equal(t, "./easel-data", c.Data, "unset keys keep their default")
		}},
		{name: "env overrides file", file: file, environ: []string{
			"EASEL_ADDR=127.0.0.1:1", "EASEL_RENDER_TIMEOUT=2s", "EASEL_DELIVERY_ALLOW_UNSIGNED=true",
			"EASEL_LIMITS_MAX_UPLOAD_BYTES=10", "EASEL_DELIVERY_PRESETS=a=w_1;b=h_2", "PATH=/bin",
			"EASEL_CALLBACKS_SCHEDULE=100ms, 1s", "EASEL_QUEUE_URL=nats://127.0.0.1:4222",
		}, check: func(t *testing.T, c Config) {
			require.Equal(t, "127.0.0.1:1", c.Addr)
			require.Equal(t, 2*time.Second, c.Render.Timeout)
			require.True(t, c.Delivery.AllowUnsigned)
			require.EqualValues(t, 10, c.Limits.MaxUploadBytes)
			require.Equal(t, map[string]string{"a": "w_1", "b": "h_2"}, c.Delivery.Presets)
			require.Equal(t, []time.Duration{100 * time.Millisecond, time.Second}, c.Callbacks.Schedule)
			require.Equal(t, "nats://127.0.0.1:4222", c.Queue.URL)
		}},
		{name: "new settings from env", environ: []string{
			"EASEL_KEYS_REFRESH=250ms", "EASEL_VISION_NEAR_DUPLICATE_DISTANCE=3", "EASEL_VISION_NEAR_DUPLICATE_LIMIT=7",
		}, check: func(t *testing.T, c Config) {
			require.Equal(t, 250*time.Millisecond, c.Keys.Refresh)
			require.Equal(t, 3, c.Vision.NearDuplicateDistance)
			require.Equal(t, 7, c.Vision.NearDuplicateLimit)
		}},
		{name: "render levels from env", environ: []string{"EASEL_RENDER_LEVELS=1600, 400"}, check: func(t *testing.T, c Config) {
			require.Equal(t, []int{1600, 400}, c.Render.Levels)
			require.NoError(t, c.Validate())
		}},
		{name: "render levels off from env", environ: []string{"EASEL_RENDER_LEVELS="}, check: func(t *testing.T, c Config) {
			require.Empty(t, c.Render.Levels)
		}},
		{name: "render levels off from the file", file: levelsOff, check: func(t *testing.T, c Config) {
			require.Empty(t, c.Render.Levels)
		}},
		{name: "bad env value", environ: []string{"EASEL_RENDER_TIMEOUT=soon"}, wantErr: "EASEL_RENDER_TIMEOUT"},
		{name: "unknown env variable", environ: []string{"EASEL_NOPE=1"}, wantErr: "EASEL_NOPE"},
		{name: "client and test variables are not settings", environ: []string{
			"EASEL_URL=http://127.0.0.1:8080", "EASEL_API_KEY=ek_x", "EASEL_TEST_NATS_SERVER=/bin/nats-server",
		}, check: func(t *testing.T, c Config) {}},
		{name: "a near miss of a test variable is unknown", environ: []string{"EASEL_TESTS=1"}, wantErr: "EASEL_TESTS"},
		{name: "missing file", file: filepath.Join(dir, "missing.yaml"), wantErr: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.file, tt.environ)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
}

func TestUnknownYAMLKeyRefused(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(file, []byte("adr: x\n"), 0o600))
	_, err := Load(file, nil)
	require.ErrorContains(t, err, "adr")
}

func TestEnvVarsCoverEveryKey(t *testing.T) {
	t.Parallel()
	vars := EnvVars()
	names := map[string]string{}
	for _, v := range vars {
		names[v[0]] = v[1]
	}
	require.Equal(t, "render.cache_bytes", names["EASEL_RENDER_CACHE_BYTES"])
	require.Equal(t, "http.shutdown_timeout", names["EASEL_HTTP_SHUTDOWN_TIMEOUT"])
	require.Equal(t, "addr", names["EASEL_ADDR"])
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*Config)
	}{
		{"empty addr", func(c *Config) { c.Addr = "" }},
		{"zero upload limit", func(c *Config) { c.Limits.MaxUploadBytes = 0 }},
		{"negative concurrency", func(c *Config) { c.Render.Concurrency = -1 }},
		{"bad log level", func(c *Config) { c.Log.Level = "loud" }},
		{"zero timeout", func(c *Config) { c.Render.Timeout = 0 }},
		{"tiny render level", func(c *Config) { c.Render.Levels = []int{1024, 8} }},
		{"zero queue replicas", func(c *Config) { c.Queue.Replicas = 0 }},
		{"zero keys refresh", func(c *Config) { c.Keys.Refresh = 0 }},
		{"near duplicate distance over 16", func(c *Config) { c.Vision.NearDuplicateDistance = 17 }},
		{"negative near duplicate distance", func(c *Config) { c.Vision.NearDuplicateDistance = -1 }},
		{"zero near duplicate limit", func(c *Config) { c.Vision.NearDuplicateLimit = 0 }},
		{"near duplicate limit over 200", func(c *Config) { c.Vision.NearDuplicateLimit = 201 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.mutate(&c)
			require.Error(t, c.Validate())
		})
	}
}
