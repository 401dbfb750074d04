package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/blob/s3"
	"github.com/easelhq/easel/internal/netguard"
	"github.com/easelhq/easel/transform"
)

// S3Origin is a source of originals in an S3 bucket: a path below the
// source is the object Prefix + path (without its leading "/").
type S3Origin struct {
	// Endpoint is the server's base URL; empty means AWS S3 of Region.
	Endpoint string `yaml:"endpoint"`
	Bucket   string `yaml:"bucket"`
	// Region signs requests; "us-east-1" when empty.
	Region    string `yaml:"region"`
	AccessKey string `yaml:"access_key"`
	SecretKey string `yaml:"secret_key"`
	// PathStyle addresses the bucket in the path; most self-hosted servers
	// need it.
	PathStyle bool `yaml:"path_style"`
	// Prefix is put before every path: with "photos/", the path
	// "/a/b.jpg" reads the object "photos/a/b.jpg". Empty, or ends with "/".
	Prefix string `yaml:"prefix"`
}

// store returns the blob/s3 Store that reads the bucket: no prefix (the
// source adds its own, which may hold any object-name characters), the
// fetch timeout per request, one attempt (the fetch's own timeout bounds
// the whole), and an HTTP client that dials through a netguard.Dialer
// with the origin's policy and follows no redirect.
func (o S3Origin) store(name string, policy netguard.Policy, resolver netguard.Resolver, cfg Config) (*s3.Store, error) {
	d := &netguard.Dialer{Policy: policy, Resolver: resolver, Timeout: cfg.Timeout}
	client := &http.Client{Transport: d.Transport(), CheckRedirect: policy.CheckRedirect(0)}
	return s3.NewUnchecked(s3.Config{
		Endpoint: o.Endpoint, Bucket: o.Bucket, Region: o.Region, AccessKey: o.AccessKey, SecretKey: o.SecretKey,
		PathStyle: o.PathStyle, Timeout: cfg.Timeout, MaxAttempts: 1, HTTPClient: client,
		Setting: "sources." + name + ".s3",
	})
}

// validate checks the S3 settings of the origin called name.
func (o S3Origin) validate(name string, policy netguard.Policy) error {
	if _, err := o.store(name, policy, nil, NewDefaultConfig()); err != nil {
		return err
	}
	if o.Endpoint != "" {
		u, _ := url.Parse(o.Endpoint)
		if err := policy.CheckURL(u); err != nil {
			return fmt.Errorf("sources.%s.s3.endpoint: %q: %w", name, o.Endpoint, err)
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("sources.%s.s3.endpoint: %q: no user, query or fragment allowed", name, o.Endpoint)
		}
	}
	p := o.Prefix
	if p != "" && (!strings.HasSuffix(p, "/") || strings.HasPrefix(p, "/") || strings.Contains(p, "//") ||
		strings.ContainsAny(p, "\\?#%") || strings.Contains("/"+p, "/../") || strings.Contains("/"+p, "/./")) {
		return fmt.Errorf("sources.%s.s3.prefix: %q must end with / and hold no leading /, //, ., .., %%, \\, ? or #", name, p)
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("sources.%s.s3.prefix: control character", name)
		}
	}
	return nil
}

// s3URL is the URL Resolve returns for an object: s3://bucket/object.
func s3URL(bucket, object string) *url.URL {
	return &url.URL{Scheme: "s3", Host: bucket, Path: "/" + object}
}

// fetchS3 gets key from the cache or the bucket: a fresh cached copy as it
// is; else a HEAD request, whose ETag (or Last-Modified) revalidates a
// cached copy; else a GET of at most MaxBytes+1 bytes, conditional on the
// HEAD's ETag so the validators describe the bytes stored.
func (f *Fetcher) fetchS3(ctx context.Context, o *origin, object, key string) (Entry, error) {
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
	for attempt := 0; ; attempt++ {
		info, err := o.bucket.HeadObject(ctx, object)
		if err != nil {
			return Entry{}, f.s3Error(ctx, o.name, err)
		}
		etag, lastModified := info.ETag, ""
		if !info.LastModified.IsZero() {
			lastModified = info.LastModified.UTC().Format(http.TimeFormat)
		}
		if ok && (etag != "" && etag == cached.ETag || etag == "" && lastModified != "" && lastModified == cached.LastModified) {
			cached.FetchedAt = f.now()
			cached.ETag, cached.LastModified = etag, lastModified
			f.put(ctx, key, cached)
			return cached, nil
		}
		if info.Size > f.cfg.MaxBytes {
			return Entry{}, easel.Errorf(easel.CodeTooLarge, "source %q: the original is larger than %d bytes", o.name, f.cfg.MaxBytes)
		}
		rc, _, err := o.bucket.OpenObject(ctx, object, f.cfg.MaxBytes+1, etag)
		if errors.Is(err, s3.ErrObjectChanged) && attempt == 0 {
			continue // replaced between HEAD and GET: look again, once
		}
		if err != nil {
			return Entry{}, f.s3Error(ctx, o.name, err)
		}
		data, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			return Entry{}, f.s3Error(ctx, o.name, err)
		}
		if int64(len(data)) > f.cfg.MaxBytes {
			return Entry{}, easel.Errorf(easel.CodeTooLarge, "source %q: the original is larger than %d bytes", o.name, f.cfg.MaxBytes)
		}
		e := Entry{Data: data, Format: sniff(data), ETag: etag, LastModified: lastModified, FetchedAt: f.now()}
		if e.Format == transform.FormatNone {
			return Entry{}, easel.Errorf(easel.CodeUnsupportedMedia, "source %q: not an image easel reads", o.name)
		}
		f.put(ctx, key, e)
		return e, nil
	}
}

// s3Error turns a failed S3 request into an *easel.Error.
func (f *Fetcher) s3Error(ctx context.Context, name string, err error) error {
	switch {
	case easel.IsNotFound(err):
		return easel.WrapError(easel.CodeNotFound, err, "source %q: the bucket has no such image", name)
	case errors.Is(err, netguard.ErrBlocked), errors.Is(err, netguard.ErrTooManyRedirects):
		return easel.WrapError(easel.CodePermissionDenied, err, "source %q: address not allowed", name)
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return easel.WrapError(easel.CodeDeadlineExceeded, err, "source %q: no answer within %s", name, f.cfg.Timeout)
	case errors.Is(err, s3.ErrObjectChanged):
		return easel.WrapError(easel.CodeUnavailable, err, "source %q: the object keeps changing; try again", name)
	case s3.IsUnreachable(err):
		return easel.WrapError(easel.CodeUnavailable, err, "source %q: the S3 server is unreachable", name)
	}
	return easel.WrapError(easel.CodeInternal, err, "source %q: fetch failed", name)
}

// matchS3 is Match for s3://bucket/object: the S3 origin open to tenant
// on that bucket whose prefix the object name starts with (the longest
// prefix; by name among equal ones).
func (f *Fetcher) matchS3(tenant string, u *url.URL) (name, rawPath string, err error) {
	object := strings.TrimPrefix(u.Path, "/")
	best := -1
	for n, o := range f.origins {
		if o.bucket == nil || !o.openTo(tenant) || u.Host != o.S3.Bucket || !strings.HasPrefix(object, o.S3.Prefix) {
			continue
		}
		if p := len(o.S3.Prefix); p > best || p == best && n < name {
			best, name = p, n
			rawPath = (&url.URL{Path: "/" + object[p:]}).EscapedPath()[1:]
		}
	}
	if best < 0 {
		return "", "", easel.Errorf(easel.CodePermissionDenied, "source URL %s: inside no configured source", quote(u.String()))
	}
	return name, rawPath, nil
}
