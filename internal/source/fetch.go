package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/blob/s3"
	"github.com/easelhq/easel/internal/netguard"
	"github.com/easelhq/easel/transform"
)

// Fetcher fetches originals from the origins of its Config. It is safe for
// concurrent use.
type Fetcher struct {
	cfg     Config
	cache   Cache
	now     func() time.Time
	log     *slog.Logger
	origins map[string]*origin
	flights flights
}

type origin struct {
	Origin
	name   string
	base   *url.URL     // http(s) origins
	client *http.Client // http(s) origins
	bucket *s3.Store    // S3 origins
}

// Option changes how New builds a Fetcher.
type Option func(*options)

type options struct {
	resolver netguard.Resolver
	now      func() time.Time
	log      *slog.Logger
}

// WithResolver resolves host names with r instead of the system resolver.
func WithResolver(r netguard.Resolver) Option { return func(o *options) { o.resolver = r } }

// WithClock makes the Fetcher tell the time with now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLogger logs failures to store fetched originals in the cache.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// New returns a Fetcher for cfg, which must pass Validate, caching in cache.
func New(cfg Config, cache Cache, opts ...Option) (*Fetcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cache == nil {
		return nil, errors.New("sources: no cache")
	}
	o := options{now: time.Now, log: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		opt(&o)
	}
	f := &Fetcher{cfg: cfg, cache: cache, now: o.now, log: o.log, origins: map[string]*origin{}}
	for name, org := range cfg.Origins {
		if org.S3 != nil {
			bucket, err := org.S3.store(name, org.Policy(), o.resolver, cfg)
			if err != nil {
				return nil, err
			}
			f.origins[name] = &origin{Origin: org, name: name, bucket: bucket}
			continue
		}
		base, err := parseBase(org)
		if err != nil {
			return nil, fmt.Errorf("sources.%s.url: %w", name, err)
		}
		d := &netguard.Dialer{Policy: org.Policy(), Resolver: o.resolver, Timeout: cfg.Timeout}
		f.origins[name] = &origin{
			Origin: org,
			name:   name,
			base:   base,
			client: &http.Client{Transport: d.Transport(), CheckRedirect: org.Policy().CheckRedirect(cfg.MaxRedirects)},
		}
	}
	return f, nil
}

// openTo reports whether tenant may use the origin.
func (o *origin) openTo(tenant string) bool {
	return len(o.Tenants) == 0 || slices.Contains(o.Tenants, tenant)
}

// Image is a fetched original.
type Image struct {
	Entry
	// Key identifies the original: the origin's name and the decoded path
	// ("shop:/products/a.jpg"). It is the Cache key.
	Key string
}

// Resolve checks that tenant may fetch rawPath (percent-encoded, relative
// to the origin's URL, as in a delivery URL) from the origin called name,
// and returns the URL to fetch and the cache key. Errors are *easel.Error:
// not_found for an origin that does not exist or is not open to the tenant,
// invalid_argument for a bad path, permission_denied for a path outside the
// origin's prefixes.
func (f *Fetcher) Resolve(tenant, name, rawPath string) (*url.URL, string, error) {
	o, ok := f.origins[name]
	if !ok || !o.openTo(tenant) {
		return nil, "", easel.Errorf(easel.CodeNotFound, "source %q not found", name)
	}
	p, err := cleanPath(rawPath)
	if err != nil {
		return nil, "", err
	}
	if !underPrefix(p, o.Prefixes) {
		return nil, "", easel.Errorf(easel.CodePermissionDenied, "source %q: path %s is outside its prefixes", name, quote(p))
	}
	if o.bucket != nil {
		return s3URL(o.S3.Bucket, o.S3.Prefix+p[1:]), name + ":" + p, nil
	}
	u := *o.base
	u.Path = o.base.Path + p[1:]
	u.RawPath = ""
	return &u, name + ":" + p, nil
}

// Match finds the origin open to tenant that a full URL falls inside (the
// longest matching base URL; by name among equal ones) and returns its name
// and the rest of the path, percent-encoded, for Fetch. The URL must be
// http or https, or s3://bucket/object for S3 origins (matched by bucket
// and prefix), without query, fragment or user information. A URL inside
// no such origin is permission_denied.
func (f *Fetcher) Match(tenant, rawURL string) (name, rawPath string, err error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "s3") || u.Host == "" || u.User != nil || u.Opaque != "" {
		return "", "", easel.Errorf(easel.CodeInvalidArgument, "source URL %s: not an absolute http(s) or s3 URL", quote(rawURL))
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", "", easel.Errorf(easel.CodeInvalidArgument, "source URL %s: query strings and fragments are not supported", quote(rawURL))
	}
	if u.Scheme == "s3" {
		return f.matchS3(tenant, u)
	}
	best := -1
	for n, o := range f.origins {
		if o.base == nil {
			continue
		}
		bp := o.base.EscapedPath()
		if !o.openTo(tenant) || u.Scheme != o.base.Scheme || !strings.EqualFold(u.Host, o.base.Host) ||
			!strings.HasPrefix(u.EscapedPath(), bp) {
			continue
		}
		if len(bp) > best || len(bp) == best && n < name {
			best, name, rawPath = len(bp), n, u.EscapedPath()[len(bp):]
		}
	}
	if best < 0 {
		return "", "", easel.Errorf(easel.CodePermissionDenied, "source URL %s: inside no configured source", quote(rawURL))
	}
	return name, rawPath, nil
}

// Fetch returns the original at rawPath of the origin called name, for
// tenant (see Resolve), from the cache when it is fresh, else from the
// origin. Concurrent identical fetches make one request. Besides Resolve's,
// errors are *easel.Error: permission_denied when an address or a redirect
// is refused, not_found when the origin answers 404 or 410, too_large past
// Config.MaxBytes, unsupported_media when the bytes are not an image,
// deadline_exceeded past Config.Timeout, internal for other failures.
func (f *Fetcher) Fetch(ctx context.Context, tenant, name, rawPath string) (Image, error) {
	u, key, err := f.Resolve(tenant, name, rawPath)
	if err != nil {
		return Image{}, err
	}
	o := f.origins[name]
	e, err := f.flights.do(ctx, key, func(ctx context.Context) (Entry, error) {
		if o.bucket != nil {
			return f.fetchS3(ctx, o, strings.TrimPrefix(u.Path, "/"), key)
		}
		return f.fetch(ctx, o, u, key)
	})
	if err != nil {
		if ctx.Err() != nil && easel.ErrorCode(err) == easel.CodeInternal {
			return Image{}, easel.WrapError(easel.CodeDeadlineExceeded, err, "source %q: the request ended", name)
		}
		return Image{}, err
	}
	return Image{Entry: e, Key: key}, nil
}

// fetch gets key from the cache or the origin.
func (f *Fetcher) fetch(ctx context.Context, o *origin, u *url.URL, key string) (Entry, error) {
	cached, ok, err := f.cache.Get(ctx, key)
	if err != nil {
		f.log.Warn("sources: cache get", "key", key, "err", err)
		ok = false
	}
	if ok && f.now().Sub(cached.FetchedAt) < f.cfg.RevalidateAfter {
		return cached, nil
	}
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Entry{}, easel.WrapError(easel.CodeInvalidArgument, err, "source %q: bad URL", o.name)
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	req.Header.Set("Accept", "image/*")
	if ok {
		if cached.ETag != "" {
			req.Header.Set("If-None-Match", cached.ETag)
		}
		if cached.LastModified != "" {
			req.Header.Set("If-Modified-Since", cached.LastModified)
		}
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return Entry{}, f.transportError(ctx, o.name, err)
	}
	defer resp.Body.Close()

	switch {
	case resp.StatusCode == http.StatusNotModified && ok:
		cached.FetchedAt = f.now()
		if v := resp.Header.Get("ETag"); v != "" {
			cached.ETag = v
		}
		if v := resp.Header.Get("Last-Modified"); v != "" {
			cached.LastModified = v
		}
		f.put(ctx, key, cached)
		return cached, nil
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		return Entry{}, easel.Errorf(easel.CodeNotFound, "source %q: the origin has no such image", o.name)
	case resp.StatusCode != http.StatusOK:
		return Entry{}, easel.Errorf(easel.CodeInternal, "source %q: the origin answered %d", o.name, resp.StatusCode)
	case resp.ContentLength > f.cfg.MaxBytes:
		return Entry{}, easel.Errorf(easel.CodeTooLarge, "source %q: the original is larger than %d bytes", o.name, f.cfg.MaxBytes)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, f.cfg.MaxBytes+1))
	if err != nil {
		return Entry{}, f.transportError(ctx, o.name, err)
	}
	if int64(len(data)) > f.cfg.MaxBytes {
		return Entry{}, easel.Errorf(easel.CodeTooLarge, "source %q: the original is larger than %d bytes", o.name, f.cfg.MaxBytes)
	}
	format := sniff(data)
	if format == transform.FormatNone {
		return Entry{}, easel.Errorf(easel.CodeUnsupportedMedia, "source %q: not an image easel reads (Content-Type %q)", o.name, resp.Header.Get("Content-Type"))
	}
	e := Entry{
		Data:         data,
		Format:       format,
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		FetchedAt:    f.now(),
	}
	f.put(ctx, key, e)
	return e, nil
}

// put caches e; a failure only costs a later refetch, so it is logged.
func (f *Fetcher) put(ctx context.Context, key string, e Entry) {
	if err := f.cache.Put(ctx, key, e); err != nil {
		f.log.Warn("sources: cache put", "key", key, "err", err)
	}
}

// transportError turns a failed request or body read into an *easel.Error.
func (f *Fetcher) transportError(ctx context.Context, name string, err error) error {
	switch {
	case errors.Is(err, netguard.ErrBlocked):
		return easel.WrapError(easel.CodePermissionDenied, err, "source %q: address not allowed", name)
	case errors.Is(err, netguard.ErrTooManyRedirects):
		return easel.WrapError(easel.CodePermissionDenied, err, "source %q: more than %d redirects", name, f.cfg.MaxRedirects)
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return easel.WrapError(easel.CodeDeadlineExceeded, err, "source %q: no answer within %s", name, f.cfg.Timeout)
	}
	return easel.WrapError(easel.CodeInternal, err, "source %q: fetch failed", name)
}
