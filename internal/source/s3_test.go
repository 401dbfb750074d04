package source_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/blob/s3/s3test"
	"github.com/easelhq/easel/internal/source"
	"github.com/easelhq/easel/transform"
)

// bucket is a versitygw bucket behind a proxy that counts requests by
// method, so the tests see what a fetch asks the server.
type bucket struct {
	srv      *s3test.Server
	name     string
	endpoint string // the proxy's
	mu       sync.Mutex
	methods  map[string]int
}

func newBucket(t *testing.T) *bucket {
	t.Helper()
	srv := s3test.Start(t)
	b := &bucket{srv: srv, name: srv.NewBucket(), methods: map[string]int{}}
	target, err := url.Parse(srv.Endpoint)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	ps := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		b.methods[r.Method]++
		b.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(ps.Close)
	// A name, resolved to loopback by the fixtures' resolver: the address
	// guard decides when dialling.
	b.endpoint = "http://origin.test:" + ps.URL[strings.LastIndexByte(ps.URL, ':')+1:]
	return b
}

func (b *bucket) put(t *testing.T, key string, data []byte) {
	t.Helper()
	_, err := b.srv.Client().PutObject(context.Background(), &awss3.PutObjectInput{
		Bucket: aws.String(b.name), Key: aws.String(key), Body: bytes.NewReader(data),
	})
	require.NoError(t, err)
}

// counts returns the GET and HEAD requests seen so far.
func (b *bucket) counts() (gets, heads int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.methods[http.MethodGet], b.methods[http.MethodHead]
}

func (b *bucket) origin(prefix string, loopback bool) source.Origin {
	return source.Origin{
		S3: &source.S3Origin{
			Endpoint: b.endpoint, Bucket: b.name, AccessKey: b.srv.AccessKey, SecretKey: b.srv.SecretKey,
			PathStyle: true, Prefix: prefix,
		},
		Prefixes:      []string{"/products/"},
		Tenants:       []string{"default"},
		AllowLoopback: loopback,
	}
}

func TestS3Fetch(t *testing.T) {
	t.Parallel()
	b := newBucket(t)
	img := pngBytes(t, 3, 2)
	b.put(t, "shop/products/a.png", img)
	b.put(t, "shop/products/Mixed Case+ü.png", img)
	b.put(t, "shop/products/page.html", []byte("<!doctype html><p>hello</p>"))
	b.put(t, "shop/products/big.png", append(pngBytes(t, 1, 1), make([]byte, 70<<10)...))
	b.put(t, "shop/products/empty.png", nil)
	b.put(t, "shop/secret/a.png", img)

	open := newFetcher(t, fixture{cfg: config(map[string]source.Origin{"archive": b.origin("shop/", true)})})
	closed := newFetcher(t, fixture{cfg: config(map[string]source.Origin{"archive": b.origin("shop/", false)})})

	tests := []struct {
		name     string
		f        *source.Fetcher
		tenant   string
		path     string
		wantCode easel.Code
	}{
		{name: "image", f: open, path: "products/a.png"},
		{name: "escaped name", f: open, path: "products/Mixed%20Case+%C3%BC.png"},
		{name: "missing", f: open, path: "products/none.png", wantCode: easel.CodeNotFound},
		{name: "outside the prefixes", f: open, path: "secret/a.png", wantCode: easel.CodePermissionDenied},
		{name: "dot segments", f: open, path: "products/../secret/a.png", wantCode: easel.CodeInvalidArgument},
		{name: "tenant not allowed", f: open, tenant: "other", path: "products/a.png", wantCode: easel.CodeNotFound},
		{name: "not an image", f: open, path: "products/page.html", wantCode: easel.CodeUnsupportedMedia},
		{name: "empty object", f: open, path: "products/empty.png", wantCode: easel.CodeUnsupportedMedia},
		{name: "over the byte cap", f: open, path: "products/big.png", wantCode: easel.CodeTooLarge},
		{name: "loopback endpoint not allowed at dial time", f: closed, path: "products/a.png", wantCode: easel.CodePermissionDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tenant := tt.tenant
			if tenant == "" {
				tenant = "default"
			}
			got, err := tt.f.Fetch(context.Background(), tenant, "archive", tt.path)
			if tt.wantCode != "" {
				require.Error(t, err)
				require.Equal(t, tt.wantCode, easel.ErrorCode(err), err.Error())
				return
			}
			require.NoError(t, err)
			require.Equal(t, img, got.Data)
			require.Equal(t, transform.FormatPNG, got.Format)
			require.NotEmpty(t, got.ETag)
			require.NotEmpty(t, got.LastModified)
		})
	}
	gets, _ := b.counts()
	require.Equal(t, 4, gets, "only the two images, the page and the empty object are downloaded: the big one is refused by its HEAD, the others before any request")
}

func TestS3Revalidate(t *testing.T) {
	t.Parallel()
	b := newBucket(t)
	v1, v2 := pngBytes(t, 1, 1), pngBytes(t, 2, 1)
	b.put(t, "products/a.png", v1)
	var clock atomic.Int64
	clock.Store(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Unix())
	cfg := config(map[string]source.Origin{"archive": b.origin("", true)})
	cfg.RevalidateAfter = time.Minute
	f := newFetcher(t, fixture{cfg: cfg, now: func() time.Time { return time.Unix(clock.Load(), 0) }})
	fetch := func() []byte {
		t.Helper()
		img, err := f.Fetch(context.Background(), "default", "archive", "products/a.png")
		require.NoError(t, err)
		return img.Data
	}
	want := func(gets, heads int) {
		t.Helper()
		g, h := b.counts()
		require.Equal(t, [2]int{gets, heads}, [2]int{g, h}, "GET and HEAD requests")
	}

	require.Equal(t, v1, fetch())
	want(1, 1)
	require.Equal(t, v1, fetch()) // fresh: from the cache
	want(1, 1)

	clock.Add(61)
	require.Equal(t, v1, fetch()) // revalidated by a HEAD: same ETag
	want(1, 2)
	require.Equal(t, v1, fetch()) // fresh again
	want(1, 2)

	b.put(t, "products/a.png", v2)
	clock.Add(61)
	require.Equal(t, v2, fetch()) // changed: HEAD, then GET
	want(2, 3)
}

func TestS3FetchOnce(t *testing.T) {
	t.Parallel()
	b := newBucket(t)
	img := pngBytes(t, 4, 4)
	b.put(t, "products/a.png", img)
	f := newFetcher(t, fixture{cfg: config(map[string]source.Origin{"archive": b.origin("", true)})})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			got, err := f.Fetch(context.Background(), "default", "archive", "products/a.png")
			if err == nil && !bytes.Equal(got.Data, img) {
				err = errBytes
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	gets, heads := b.counts()
	require.Equal(t, 1, gets)
	require.Equal(t, 1, heads)
}

var errBytes = easel.Errorf(easel.CodeInternal, "other bytes")

func TestS3Match(t *testing.T) {
	t.Parallel()
	s3o := func(bucket, prefix string, tenants ...string) source.Origin {
		return source.Origin{S3: &source.S3Origin{Bucket: bucket, AccessKey: "k", SecretKey: "s", Prefix: prefix}, Tenants: tenants}
	}
	cfg := source.NewDefaultConfig()
	cfg.Origins = map[string]source.Origin{
		"archive": s3o("photos", ""),
		"deep":    s3o("photos", "deep/"),
		"acme":    s3o("acme-bucket", "", "acme"),
		"web":     {URL: "https://photos/"},
	}
	f, err := source.New(cfg, source.NewMemoryCache(1<<20))
	require.NoError(t, err)
	tests := []struct {
		name, tenant, url, wantName, wantPath string
		wantCode                              easel.Code
	}{
		{name: "bucket", url: "s3://photos/a/b.jpg", wantName: "archive", wantPath: "a/b.jpg"},
		{name: "longest prefix", url: "s3://photos/deep/b.jpg", wantName: "deep", wantPath: "b.jpg"},
		{name: "escaped", url: "s3://photos/a%20b.jpg", wantName: "archive", wantPath: "a%20b.jpg"},
		{name: "tenant's bucket", tenant: "acme", url: "s3://acme-bucket/a.jpg", wantName: "acme", wantPath: "a.jpg"},
		{name: "not open to the tenant", tenant: "other", url: "s3://acme-bucket/a.jpg", wantCode: easel.CodePermissionDenied},
		{name: "unknown bucket", url: "s3://elsewhere/a.jpg", wantCode: easel.CodePermissionDenied},
		{name: "version query", url: "s3://photos/a.jpg?versionId=1", wantCode: easel.CodeInvalidArgument},
		{name: "http does not match s3", url: "https://acme-bucket/a.jpg", wantCode: easel.CodePermissionDenied},
		{name: "http origin still matches", url: "https://photos/a.jpg", wantName: "web", wantPath: "a.jpg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name, p, err := f.Match(tt.tenant, tt.url)
			if tt.wantCode != "" {
				require.Error(t, err)
				require.Equal(t, tt.wantCode, easel.ErrorCode(err))
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantName, name)
			require.Equal(t, tt.wantPath, p)
		})
	}
}

func TestS3ConfigValidate(t *testing.T) {
	t.Parallel()
	good := func() *source.S3Origin {
		return &source.S3Origin{Endpoint: "https://s3.example.com", Bucket: "photos", AccessKey: "k", SecretKey: "s", Prefix: "a/"}
	}
	tests := []struct {
		name    string
		origin  source.Origin
		wantErr string
	}{
		{name: "good", origin: source.Origin{S3: good()}},
		{name: "aws", origin: source.Origin{S3: &source.S3Origin{Bucket: "photos", Region: "eu-west-1", AccessKey: "k", SecretKey: "s"}}},
		{name: "url and s3", origin: source.Origin{URL: "https://x.example/", S3: good()}, wantErr: "not both"},
		{name: "neither", origin: source.Origin{}, wantErr: "set url or s3"},
		{name: "no bucket", origin: source.Origin{S3: &source.S3Origin{AccessKey: "k", SecretKey: "s"}}, wantErr: "sources.a.s3.bucket"},
		{name: "no secret", origin: source.Origin{S3: &source.S3Origin{Bucket: "photos", AccessKey: "k"}}, wantErr: "sources.a.s3.secret_key"},
		{name: "loopback endpoint", origin: source.Origin{S3: &source.S3Origin{Endpoint: "http://127.0.0.1:7070", Bucket: "photos", AccessKey: "k", SecretKey: "s"}}, wantErr: "sources.a.s3.endpoint"},
		{name: "loopback allowed", origin: source.Origin{AllowLoopback: true, S3: &source.S3Origin{Endpoint: "http://127.0.0.1:7070", Bucket: "photos", AccessKey: "k", SecretKey: "s"}}},
		{name: "metadata endpoint", origin: source.Origin{AllowLoopback: true, S3: &source.S3Origin{Endpoint: "http://169.254.169.254", Bucket: "photos", AccessKey: "k", SecretKey: "s"}}, wantErr: "sources.a.s3.endpoint"},
		{name: "prefix without slash", origin: source.Origin{S3: &source.S3Origin{Bucket: "photos", AccessKey: "k", SecretKey: "s", Prefix: "a"}}, wantErr: "sources.a.s3.prefix"},
		{name: "prefix with dots", origin: source.Origin{S3: &source.S3Origin{Bucket: "photos", AccessKey: "k", SecretKey: "s", Prefix: "a/../"}}, wantErr: "sources.a.s3.prefix"},
		{name: "prefix with leading slash", origin: source.Origin{S3: &source.S3Origin{Bucket: "photos", AccessKey: "k", SecretKey: "s", Prefix: "/a/"}}, wantErr: "sources.a.s3.prefix"},
		{name: "prefix with capitals", origin: source.Origin{S3: &source.S3Origin{Bucket: "photos", AccessKey: "k", SecretKey: "s", Prefix: "Archive 2020/"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := source.NewDefaultConfig()
			c.Origins = map[string]source.Origin{"a": tt.origin}
			err := c.Validate()
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}
