package webhook

import (
	"fmt"
	"time"

	"github.com/easelhq/easel"
)

// Config configures a Dispatcher.
type Config struct {
	// Schedule holds the delays before retries 1..n. A nil Schedule takes
	// DefaultSchedule; an empty, non-nil one means no retries.
	Schedule []time.Duration
	// Timeout bounds one attempt: connecting, sending, and reading the response.
	Timeout time.Duration
	// AllowPrivate allows callbacks to private, link-local and CGNAT
	// addresses; AllowLoopback to loopback ones. Both are off in production.
	AllowPrivate, AllowLoopback bool
	// Concurrency is how many callbacks are delivered at once.
	Concurrency int
	// UserAgent is the User-Agent header of callback requests.
	UserAgent string
	// Observe, when not nil, is told of every attempt that reached the
	// endpoint or failed to (for the per-effect metrics).
	Observe func(t easel.Task, res easel.CallbackDelivery)
}

// DefaultSchedule is the default retry schedule: after the first attempt,
// retries 5s, 5m, 30m, 2h, 5h, 10h, 14h, 20h and 24h apart, about three days
// in all (Svix's schedule, stretched).
var DefaultSchedule = []time.Duration{
	5 * time.Second,
	5 * time.Minute,
	30 * time.Minute,
	2 * time.Hour,
	5 * time.Hour,
	10 * time.Hour,
	14 * time.Hour,
	20 * time.Hour,
	24 * time.Hour,
}

// Defaults of Config.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultConcurrency = 8
	DefaultUserAgent   = "easel-webhooks/1"
)

// NewDefaultConfig returns the default configuration: DefaultSchedule,
// DefaultTimeout, DefaultConcurrency, DefaultUserAgent, and only public
// destinations.
func NewDefaultConfig() Config {
	return Config{
		Schedule:    append([]time.Duration(nil), DefaultSchedule...),
		Timeout:     DefaultTimeout,
		Concurrency: DefaultConcurrency,
		UserAgent:   DefaultUserAgent,
	}
}

// withDefaults returns c with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	d := NewDefaultConfig()
	if c.Schedule == nil {
		c.Schedule = d.Schedule
	} else {
		c.Schedule = append([]time.Duration(nil), c.Schedule...)
	}
	if c.Timeout == 0 {
		c.Timeout = d.Timeout
	}
	if c.Concurrency == 0 {
		c.Concurrency = d.Concurrency
	}
	if c.UserAgent == "" {
		c.UserAgent = d.UserAgent
	}
	return c
}

// Validate reports the first invalid setting. Zero values are valid: they
// take their defaults.
func (c Config) Validate() error {
	for i, d := range c.Schedule {
		if d < 0 {
			return fmt.Errorf("webhook config: Schedule[%d] %s is negative", i, d)
		}
	}
	switch {
	case c.Timeout < 0:
		return fmt.Errorf("webhook config: Timeout %s is negative", c.Timeout)
	case c.Concurrency < 0 || c.Concurrency > 1024:
		return fmt.Errorf("webhook config: Concurrency %d out of range 1..1024", c.Concurrency)
	}
	return nil
}
