package vips

import (
	"fmt"

	"github.com/easelhq/easel/transform"
)

// Config holds the engine's libvips settings and decoding limits.
type Config struct {
	// Concurrency is the number of libvips worker threads per operation
	// (vips_concurrency_set). easel parallelises across requests, so the
	// default is 1. It is applied once per process, by the first New.
	Concurrency int
	// CacheMaxMem is the memory of libvips' operation cache in bytes; 0
	// disables the cache (the default: easel caches rendered results itself,
	// and a render never repeats an operation). It is applied once per
	// process, by the first New. With the cache on, two renders may share a
	// cached image, and a render stopped by its deadline (cancel.go) can
	// then fail the other one too.
	CacheMaxMem int
	// MaxPixels refuses sources with more pixels per frame (CodeTooLarge).
	MaxPixels int
	// MaxPages refuses animations and documents with more frames or pages.
	MaxPages int
	// MaxAnimationPixels caps width*height*frames when all pages are loaded.
	MaxAnimationPixels int
	// MaxCost refuses, with easel.CodeTooLarge, renders whose
	// transform.Cost is higher, before any pixel is decoded; 0 means
	// transform.DefaultMaxCost (about 10 s of one core) and -1 no budget.
	MaxCost int64
	// JPEGOptimizeCoding makes JPEG output use optimised Huffman tables:
	// some 5-10% smaller for a few percent more encoding time.
	JPEGOptimizeCoding bool
	// JPEGProgressiveAbove makes JPEG output progressive (interlaced) when
	// it has more pixels than this; 0 never does. Progressive files are
	// smaller for large images and show early on slow links, but cost more
	// to encode and decode.
	JPEGProgressiveAbove int
}

// NewDefaultConfig returns the default configuration.
func NewDefaultConfig() Config {
	return Config{
		Concurrency:        1,
		CacheMaxMem:        0,
		MaxPixels:          50_000_000,
		MaxPages:           256,
		MaxAnimationPixels: 200_000_000,
		MaxCost:            transform.DefaultMaxCost,
		JPEGOptimizeCoding: true,
		// 1 MP: a 1200x800 photo and larger.
		JPEGProgressiveAbove: 1_000_000,
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
	case c.MaxCost < -1:
		return fmt.Errorf("vips config: MaxCost %d must be -1 (no budget), 0 (the default) or positive", c.MaxCost)
	case c.JPEGProgressiveAbove < 0:
		return fmt.Errorf("vips config: JPEGProgressiveAbove %d is negative", c.JPEGProgressiveAbove)
	}
	return nil
}
