package delivery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/render"
	"github.com/easelhq/easel/internal/source"
	"github.com/easelhq/easel/transform"
)

// Sources fetches originals from named remote sources; *source.Fetcher is
// the real one. Fetch checks the tenant, the path and every address.
type Sources interface {
	Fetch(ctx context.Context, tenant, name, rawPath string) (source.Image, error)
	Resolve(tenant, name, rawPath string) (*url.URL, string, error)
	Match(tenant, rawURL string) (name, rawPath string, err error)
}

// Signers tells which tenant's signing key made a signature;
// internal/keys.Keys is the real one.
type Signers interface {
	TenantOf(ctx context.Context, sig, path string) (tenantID string, ok bool, err error)
}

// Planner probes and plans without rendering; internal/render.Renderer is
// the real one.
type Planner interface {
	Probe(original []byte) (transform.Source, error)
	Plan(ctx context.Context, a easel.Asset, original []byte, opts transform.Options, accept string) (transform.Source, transform.Plan, error)
}

// Remote renders originals fetched from remote sources through the same
// renderer, limiter and memory cache as Delivery: delivery URLs naming a
// source (/i/{sig}/{ops}/src:{name}/{path}) and the compatible endpoints.
type Remote struct {
	d       *Delivery
	src     Sources
	signers Signers
	planner Planner
	group   singleflight.Group // renders by cache key
}

// NewRemote returns a Remote rendering with d.
func NewRemote(d *Delivery, src Sources, signers Signers, planner Planner) *Remote {
	return &Remote{d: d, src: src, signers: signers, planner: planner}
}

// RemoteResolved is a verified request for a fetched original. Its ETag is
// known before rendering.
type RemoteResolved struct {
	ETag   string
	Vary   bool
	key    string
	opts   transform.Options
	accept string
	tenant string
	image  source.Image
}

// Resolve parses and verifies a delivery path naming a source. The tenant
// is the one whose signing key signed the URL; the source must be open to
// it (else not_found).
func (r *Remote) Resolve(ctx context.Context, req Request) (*RemoteResolved, error) {
	sig, ops, name, rawPath, err := transform.ParseSourcePath(req.Path)
	if err != nil {
		return nil, err
	}
	opts, err := transform.Parse(ops)
	if err != nil {
		return nil, err
	}
	tenant := ""
	if !(r.d.cfg.AllowUnsigned && sig == "_") {
		t, ok, err := r.signers.TenantOf(ctx, sig, req.Path[len(sig)+1:])
		if err != nil {
			return nil, err
		} else if !ok {
			return nil, errBadSignature
		}
		tenant = t
	}
	fetchAs, err := r.sourceTenant(ctx, tenant, name, rawPath)
	if err != nil {
		return nil, err
	}
	return r.resolveSource(ctx, tenant, fetchAs, name, rawPath, opts, req.Accept)
}

// sourceTenant returns how the source's tenants list knows the tenant: by
// its ID, or else by its name (sources.<name>.tenants: [default]).
func (r *Remote) sourceTenant(ctx context.Context, tenantID, name, rawPath string) (string, error) {
	if _, _, err := r.src.Resolve(tenantID, name, rawPath); easel.ErrorCode(err) != easel.CodeNotFound || tenantID == "" {
		return tenantID, nil
	}
	t, err := r.d.meta.GetTenant(ctx, tenantID)
	if easel.IsNotFound(err) {
		return tenantID, nil
	} else if err != nil {
		return "", err
	}
	if _, _, err := r.src.Resolve(t.Name, name, rawPath); easel.ErrorCode(err) != easel.CodeNotFound {
		return t.Name, nil
	}
	return tenantID, nil
}

// ResolveSource resolves already verified options for the original at
// rawPath of the source called name, for tenant: it fetches the original
// (from the blob cache while fresh) and derives the ETag and the cache key
// from the source, the path, the original's validator and the options.
func (r *Remote) ResolveSource(ctx context.Context, tenant, name, rawPath string, opts transform.Options, accept string) (*RemoteResolved, error) {
	return r.resolveSource(ctx, tenant, tenant, name, rawPath, opts, accept)
}

// resolveSource is ResolveSource fetching as fetchAs (the tenant's ID or
// name, as the source lists it); overlays belong to tenant.
func (r *Remote) resolveSource(ctx context.Context, tenant, fetchAs, name, rawPath string, opts transform.Options, accept string) (*RemoteResolved, error) {
	opts, err := transform.Expand(opts, r.d.cfg.Presets)
	if err != nil {
		return nil, err
	}
	res := &RemoteResolved{opts: opts, accept: accept, tenant: tenant}
	if opts.Format == transform.FormatAuto {
		res.opts.Format = transform.Negotiate(accept)
		res.Vary = true
	}
	img, err := r.src.Fetch(ctx, fetchAs, name, rawPath)
	if err != nil {
		return nil, err
	}
	res.image = img
	sum := sha256.Sum256(img.Data)
	validator := hex.EncodeToString(sum[:])
	keySrc := "src\x00" + img.Key + "\x00" + validator + "\x00" + res.opts.String()
	if o := res.opts.Overlay; o != nil {
		ov, err := render.OverlayAsset(ctx, r.d.meta, tenant, o.AssetID)
		if err != nil {
			return nil, err
		}
		keySrc += "\x00" + ov.SHA256
	}
	k := sha256.Sum256([]byte(keySrc))
	res.key = "src:" + hex.EncodeToString(k[:])
	res.ETag = `"` + hex.EncodeToString(k[:12]) + `"`
	return res, nil
}

// asset is the stand-in asset of a fetched original: what the renderer
// reads of an asset (tenant for overlays, size for faces, format).
func (r *Remote) asset(res *RemoteResolved) (easel.Asset, transform.Source, error) {
	src, err := r.planner.Probe(res.image.Data)
	if err != nil {
		return easel.Asset{}, src, err
	}
	w, h := src.DisplayedSize()
	return easel.Asset{ID: res.image.Key, TenantID: res.tenant, Format: string(src.Format), Width: w, Height: h, Pages: src.Pages}, src, nil
}

// Plan returns the probed source and the plan of res, without rendering.
func (r *Remote) Plan(ctx context.Context, res *RemoteResolved) (transform.Source, transform.Plan, error) {
	a, _, err := r.asset(res)
	if err != nil {
		return transform.Source{}, transform.Plan{}, err
	}
	return r.planner.Plan(ctx, a, res.image.Data, res.opts, res.accept)
}

// Render returns the image of res: from the memory cache or a render that
// identical concurrent requests share.
func (r *Remote) Render(ctx context.Context, res *RemoteResolved) (*Rendered, error) {
	d := r.d
	if hit, ok := d.cache.get(res.key); ok {
		d.obs.CacheHit("memory")
		out := *hit
		out.Layer = "memory"
		return &out, nil
	}
	v, err, _ := r.group.Do(res.key, func() (any, error) {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.Timeout)
		defer cancel()
		if hit, ok := d.cache.get(res.key); ok {
			d.obs.CacheHit("memory")
			out := *hit
			out.Layer = "memory"
			return &out, nil
		}
		d.obs.CacheMiss()
		release, err := d.limiter.Acquire(rctx)
		if err != nil {
			return nil, err
		}
		defer release()
		a, _, err := r.asset(res)
		if err != nil {
			return nil, err
		}
		start := time.Now()
		out, err := d.renderer.Render(rctx, a, res.image.Data, res.opts, res.accept)
		d.obs.Rendered(out.Format, time.Since(start), err)
		if err != nil {
			return nil, err
		}
		rd := &Rendered{Data: out.Data, ContentType: out.Format.ContentType(), ETag: res.ETag, Layer: "render", Faces: out.Faces, tenantID: res.tenant}
		d.cache.add(res.key, rd)
		return rd, nil
	})
	if err != nil {
		return nil, err
	}
	out := *v.(*Rendered)
	return &out, nil
}
