package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRegions(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "easel.yaml")
	require.NoError(t, os.WriteFile(file, []byte(`
region: eu
regions:
  eu: https://eu.example.com
  us: https://us.example.com/
worker:
  regions: [eu, us]
`), 0o600))
	c, err := Load(file, nil)
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	require.True(t, c.MultiRegion())
	require.Equal(t, []string{"eu", "us"}, c.WorkerRegions())
	base, ok := c.RegionBase("us")
	require.True(t, ok)
	require.Equal(t, "https://us.example.com", base)

	// The environment: EASEL_REGION, EASEL_WORKER_REGIONS, EASEL_REGIONS.
	c, err = Load("", []string{"EASEL_REGION=us", "EASEL_REGIONS=eu=http://127.0.0.1:1;us=http://127.0.0.1:2"})
	require.NoError(t, err)
	require.NoError(t, c.Validate())
	require.Equal(t, []string{"us"}, c.WorkerRegions(), "a worker runs its own region's tasks by default")
	c, err = Load("", []string{"EASEL_REGION=us", "EASEL_REGIONS=eu=http://127.0.0.1:1;us=http://127.0.0.1:2", "EASEL_WORKER_REGIONS=eu"})
	require.NoError(t, err)
	require.Equal(t, []string{"eu"}, c.WorkerRegions())

	// One region: a region name alone is fine, and no worker regions.
	c = Default()
	require.Nil(t, c.WorkerRegions())
	c.Region = "eu"
	require.NoError(t, c.Validate())

	for _, tc := range []struct {
		name    string
		edit    func(*Config)
		wantErr string
	}{
		{"bad name", func(c *Config) { c.Region = "EU.1" }, `region "EU.1"`},
		{"worker regions alone", func(c *Config) { c.Worker.Regions = []string{"eu"} }, "worker.regions needs regions"},
		{"no own region", func(c *Config) { c.Regions = map[string]string{"eu": "https://eu.example.com"} }, "region is empty"},
		{"own region unknown", func(c *Config) {
			c.Region, c.Regions = "us", map[string]string{"eu": "https://eu.example.com"}
		}, `region "us" is not in regions (eu)`},
		{"not a base URL", func(c *Config) {
			c.Region, c.Regions = "eu", map[string]string{"eu": "https://eu.example.com/api"}
		}, "regions.eu"},
		{"not http", func(c *Config) { c.Region, c.Regions = "eu", map[string]string{"eu": "ftp://eu"} }, "regions.eu"},
		{"bad region name", func(c *Config) {
			c.Region, c.Regions = "eu", map[string]string{"eu": "https://eu", "U S": "https://us"}
		}, `name "U S"`},
		{"unknown worker region", func(c *Config) {
			c.Region, c.Regions, c.Worker.Regions = "eu", map[string]string{"eu": "https://eu"}, []string{"ap"}
		}, `worker.regions: "ap"`},
		{"worker region twice", func(c *Config) {
			c.Region, c.Regions, c.Worker.Regions = "eu", map[string]string{"eu": "https://eu"}, []string{"eu", "eu"}
		}, `"eu" twice`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.edit(&c)
			require.ErrorContains(t, c.Validate(), tc.wantErr)
		})
	}
}
