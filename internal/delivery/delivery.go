package delivery

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/render"
	"github.com/easelhq/easel/transform"
)

// Config configures on-the-fly rendering of delivery URLs.
type Config struct {
	AllowUnsigned bool
	Presets       map[string]transform.Options
	Timeout       time.Duration // per render, waiting for a slot included
	CacheBytes    int64         // memory cache of rendered images; 0 disables it
	StoreVariants bool          // keep rendered images in the blob store
	// FinishAbandoned lets a running render whose result is stored as a
	// variant finish when every request waiting for it has gone. Off: it
	// is cancelled like any other (a queued render is always dropped).
	FinishAbandoned bool
}

// Observer is told what the delivery path does, for metrics. Every method
// must be cheap and safe for concurrent use.
type Observer interface {
	// CacheHit is called with the layer that answered: "memory" or "store".
	CacheHit(layer string)
	CacheMiss()
	// Rendered is called after each render with its output format and time.
	Rendered(format transform.Format, took time.Duration, err error)
	// Abandoned is called when the last request waiting for a render left
	// before it was done: started tells whether it held a render slot
	// (else it was dropped from the queue), finishing whether it goes on
	// in the background (Config.FinishAbandoned).
	Abandoned(started, finishing bool)
}

// Verifier checks URL signatures against the live signing keys.
// internal/keys.Keys is the real one.
type Verifier interface {
	// Verify reports whether sig signs path under one of the tenant's active
	// keys (any tenant's when tenantID is ""). It must be cheap: it runs on
	// every request, cached ones included.
	Verify(ctx context.Context, tenantID, sig, path string) (bool, error)
}

// Renderer renders an asset's original. internal/render.Renderer is the real one.
type Renderer interface {
	LoadOriginal(ctx context.Context, a easel.Asset) ([]byte, error)
	Render(ctx context.Context, a easel.Asset, original []byte, opts transform.Options, accept string) (transform.Output, error)
}

// Delivery renders delivery URLs: /i/{signature}/{operations}/{asset}[.{ext}].
// Its one way in is Resolve then Render.
type Delivery struct {
	cfg      Config
	meta     easel.MetaStore
	blobs    easel.BlobStore
	renderer Renderer
	keys     Verifier
	kv       KeyVerifier // keys, when it can say which key verified a URL
	limiter  *Limiter
	obs      Observer
	log      *slog.Logger

	cache   *lru[*Rendered] // renderings answered as "memory"
	memo    urlMemo
	flights flights

	writes    chan variantWrite
	writersWG sync.WaitGroup
	closeOnce sync.Once
}

// Resolved is a verified delivery request, ready to render. Its ETag is known
// before any rendering, so a matching If-None-Match costs no pixels.
type Resolved struct {
	ETag      string
	Vary      bool
	hit       *Rendered
	key       string // memory cache and singleflight key: asset/canonical
	canonical string
	opts      transform.Options
	asset     easel.Asset
	accept    string
}

// ETagValue is the ETag as a header value: the cached rendering's own on a
// memory hit, so a hit formats nothing.
func (r *Resolved) ETagValue() []string {
	if r.hit != nil {
		return r.hit.Values.ETag
	}
	return []string{r.ETag}
}

type variantWrite struct {
	assetID string
	key     string
	data    []byte
}

// New returns a Delivery. Close stops its background variant writer.
func New(cfg Config, meta easel.MetaStore, blobs easel.BlobStore, renderer Renderer, keys Verifier, limiter *Limiter, obs Observer, log *slog.Logger) *Delivery {
	d := &Delivery{
		cfg: cfg, meta: meta, blobs: blobs, renderer: renderer, keys: keys, limiter: limiter, obs: obs, log: log,
		cache:  newLRU(cfg.CacheBytes, func(r *Rendered) int64 { return int64(len(r.Data)) + 512 }),
		writes: make(chan variantWrite, 256),
	}
	d.kv, _ = keys.(KeyVerifier)
	d.flights.m = make(map[string]*flight)
	d.writersWG.Add(1)
	go d.writeVariants()
	return d
}

// Close waits for the renders in progress and the pending variant writes.
// It is idempotent.
func (d *Delivery) Close() {
	d.closeOnce.Do(func() {
		d.stopFlights()
		close(d.writes)
		d.writersWG.Wait()
	})
}

// Forget drops every cached rendering of the asset (after it is deleted).
func (d *Delivery) Forget(assetID string) { d.cache.removePrefix(assetID + "/") }

// CacheStats reports the memory cache's entries and bytes.
func (d *Delivery) CacheStats() (entries int, bytes int64) { return d.cache.size() }

// Request is a delivery request as it arrives.
type Request struct {
	// Path is the escaped path after "/i/": {signature}/{operations}/{asset}[.{ext}].
	Path string
	// Accept is the request's Accept header, for f_auto.
	Accept string
}

// Resolve parses and verifies a request. It answers from the memory cache
// when it can, without touching the database; a cached answer is still
// verified against the live signing keys, so a revoked key stops working
// for cached renders too.
func (d *Delivery) Resolve(ctx context.Context, req Request) (*Resolved, error) {
	if res, ok := d.resolveKnown(req); ok {
		return res, nil
	}
	rawPath, accept := req.Path, req.Accept
	sig, ops, assetID, ext, err := transform.ParsePath(rawPath)
	if err != nil {
		return nil, err
	}
	opts, err := transform.Parse(ops)
	if err != nil {
		return nil, err
	}
	if opts, err = transform.Expand(opts, d.cfg.Presets); err != nil {
		return nil, err
	}
	if opts.Format == transform.FormatNone && ext != transform.FormatNone && !opts.Original {
		opts.Format = ext
	}
	res := &Resolved{opts: opts, accept: accept}
	if opts.Format == transform.FormatAuto {
		res.opts.Format = transform.Negotiate(accept)
		res.Vary = true
	}
	res.canonical = res.opts.String()
	res.key = assetID + "/" + res.canonical
	signedPath := rawPath[len(sig)+1:]
	unsigned := d.cfg.AllowUnsigned && sig == "_"
	var gen uint64
	if d.kv != nil {
		gen = d.kv.Generation() // before verifying: a change meanwhile shows
	}

	if hit, ok := d.cache.get(res.key); ok {
		keyID := ""
		if !unsigned {
			if keyID, err = d.verify(ctx, hit.tenantID, sig, signedPath); err != nil {
				return nil, err
			}
		}
		res.hit, res.ETag = hit, hit.ETag
		d.remember(req, res, hit.tenantID, keyID, gen)
		return res, nil
	}

	asset, err := d.meta.GetAsset(ctx, assetID)
	if err != nil && !easel.IsNotFound(err) {
		return nil, err
	}
	keyID := ""
	if !unsigned {
		tenant := asset.TenantID // "" when not found: any tenant's key may prove the URL genuine
		if keyID, err = d.verify(ctx, tenant, sig, signedPath); err != nil {
			return nil, err
		}
	}
	if asset.ID == "" {
		return nil, easel.Errorf(easel.CodeNotFound, "asset %s not found", assetID)
	}
	res.asset = asset
	etagSrc := asset.SHA256 + "\x00" + res.canonical
	if o := res.opts.Overlay; o != nil {
		ov, err := render.OverlayAsset(ctx, d.meta, asset.TenantID, o.AssetID)
		if err != nil {
			return nil, err
		}
		etagSrc += "\x00" + ov.SHA256
	}
	sum := sha256.Sum256([]byte(etagSrc))
	res.ETag = `"` + hex.EncodeToString(sum[:12]) + `"`
	d.remember(req, res, asset.TenantID, keyID, gen)
	return res, nil
}

// verify checks a signature and returns the ID of the key that made it
// ("" when the Verifier cannot tell), or errBadSignature.
func (d *Delivery) verify(ctx context.Context, tenantID, sig, path string) (string, error) {
	if d.kv != nil {
		id, err := d.kv.VerifyKey(ctx, tenantID, sig, path)
		if err == nil && id == "" {
			err = errBadSignature
		}
		return id, err
	}
	ok, err := d.keys.Verify(ctx, tenantID, sig, path)
	if err == nil && !ok {
		err = errBadSignature
	}
	return "", err
}

var errBadSignature = easel.Errorf(easel.CodePermissionDenied, "invalid URL signature")

func (d *Delivery) render(ctx context.Context, res *Resolved, f *flight) (*Rendered, error) {
	// A request that missed the cache in Resolve may reach here just after
	// an identical render finished: use it rather than render again.
	if hit, ok := d.cache.get(res.key); ok {
		d.obs.CacheHit("memory")
		return hit, nil
	}
	variantKey := ""
	if d.cfg.StoreVariants && !res.opts.Original {
		variantKey = easel.VariantKey(res.asset.ID, res.canonical)
		if data, err := render.ReadBlob(ctx, d.blobs, variantKey); err == nil {
			faces := -1
			if render.NeedsFaces(res.opts) && res.asset.Analysis != nil {
				faces = len(res.asset.Analysis.Faces)
			}
			out := newRendered(data, sniffFormat(data).ContentType(), res.ETag, res.asset.ID, res.asset.TenantID, "store", faces)
			d.obs.CacheHit("store")
			d.cache.add(res.key, out.cached(res.key))
			return out, nil
		} else if !easel.IsNotFound(err) && ctx.Err() == nil {
			d.log.Warn("variant read failed; rendering", "key", variantKey, "err", err)
		}
	}
	d.obs.CacheMiss()

	release, err := d.limiter.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	d.markStarted(f)
	start := time.Now()
	out, err := d.renderNow(ctx, res)
	if err != nil && abandoned(ctx) {
		return nil, err // nobody waits: no failure to count
	}
	d.obs.Rendered(out.Format, time.Since(start), err)
	if err != nil {
		return nil, err
	}
	r := newRendered(out.Data, out.Format.ContentType(), res.ETag, res.asset.ID, res.asset.TenantID, "render", out.Faces).withSource(renderSource(out.Level))
	d.cache.add(res.key, r.cached(res.key))
	if variantKey != "" {
		select {
		case d.writes <- variantWrite{assetID: res.asset.ID, key: variantKey, data: out.Data}:
		default:
			d.log.Debug("variant write queue full; not stored", "key", variantKey)
		}
	}
	return r, nil
}

func (d *Delivery) renderNow(ctx context.Context, res *Resolved) (transform.Output, error) {
	if res.asset.IsVideo() && !res.opts.Original {
		// The poster frame: the renderer streams the video to a file for
		// ffmpeg rather than holding it in memory.
		return d.renderer.Render(ctx, res.asset, nil, res.opts, res.accept)
	}
	original, err := d.renderer.LoadOriginal(ctx, res.asset)
	if err != nil {
		return transform.Output{}, err
	}
	return d.renderer.Render(ctx, res.asset, original, res.opts, res.accept)
}

// writeVariants stores rendered images in the background, skipping assets
// deleted meanwhile.
func (d *Delivery) writeVariants() {
	defer d.writersWG.Done()
	for w := range d.writes {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		if _, err := d.meta.GetAsset(ctx, w.assetID); err == nil {
			if err := d.blobs.Put(ctx, w.key, bytes.NewReader(w.data)); err != nil {
				d.log.Warn("storing variant failed", "key", w.key, "err", err)
			}
		}
		cancel()
	}
}
