// Package app is easel's composition root: it picks the backends from the
// configuration in one place and wires the services together.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/easelhq/easel"
	blobfs "github.com/easelhq/easel/internal/blob/fs"
	"github.com/easelhq/easel/internal/config"
	"github.com/easelhq/easel/internal/engine/vips"
	"github.com/easelhq/easel/internal/httpapi"
	"github.com/easelhq/easel/internal/meta/sqlite"
	"github.com/easelhq/easel/internal/processing"
	"github.com/easelhq/easel/transform"
)

// App is a running easel: stores, engine, services and the HTTP handler.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	Meta     easel.MetaStore
	Blobs    easel.BlobStore
	Keys     *processing.Keys
	Assets   *processing.Assets
	Delivery *processing.Delivery
	Handler  http.Handler

	engine *vips.Engine
}

// OpenMeta opens the metadata store the configuration names.
func OpenMeta(ctx context.Context, cfg config.Config) (easel.MetaStore, error) {
	if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	return sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(cfg.Data, "easel.db"), BusyTimeout: 5 * time.Second})
}

// OpenBlobs opens the blob store the configuration names.
func OpenBlobs(cfg config.Config) (easel.BlobStore, error) {
	return blobfs.New(blobfs.Config{Dir: filepath.Join(cfg.Data, "blobs")})
}

// New builds an App. Close releases it.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	presets, err := transform.ParsePresets(cfg.Delivery.Presets)
	if err != nil {
		return nil, fmt.Errorf("config: delivery.presets: %w", err)
	}
	engineCfg := vips.NewDefaultConfig()
	engineCfg.MaxPixels = cfg.Limits.MaxPixels
	engineCfg.MaxPages = cfg.Limits.MaxPages
	engineCfg.MaxAnimationPixels = cfg.Limits.MaxAnimationPixels
	engine, err := vips.New(engineCfg)
	if err != nil {
		return nil, fmt.Errorf("libvips: %w", err)
	}
	meta, err := OpenMeta(ctx, cfg)
	if err != nil {
		return nil, err
	}
	blobs, err := OpenBlobs(cfg)
	if err != nil {
		meta.Close()
		return nil, err
	}
	a := &App{Config: cfg, Log: log, Meta: meta, Blobs: blobs, engine: engine}
	a.Keys = processing.NewKeys(meta)
	limiter := processing.NewLimiter(cfg.RenderConcurrency(), cfg.RenderQueueLength())
	metrics := httpapi.NewMetrics(limiter, func() *processing.Delivery { return a.Delivery })
	quality := make(map[transform.Format]int, len(cfg.Render.Quality))
	for f, q := range cfg.Render.Quality {
		quality[transform.Format(f)] = q
	}
	a.Delivery = processing.NewDelivery(processing.DeliveryConfig{
		AllowUnsigned:  cfg.Delivery.AllowUnsigned,
		Presets:        presets,
		Plan:           transform.PlanConfig{MaxOutputPixels: cfg.Limits.MaxOutputPixels, Quality: quality},
		MaxOutputBytes: cfg.Limits.MaxOutputBytes,
		Timeout:        cfg.Render.Timeout,
		CacheBytes:     cfg.Render.CacheBytes,
		StoreVariants:  cfg.Render.StoreVariants,
	}, meta, blobs, engine, a.Keys, limiter, metrics, log)
	a.Assets = processing.NewAssets(meta, blobs, engine, processing.Limits{
		MaxUploadBytes: cfg.Limits.MaxUploadBytes,
		MaxUploads:     cfg.Limits.MaxUploads,
		MaxPixels:      cfg.Limits.MaxPixels,
		MaxPages:       cfg.Limits.MaxPages,
	}, log, a.Delivery.Forget)
	a.Handler = httpapi.New(httpapi.Config{
		CacheControl:   cfg.Delivery.CacheControl,
		MaxUploadBytes: cfg.Limits.MaxUploadBytes,
	}, httpapi.Deps{
		Assets: a.Assets, Delivery: a.Delivery, Keys: a.Keys, Metrics: metrics, Log: log,
		Ready: []httpapi.Checker{{Name: "metadata", Ping: meta.Ping}, {Name: "blobs", Ping: blobs.Ping}},
	})
	return a, nil
}

// Serve listens on the configured address and serves until ctx is done, then
// shuts down gracefully: it stops accepting, lets in-flight requests finish
// within http.shutdown_timeout, and returns. ready, when not nil, receives
// the bound address once listening.
func (a *App) Serve(ctx context.Context, ready func(addr net.Addr)) error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: a.Config.HTTP.ReadHeaderTimeout,
		ReadTimeout:       a.Config.HTTP.ReadTimeout,
		WriteTimeout:      a.Config.HTTP.WriteTimeout,
		IdleTimeout:       a.Config.HTTP.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down: finishing in-flight requests", "timeout", a.Config.HTTP.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.HTTP.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Close waits for background writes and closes the stores. It is idempotent.
func (a *App) Close() error {
	a.Delivery.Close()
	a.engine.Close()
	return a.Meta.Close()
}
