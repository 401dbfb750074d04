package delivery

import (
	"context"
	"time"

	"github.com/easelhq/easel/internal/compat/imgproxy"
	"github.com/easelhq/easel/internal/compat/thumbor"
)

// ThumborConfig configures the thumbor-compatible endpoint.
type ThumborConfig struct {
	thumbor.Config
	// Source is the source of image paths that are not full URLs.
	Source string
	// Tenant is the tenant the endpoint renders for.
	Tenant string
}

// ImgproxyConfig configures the imgproxy-compatible endpoint.
type ImgproxyConfig struct {
	imgproxy.Config
	// Tenant is the tenant the endpoint renders for.
	Tenant string
}

// Thumbor verifies and parses path, the part of a thumbor URL after
// /thumbor (still percent-encoded), finds its source, and resolves it like
// a delivery URL.
func (r *Remote) Thumbor(ctx context.Context, cfg ThumborConfig, path, accept string) (*RemoteResolved, thumbor.Request, error) {
	req, err := thumbor.Parse(cfg.Config, path)
	if err != nil {
		return nil, req, err
	}
	name, rawPath, err := req.Source(cfg.Tenant, cfg.Source, r.src)
	if err != nil {
		return nil, req, err
	}
	res, err := r.ResolveSource(ctx, cfg.Tenant, name, rawPath, req.Options, accept)
	return res, req, err
}

// Imgproxy verifies and parses path, the part of an imgproxy URL after
// /imgproxy (still percent-encoded), finds its source, and resolves it
// like a delivery URL. now is the time expires is checked against.
func (r *Remote) Imgproxy(ctx context.Context, cfg ImgproxyConfig, path, accept string, now time.Time) (*RemoteResolved, imgproxy.Request, error) {
	req, err := imgproxy.Parse(cfg.Config, path, now)
	if err != nil {
		return nil, req, err
	}
	name, rawPath, err := req.Source(cfg.Tenant, r.src)
	if err != nil {
		return nil, req, err
	}
	res, err := r.ResolveSource(ctx, cfg.Tenant, name, rawPath, req.Options, accept)
	return res, req, err
}
