package observe

import (
	"regexp"
	"sync"
)

// Config configures the per-effect metrics.
type Config struct {
	// Enabled turns the per-effect series on; off, every method is a
	// no-op and Delivery returns nil.
	Enabled bool
	// Region is this node's region label; empty is "default".
	Region string
	// MaxTenants is how many tenants get a label of their own; later ones
	// are "other".
	MaxTenants int
	// MaxNames is how many flow and processor names get a label of their
	// own; later ones are "other".
	MaxNames int
}

// Default limits of Config.
const (
	DefaultMaxTenants = 100
	DefaultMaxNames   = 64
	DefaultRegion     = "default"
	// Other is the label of whatever is past a bound.
	Other = EffectOther
)

// namePattern is what a flow or processor name must look like to be a
// label of its own.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// capped admits the first max values it is asked about; the rest map to
// Other. It is safe for concurrent use.
type capped struct {
	mu   sync.RWMutex
	max  int
	seen map[string]struct{}
}

func newCapped(max int) *capped { return &capped{max: max, seen: make(map[string]struct{})} }

// label returns v when it is admitted (or can be), else Other.
func (c *capped) label(v string) string {
	if v == "" {
		return Other
	}
	c.mu.RLock()
	_, ok := c.seen[v]
	c.mu.RUnlock()
	if ok {
		return v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[v]; ok {
		return v
	}
	if len(c.seen) >= c.max {
		return Other
	}
	c.seen[v] = struct{}{}
	return v
}

// Tenant is the tenant label of id: id for the first MaxTenants tenants,
// "other" past them.
func (m *Metrics) Tenant(id string) string {
	if m == nil {
		return Other
	}
	return m.tenants.label(id)
}

// Effect is the effect label of e: e when it is one of Effects, a flow or
// processor name admitted within MaxNames, else "other".
func (m *Metrics) Effect(e string) string {
	if IsEffect(e) {
		return e
	}
	if m == nil || !namePattern.MatchString(e) {
		return Other
	}
	return m.names.label(e)
}
