package app

import (
	"log/slog"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/compat/thumbor"
	"github.com/easelhq/easel/internal/config"
	"github.com/easelhq/easel/internal/delivery"
	"github.com/easelhq/easel/internal/httpapi"
	"github.com/easelhq/easel/internal/keys"
	"github.com/easelhq/easel/internal/render"
	"github.com/easelhq/easel/internal/source"
)

// originCacheBytes bounds the memory copy of fetched originals in front of
// the blob store.
const originCacheBytes = 64 << 20

// newFetcher builds the remote sources, cached in the blob store under
// sources/ behind a memory copy.
func newFetcher(cfg config.Config, blobs easel.BlobStore, log *slog.Logger) (*source.Fetcher, error) {
	return source.New(cfg.SourceConfig(), source.Tiered{Front: source.NewMemoryCache(originCacheBytes), Back: source.NewBlobCache(blobs)}, source.WithLogger(log))
}

// newCompat builds the compatible endpoints the configuration enables.
func newCompat(cfg config.Config, a *App, fetcher *source.Fetcher) *httpapi.Compat {
	c := &httpapi.Compat{Remote: delivery.NewRemote(a.Delivery, fetcher, a.Keys, a.Renderer)}
	if t := cfg.Compat.Thumbor; t.Enabled {
		c.Thumbor = &delivery.ThumborConfig{
			Config: thumbor.Config{SecurityKey: t.SecurityKey, AllowUnsafe: t.AllowUnsafe},
			Source: t.Source, Tenant: t.Tenant,
		}
	}
	if i := cfg.Compat.Imgproxy; i.Enabled {
		c.Imgproxy = &delivery.ImgproxyConfig{Config: cfg.ImgproxyConfig(), Tenant: i.Tenant}
	}
	return c
}

var (
	_ delivery.Sources = (*source.Fetcher)(nil)
	_ delivery.Planner = (*render.Renderer)(nil)
)

var _ delivery.Signers = (*keys.Keys)(nil)
