package app

import (
	"context"
	"sync"

	"github.com/easelhq/easel/internal/config"
	"github.com/easelhq/easel/internal/httpapi"
)

// regionCacheSize bounds the IDs whose tenant and region are remembered;
// past it the cache starts afresh.
const regionCacheSize = 100_000

// newRegions returns the redirects to other regions (nil with one region),
// looking assets and tasks up in meta. An asset's or a task's region never
// changes, so what was found is cached; what was not is asked again.
func newRegions(cfg config.Config, meta Store) *httpapi.Regions {
	if !cfg.MultiRegion() {
		return nil
	}
	bases := make(map[string]string, len(cfg.Regions))
	for name := range cfg.Regions {
		bases[name], _ = cfg.RegionBase(name)
	}
	c := &regionCache{m: make(map[string][2]string)}
	return &httpapi.Regions{
		Region: cfg.Region,
		Bases:  bases,
		Asset: func(ctx context.Context, id string) (string, string, error) {
			return c.get("a"+id, func() (string, string, error) {
				a, err := meta.GetAsset(ctx, id)
				return a.TenantID, a.Region, err
			})
		},
		Task: func(ctx context.Context, id string) (string, string, error) {
			return c.get("t"+id, func() (string, string, error) {
				t, err := meta.GetTask(ctx, id)
				return t.TenantID, t.Region, err
			})
		},
	}
}

type regionCache struct {
	mu sync.RWMutex
	m  map[string][2]string // key → tenant, region
}

func (c *regionCache) get(key string, load func() (string, string, error)) (string, string, error) {
	c.mu.RLock()
	v, ok := c.m[key]
	c.mu.RUnlock()
	if ok {
		return v[0], v[1], nil
	}
	tenant, region, err := load()
	if err != nil {
		return "", "", err
	}
	c.mu.Lock()
	if len(c.m) >= regionCacheSize {
		clear(c.m)
	}
	c.m[key] = [2]string{tenant, region}
	c.mu.Unlock()
	return tenant, region, nil
}
