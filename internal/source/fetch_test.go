package source_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/source"
	"github.com/easelhq/easel/transform"
)

// resolverFunc adapts a function to netguard.Resolver.
type resolverFunc func(ctx context.Context, network, host string) ([]netip.Addr, error)

func (f resolverFunc) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	return f(ctx, network, host)
}

// hosts resolves the names of m, and nothing else.
func hosts(m map[string]string) resolverFunc {
	return func(_ context.Context, _, host string) ([]netip.Addr, error) {
		a, ok := m[host]
		if !ok {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))))
	return buf.Bytes()
}

// origin is a test origin on loopback, reachable as http://origin.test:port/.
type origin struct {
	srv  *httptest.Server
	port string
	hits atomic.Int32
}

func newOrigin(t *testing.T, h http.HandlerFunc) *origin {
	t.Helper()
	o := &origin{}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(o.srv.Close)
	_, o.port, _ = net.SplitHostPort(o.srv.Listener.Addr().String())
	return o
}

func (o *origin) url() string { return "http://origin.test:" + o.port + "/" }

type fixture struct {
	cfg      source.Config
	resolver resolverFunc
	now      func() time.Time
	cache    *source.MemoryCache
}

func newFetcher(t *testing.T, fx fixture) *source.Fetcher {
	t.Helper()
	if fx.resolver == nil {
		fx.resolver = hosts(map[string]string{"origin.test": "127.0.0.1", "metadata.test": "169.254.169.254"})
	}
	if fx.now == nil {
		fx.now = time.Now
	}
	if fx.cache == nil {
		fx.cache = source.NewMemoryCache(1 << 20)
	}
	f, err := source.New(fx.cfg, fx.cache, source.WithResolver(fx.resolver), source.WithClock(fx.now))
	require.NoError(t, err)
	return f
}

func config(origins map[string]source.Origin) source.Config {
	cfg := source.NewDefaultConfig()
	cfg.Origins = origins
	cfg.Timeout = 2 * time.Second
	cfg.MaxBytes = 64 << 10
	return cfg
}

func TestFetch(t *testing.T) {
	t.Parallel()
	img := pngBytes(t, 3, 2)
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a.png":
			_, _ = w.Write(img)
		case "/page.html":
			w.Header().Set("Content-Type", "image/png") // lies: the bytes decide
			_, _ = w.Write([]byte("<!doctype html><p>not found</p>"))
		case "/big.png":
			_, _ = w.Write(append(img, make([]byte, 70<<10)...))
		case "/big-chunked.png":
			w.Header().Set("Content-Type", "image/png")
			for range 70 {
				_, _ = w.Write(make([]byte, 1<<10))
				w.(http.Flusher).Flush()
			}
		case "/slow.png":
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		case "/to-private":
			http.Redirect(w, r, "http://10.0.0.1/a.png", http.StatusFound)
		case "/to-metadata-name":
			http.Redirect(w, r, "http://metadata.test:"+r.URL.Port()+"/latest", http.StatusFound)
		case "/to-ftp":
			http.Redirect(w, r, "ftp://origin.test/a.png", http.StatusFound)
		case "/to-a":
			http.Redirect(w, r, "/a.png", http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/gone":
			w.WriteHeader(http.StatusGone)
		default:
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	open := newFetcher(t, fixture{cfg: config(map[string]source.Origin{
		"local": {URL: o.url(), AllowLoopback: true},
	})})
	closed := newFetcher(t, fixture{cfg: config(map[string]source.Origin{
		"local": {URL: o.url(), AllowPrivate: true}, // private, but not loopback
	})})
	rebound := newFetcher(t, fixture{
		cfg:      config(map[string]source.Origin{"local": {URL: o.url()}}),
		resolver: hosts(map[string]string{"origin.test": "10.1.2.3"}), // DNS rebinding to a private address
	})
	mapped := newFetcher(t, fixture{
		cfg:      config(map[string]source.Origin{"local": {URL: o.url(), AllowPrivate: true}}),
		resolver: hosts(map[string]string{"origin.test": "::ffff:127.0.0.1"}),
	})

	tests := []struct {
		name     string
		f        *source.Fetcher
		path     string
		wantCode easel.Code
	}{
		{name: "image", f: open, path: "a.png"},
		{name: "redirect inside the limit", f: open, path: "to-a"},
		{name: "loopback not allowed", f: closed, path: "a.png", wantCode: easel.CodePermissionDenied},
		{name: "name rebound to a private address", f: rebound, path: "a.png", wantCode: easel.CodePermissionDenied},
		{name: "name rebound to mapped loopback", f: mapped, path: "a.png", wantCode: easel.CodePermissionDenied},
		{name: "redirect to a private address", f: open, path: "to-private", wantCode: easel.CodePermissionDenied},
		{name: "redirect to a name of a link-local address", f: open, path: "to-metadata-name", wantCode: easel.CodePermissionDenied},
		{name: "redirect to ftp", f: open, path: "to-ftp", wantCode: easel.CodePermissionDenied},
		{name: "redirect loop", f: open, path: "loop", wantCode: easel.CodePermissionDenied},
		{name: "not an image", f: open, path: "page.html", wantCode: easel.CodeUnsupportedMedia},
		{name: "oversize with length", f: open, path: "big.png", wantCode: easel.CodeTooLarge},
		{name: "oversize chunked", f: open, path: "big-chunked.png", wantCode: easel.CodeTooLarge},
		{name: "gone", f: open, path: "gone", wantCode: easel.CodeNotFound},
		{name: "server error", f: open, path: "error", wantCode: easel.CodeInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := o.hits.Load()
			got, err := tt.f.Fetch(context.Background(), "default", "local", tt.path)
			if tt.wantCode != "" {
				require.Error(t, err)
				require.Equal(t, tt.wantCode, easel.ErrorCode(err), err.Error())
				if tt.f != open {
					require.Equal(t, before, o.hits.Load(), "the refused request reached the origin")
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, img, got.Data)
			require.Equal(t, transform.FormatPNG, got.Format)
		})
	}
}

func TestFetchTimeout(t *testing.T) {
	t.Parallel()
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		_, _ = w.Write([]byte{0x89, 'P'})
		w.(http.Flusher).Flush()
		<-r.Context().Done() // a body that never ends
	})
	cfg := config(map[string]source.Origin{"local": {URL: o.url(), AllowLoopback: true}})
	cfg.Timeout = 200 * time.Millisecond
	f := newFetcher(t, fixture{cfg: cfg})
	start := time.Now()
	_, err := f.Fetch(context.Background(), "t", "local", "slow.png")
	require.Equal(t, easel.CodeDeadlineExceeded, easel.ErrorCode(err), "%v", err)
	require.Less(t, time.Since(start), 5*time.Second)
}

// TestFetchOnce: concurrent fetches of one original make one request.
func TestFetchOnce(t *testing.T) {
	t.Parallel()
	img := pngBytes(t, 2, 2)
	release := make(chan struct{})
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		<-release
		_, _ = w.Write(img)
	})
	f := newFetcher(t, fixture{cfg: config(map[string]source.Origin{"local": {URL: o.url(), AllowLoopback: true}})})
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := f.Fetch(context.Background(), "t", "local", "a.png")
			if err == nil && !bytes.Equal(got.Data, img) {
				err = context.Canceled // any error: the data is wrong
			}
			errs <- err
		}()
	}
	require.Eventually(t, func() bool { return f.Waiters("local:/a.png") == n }, 5*time.Second, time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, int32(1), o.hits.Load())
}

// TestFetchAbandoned: when every caller has gone, the origin request ends.
func TestFetchAbandoned(t *testing.T) {
	t.Parallel()
	ended := make(chan struct{})
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		close(ended)
	})
	f := newFetcher(t, fixture{cfg: config(map[string]source.Origin{"local": {URL: o.url(), AllowLoopback: true}})})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := f.Fetch(ctx, "t", "local", "a.png")
		done <- err
	}()
	require.Eventually(t, func() bool { return o.hits.Load() == 1 }, 5*time.Second, time.Millisecond)
	cancel()
	require.Equal(t, easel.CodeDeadlineExceeded, easel.ErrorCode(<-done))
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the origin request was not cancelled")
	}
}

// TestFetchRevalidate: a cached original is used until RevalidateAfter,
// then revalidated with its validators; a 304 keeps it, a 200 replaces it.
func TestFetchRevalidate(t *testing.T) {
	t.Parallel()
	v1, v2 := pngBytes(t, 1, 1), pngBytes(t, 2, 1)
	var (
		mu      sync.Mutex
		current = v1
		etag    = `"v1"`
		seen    []string
	)
	const lastModified = "Wed, 21 Oct 2026 07:28:00 GMT"
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r.Header.Get("If-None-Match")+"|"+r.Header.Get("If-Modified-Since"))
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastModified)
		_, _ = w.Write(current)
	})
	var clock atomic.Int64
	clock.Store(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).Unix())
	now := func() time.Time { return time.Unix(clock.Load(), 0) }
	cfg := config(map[string]source.Origin{"local": {URL: o.url(), AllowLoopback: true}})
	cfg.RevalidateAfter = time.Minute
	f := newFetcher(t, fixture{cfg: cfg, now: now})
	fetch := func() []byte {
		t.Helper()
		img, err := f.Fetch(context.Background(), "t", "local", "a.png")
		require.NoError(t, err)
		return img.Data
	}

	require.Equal(t, v1, fetch())
	require.Equal(t, v1, fetch()) // fresh: from the cache
	require.Equal(t, int32(1), o.hits.Load())

	clock.Add(61)
	require.Equal(t, v1, fetch()) // revalidated: 304
	require.Equal(t, int32(2), o.hits.Load())
	require.Equal(t, v1, fetch()) // fresh again after the 304
	require.Equal(t, int32(2), o.hits.Load())

	mu.Lock()
	current, etag = v2, `"v2"`
	mu.Unlock()
	clock.Add(61)
	require.Equal(t, v2, fetch()) // changed: 200
	require.Equal(t, int32(3), o.hits.Load())

	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"|", `"v1"|` + lastModified, `"v1"|` + lastModified}, seen)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(*source.Config)
		wantErr string
	}{
		{name: "default", edit: func(*source.Config) {}},
		{name: "good origin", edit: func(c *source.Config) {
			c.Origins = map[string]source.Origin{"shop": {URL: "https://img.example.com/", Prefixes: []string{"/p/"}}}
		}},
		{name: "bad name", edit: func(c *source.Config) { c.Origins = map[string]source.Origin{"a/b": {URL: "https://x.example/"}} }, wantErr: "name"},
		{name: "ftp", edit: func(c *source.Config) { c.Origins = map[string]source.Origin{"a": {URL: "ftp://x.example/"}} }, wantErr: "sources.a.url"},
		{name: "userinfo", edit: func(c *source.Config) { c.Origins = map[string]source.Origin{"a": {URL: "https://u:p@x.example/"}} }, wantErr: "sources.a.url"},
		{name: "query", edit: func(c *source.Config) { c.Origins = map[string]source.Origin{"a": {URL: "https://x.example/?a=1"}} }, wantErr: "sources.a.url"},
		{name: "loopback not allowed", edit: func(c *source.Config) { c.Origins = map[string]source.Origin{"a": {URL: "http://127.0.0.1:9000/"}} }, wantErr: "sources.a.url"},
		{name: "loopback allowed", edit: func(c *source.Config) {
			c.Origins = map[string]source.Origin{"a": {URL: "http://127.0.0.1:9000/", AllowLoopback: true}}
		}},
		{name: "metadata", edit: func(c *source.Config) {
			c.Origins = map[string]source.Origin{"a": {URL: "http://169.254.169.254/", AllowLoopback: true}}
		}, wantErr: "sources.a.url"},
		{name: "prefix without slash", edit: func(c *source.Config) {
			c.Origins = map[string]source.Origin{"a": {URL: "https://x.example/", Prefixes: []string{"p/"}}}
		}, wantErr: "prefixes"},
		{name: "prefix with dots", edit: func(c *source.Config) {
			c.Origins = map[string]source.Origin{"a": {URL: "https://x.example/", Prefixes: []string{"/p/../"}}}
		}, wantErr: "prefixes"},
		{name: "redirects", edit: func(c *source.Config) { c.MaxRedirects = 21 }, wantErr: "max_redirects"},
		{name: "timeout", edit: func(c *source.Config) { c.Timeout = 0 }, wantErr: "timeout"},
		{name: "max bytes", edit: func(c *source.Config) { c.MaxBytes = 0 }, wantErr: "max_bytes"},
		{name: "revalidate", edit: func(c *source.Config) { c.RevalidateAfter = -1 }, wantErr: "revalidate_after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := source.NewDefaultConfig()
			tt.edit(&c)
			err := c.Validate()
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.wantErr)
		})
	}
}

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		want transform.Format
	}{
		{"jpeg", "\xff\xd8\xff\xe0\x00\x10JFIF", transform.FormatJPEG},
		{"png", "\x89PNG\r\n\x1a\n\x00\x00", transform.FormatPNG},
		{"gif", "GIF89a\x01\x00", transform.FormatGIF},
		{"webp", "RIFF\x00\x00\x00\x00WEBPVP8 ", transform.FormatWebP},
		{"avif", "\x00\x00\x00\x1cftypavif\x00\x00\x00\x00mif1miaf", transform.FormatAVIF},
		{"heic", "\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", transform.FormatHEIF},
		{"mp4", "\x00\x00\x00\x18ftypisom\x00\x00\x00\x00isomiso2", transform.FormatNone},
		{"svg", "\xef\xbb\xbf  <?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>", transform.FormatSVG},
		{"html", "<!doctype html><html>", transform.FormatNone},
		{"json", `{"error":"nope"}`, transform.FormatNone},
		{"empty", "", transform.FormatNone},
		{"tiff", "II*\x00\x08\x00", transform.FormatTIFF},
		{"jxl", "\xff\x0a\x00", transform.FormatJXL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, source.Sniff([]byte(tt.data)))
		})
	}
}

func TestMemoryCacheEvicts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := source.NewMemoryCache(10)
	require.NoError(t, c.Put(ctx, "a", source.Entry{Data: []byte("aaaa")}))
	require.NoError(t, c.Put(ctx, "b", source.Entry{Data: []byte("bbbb")}))
	require.NoError(t, c.Put(ctx, "a", source.Entry{Data: []byte("AAAA")})) // a is now newest
	require.NoError(t, c.Put(ctx, "c", source.Entry{Data: []byte("cccc")})) // evicts b
	_, ok, _ := c.Get(ctx, "b")
	require.False(t, ok)
	e, ok, _ := c.Get(ctx, "a")
	require.True(t, ok)
	require.Equal(t, "AAAA", string(e.Data))
	require.NoError(t, c.Put(ctx, "huge", source.Entry{Data: []byte(strings.Repeat("x", 11))}))
	_, ok, _ = c.Get(ctx, "huge")
	require.False(t, ok)
}
