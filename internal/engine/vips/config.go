package vips

import "fmt"

// Config holds the engine's libvips settings and decoding limits.
type Config struct {
	// Concurrency is the number of libvips worker threads per operation
	// (vips_concurrency_set). easel parallelises across requests, so the
	// default is 1. It is applied once per process, by the first New.
	Concurrency int
	// CacheMaxMem is the memory of libvips' operation cache in bytes; 0
	// disables the cache (the default: easel caches rendered results itself).
	// It is applied once per process, by the first New.
	CacheMaxMem int
	// MaxPixels refuses sources with more pixels per frame (CodeTooLarge).
	MaxPixels int
	// MaxPages refuses animations and documents with more frames or pages.
	MaxPages int
	// MaxAnimationPixels caps width*height*frames when all pages are loaded.
	MaxAnimationPixels int
}

// NewDefaultConfig returns the default configuration.
func NewDefaultConfig() Config {
	return Config{
		Concurrency:        1,
		CacheMaxMem:        0,
		MaxPixels:          50_000_000,
		MaxPages:           256,
		MaxAnimationPixels: 200_000_000,
	}
}

// Validate reports the first invalid setting.
func (c Config) Validate() error {
	switch {
	case c.Concurrency < 1 || c.Concurrency > 1024:
		return fmt.Errorf("vips config: Concurrency %d out of range 1..1024", c.Concurrency)
	case c.CacheMaxMem < 0:
		return fmt.Errorf("vips config: CacheMaxMem %d is negative", c.CacheMaxMem)
	case c.MaxPixels < 1:
		return fmt.Errorf("vips config: MaxPixels %d must be positive", c.MaxPixels)
	case c.MaxPages < 1:
		return fmt.Errorf("vips config: MaxPages %d must be positive", c.MaxPages)
	case c.MaxAnimationPixels < 1:
		return fmt.Errorf("vips config: MaxAnimationPixels %d must be positive", c.MaxAnimationPixels)
	}
	return nil
}
