// Package processing holds easel's use cases, free of HTTP: uploading an
// original (sniff, probe, limits, content-addressed storage), rendering a
// delivery URL (plan, caches, singleflight, concurrency limit, deadline), and
// managing tenants and keys. It talks to libvips only through the Engine
// interface, so its tests run with fakes.
package processing
