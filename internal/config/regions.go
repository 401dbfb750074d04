package config

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// regionPattern is what a region name may be: it is a NATS subject token
// and a value in the metadata.
var regionPattern = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// MultiRegion reports whether regions are configured: tasks are then
// consumed per region and requests for another region's assets redirected.
func (c Config) MultiRegion() bool { return len(c.Regions) > 0 }

// WorkerRegions returns the regions whose tasks this node's workers run:
// worker.regions, or its own region; nil with one region.
func (c Config) WorkerRegions() []string {
	if !c.MultiRegion() {
		return nil
	}
	if len(c.Worker.Regions) > 0 {
		return c.Worker.Regions
	}
	return []string{c.Region}
}

// RegionNames returns the configured regions' names, sorted.
func (c Config) RegionNames() []string {
	names := make([]string, 0, len(c.Regions))
	for n := range c.Regions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// validateRegions checks region, regions and worker.regions.
func (c Config) validateRegions() error {
	if c.Region != "" && !regionPattern.MatchString(c.Region) {
		return fmt.Errorf("config: region %q: want 1..32 of a-z, 0-9 and -", c.Region)
	}
	if !c.MultiRegion() {
		if len(c.Worker.Regions) > 0 {
			return fmt.Errorf("config: worker.regions needs regions (the base URL of each region)")
		}
		return nil
	}
	for _, name := range c.RegionNames() {
		if !regionPattern.MatchString(name) {
			return fmt.Errorf("config: regions: name %q: want 1..32 of a-z, 0-9 and -", name)
		}
		u, err := url.Parse(c.Regions[name])
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("config: regions.%s: %q is not a base URL such as https://eu.example.com", name, c.Regions[name])
		}
	}
	if c.Region == "" {
		return fmt.Errorf("config: region is empty: with regions, set this node's region (one of %s)", strings.Join(c.RegionNames(), ", "))
	}
	if _, ok := c.Regions[c.Region]; !ok {
		return fmt.Errorf("config: region %q is not in regions (%s)", c.Region, strings.Join(c.RegionNames(), ", "))
	}
	for i, r := range c.Worker.Regions {
		if _, ok := c.Regions[r]; !ok {
			return fmt.Errorf("config: worker.regions: %q is not in regions (%s)", r, strings.Join(c.RegionNames(), ", "))
		}
		if slices.Contains(c.Worker.Regions[:i], r) {
			return fmt.Errorf("config: worker.regions: %q twice", r)
		}
	}
	return nil
}

// RegionBase returns the base URL of region, without a trailing slash,
// and whether it is configured.
func (c Config) RegionBase(region string) (string, bool) {
	u, ok := c.Regions[region]
	return strings.TrimRight(u, "/"), ok
}
