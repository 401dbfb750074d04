package vips

import (
	"log/slog"
	"sync"
	"sync/atomic"

	govips "github.com/davidbyttow/govips/v2/vips"
)

// Engine probes and renders images with libvips. It is safe for concurrent
// use.
type Engine struct {
	cfg    Config
	closed atomic.Bool
}

var (
	startOnce sync.Once
	startErr  error
)

// New starts libvips (once per process: the first caller's Concurrency and
// CacheMaxMem apply) and returns an Engine with cfg's limits.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	startOnce.Do(func() { startErr = startup(cfg) })
	if startErr != nil {
		return nil, startErr
	}
	return &Engine{cfg: cfg}, nil
}

func startup(cfg Config) error {
	// libvips and glib warnings (corrupt input and the like) are expected in a
	// service that reads untrusted images: keep them at debug level.
	govips.LoggingSettings(func(domain string, level govips.LogLevel, msg string) {
		slog.Debug("libvips", "domain", domain, "level", int(level), "msg", msg)
	}, govips.LogLevelWarning)
	maxOps := 0
	if cfg.CacheMaxMem > 0 {
		maxOps = 100
	}
	if err := govips.Startup(&govips.Config{
		ConcurrencyLevel: cfg.Concurrency,
		MaxCacheMem:      cfg.CacheMaxMem,
		MaxCacheSize:     maxOps,
		MaxCacheFiles:    0,
	}); err != nil {
		return err
	}
	checkLayout()
	return nil
}

// Close releases the engine. It is idempotent and does not shut libvips down,
// since libvips cannot be restarted in the same process.
func (e *Engine) Close() { e.closed.Store(true) }

// Version returns the libvips version, such as "8.14.1".
func Version() string { return govips.Version }
