package config

import (
	"errors"
	"regexp"
	"time"
)

// Metrics configures the per-effect series on /metrics (internal/observe).
type Metrics struct {
	// Effects turns the per-effect histograms and failure counters on.
	Effects bool `yaml:"effects"`
	// Region is this node's region label ("default" when empty): a-z, 0-9
	// and -, at most 32.
	Region string `yaml:"region"`
	// MaxTenants is how many tenants get a label of their own; later ones
	// are counted as "other".
	MaxTenants int `yaml:"max_tenants"`
	// MaxNames is how many flow and processor names get an effect label of
	// their own; later ones are "other".
	MaxNames int `yaml:"max_names"`
}

// Reports configures the client report channel (POST /v1/reports).
type Reports struct {
	// Retention is how long per-minute report aggregates are kept.
	Retention time.Duration `yaml:"retention"`
}

func defaultMetrics() Metrics { return Metrics{Effects: true, MaxTenants: 100, MaxNames: 64} }

func defaultReports() Reports { return Reports{Retention: 30 * 24 * time.Hour} }

var regionLabel = regexp.MustCompile(`^[a-z0-9-]{0,32}$`)

func (m Metrics) validate() error {
	switch {
	case !regionLabel.MatchString(m.Region):
		return errors.New("config: metrics.region: want at most 32 of a-z, 0-9 and -")
	case m.MaxTenants < 1 || m.MaxTenants > 10000:
		return errors.New("config: metrics.max_tenants must be 1..10000")
	case m.MaxNames < 1 || m.MaxNames > 1000:
		return errors.New("config: metrics.max_names must be 1..1000")
	}
	return nil
}

func (r Reports) validate() error {
	if r.Retention < time.Hour {
		return errors.New("config: reports.retention must be at least 1h")
	}
	return nil
}
