package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/assets"
	blobfs "github.com/easelhq/easel/internal/blob/fs"
	"github.com/easelhq/easel/internal/delivery"
	"github.com/easelhq/easel/internal/httpapi"
	"github.com/easelhq/easel/internal/keys"
	"github.com/easelhq/easel/internal/meta/sqlite"
	"github.com/easelhq/easel/internal/observe"
	"github.com/easelhq/easel/internal/render"
	"github.com/easelhq/easel/internal/upload"
	"github.com/easelhq/easel/transform"
)

// fakeEngine probes PNGs with image/png and "renders" by describing the plan,
// slowly when asked, counting renders.
type fakeEngine struct {
	delay   time.Duration
	renders atomic.Int32
}

func (f *fakeEngine) Probe(data []byte) (transform.Source, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return transform.Source{}, easel.Errorf(easel.CodeUnsupportedMedia, "not an image")
	}
	return transform.Source{Format: transform.FormatPNG, Width: cfg.Width, Height: cfg.Height, Pages: 1}, nil
}

func (f *fakeEngine) Render(ctx context.Context, data []byte, p transform.Plan, overlay []byte) (transform.Output, error) {
	f.renders.Add(1)
	select {
	case <-time.After(f.delay):
	case <-ctx.Done():
		return transform.Output{}, easel.Errorf(easel.CodeDeadlineExceeded, "render timed out")
	}
	img := image.NewRGBA(image.Rect(0, 0, p.Width, p.Height))
	img.Set(0, 0, color.RGBA{R: 1, A: 255})
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return transform.Output{Data: buf.Bytes(), Format: transform.FormatPNG, Width: p.Width, Height: p.Height}, nil
}

func (f *fakeEngine) Raster(ctx context.Context, data []byte, maxSide int) ([]byte, int, int, error) {
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, 0, 0, easel.Errorf(easel.CodeUnsupportedMedia, "not an image")
	}
	b := img.Bounds()
	pix := make([]byte, 0, b.Dx()*b.Dy()*3)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			pix = append(pix, byte(r>>8), byte(g>>8), byte(bl>>8))
		}
	}
	return pix, b.Dx(), b.Dy(), nil
}

type bundle struct {
	srv    *httptest.Server
	h      http.Handler
	engine *fakeEngine
	keys   *keys.Keys
	meta   easel.MetaStore
	blobs  easel.BlobStore
	apiKey string
	tenant string
}

type options struct {
	delay         time.Duration
	concurrency   int
	queue         int
	allowUnsigned bool
	maxUpload     int64
	timeout       time.Duration
	tracer        trace.TracerProvider

	effects bool // per-effect series (internal/observe) on
}

func setup(t testing.TB, o options) *bundle {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	meta, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, "easel.db"), BusyTimeout: 5 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { meta.Close() })
	blobs, err := blobfs.New(blobfs.Config{Dir: filepath.Join(dir, "blobs")})
	require.NoError(t, err)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ks := keys.New(meta, keys.Config{})
	apiKey, err := ks.Bootstrap(ctx)
	require.NoError(t, err)
	tenant, err := ks.DefaultTenant(ctx)
	require.NoError(t, err)

	if o.concurrency == 0 {
		o.concurrency = 2
	}
	if o.queue == 0 {
		o.queue = 32
	}
	if o.maxUpload == 0 {
		o.maxUpload = 1 << 20
	}
	if o.timeout == 0 {
		o.timeout = 10 * time.Second
	}
	engine := &fakeEngine{delay: o.delay}
	limiter := delivery.NewLimiter(o.concurrency, o.queue)
	metrics := httpapi.NewMetrics(limiter, nil)
	if o.effects {
		metrics.EnableEffects(observe.Config{Enabled: true})
	}
	renderer := render.New(meta, blobs, engine, nil, transform.PlanConfig{}, 1<<20)
	deliv := delivery.New(delivery.Config{
		AllowUnsigned: o.allowUnsigned,
		Presets:       map[string]transform.Options{"small": {Width: 10}},
		Timeout:       o.timeout,
		CacheBytes:    1 << 20,
		StoreVariants: true,
	}, meta, blobs, renderer, ks, limiter, metrics, log)
	t.Cleanup(deliv.Close)
	uploads := upload.New(upload.Config{MaxUploadBytes: o.maxUpload, MaxUploads: 4, MaxPixels: 1 << 20, MaxPages: 10, NearDistance: 8, NearLimit: 20},
		meta, blobs, engine, nil, log)
	as := assets.New(assets.Config{NearDistance: 8, NearLimit: 20}, meta, blobs, engine, renderer, log, deliv.Forget)
	h := httpapi.New(httpapi.Config{CacheControl: "public, max-age=31536000, immutable", MaxUploadBytes: o.maxUpload}, httpapi.Deps{
		Uploads: uploads, Assets: as, Delivery: deliv, Keys: ks, Metrics: metrics, Log: log,
		Ready:          []httpapi.Checker{{Name: "metadata", Ping: meta.Ping}, {Name: "blobs", Ping: blobs.Ping}},
		TracerProvider: o.tracer,
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &bundle{srv: srv, h: h, engine: engine, keys: ks, meta: meta, blobs: blobs, apiKey: apiKey, tenant: tenant.ID}
}

func pngBytes(w, h int) []byte {
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h)))
	return buf.Bytes()
}

func (b *bundle) do(t testing.TB, method, path string, body io.Reader, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, b.srv.URL+path, body)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, out
}

func (b *bundle) upload(t testing.TB, data []byte) easel.Asset {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "a.png")
	_, _ = fw.Write(data)
	_ = mw.Close()
	resp, out := b.do(t, "POST", "/v1/assets", &body, "Authorization", "Bearer "+b.apiKey, "Content-Type", mw.FormDataContentType())
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(out))
	var a easel.Asset
	require.NoError(t, json.Unmarshal(out, &a))
	return a
}

func (b *bundle) sign(t testing.TB, ops, id string) string {
	t.Helper()
	p, err := b.keys.SignPath(context.Background(), b.tenant, ops, id, "")
	require.NoError(t, err)
	return p
}

func errorCode(t testing.TB, body []byte) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	require.NotEmpty(t, e.Error.Message)
	return e.Error.Code
}

func TestUploadAPI(t *testing.T) {
	t.Parallel()
	b := setup(t, options{maxUpload: 4096})
	auth := []string{"Authorization", "Bearer " + b.apiKey}

	t.Run("multipart", func(t *testing.T) {
		a := b.upload(t, pngBytes(30, 20))
		require.Equal(t, 30, a.Width)
		require.Equal(t, 20, a.Height)
		require.Equal(t, "png", a.Format)
		resp, out := b.do(t, "GET", "/v1/assets/"+a.ID, nil, auth...)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	})
	t.Run("raw body", func(t *testing.T) {
		resp, out := b.do(t, "POST", "/v1/assets?name=x.png", bytes.NewReader(pngBytes(5, 5)), append(auth, "Content-Type", "image/png")...)
		require.Equal(t, http.StatusCreated, resp.StatusCode, string(out))
	})
	tests := []struct {
		name   string
		body   []byte
		header []string
		status int
		code   string
	}{
		{"no key", pngBytes(5, 5), nil, 401, "unauthenticated"},
		{"wrong key", pngBytes(5, 5), []string{"Authorization", "Bearer ek_nope"}, 401, "unauthenticated"},
		{"not an image", []byte("hello, world"), auth, 415, "unsupported_media"},
		{"empty", nil, auth, 400, "invalid_argument"},
		{"too large", bytes.Repeat([]byte{1}, 5000), auth, 413, "too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, out := b.do(t, "POST", "/v1/assets", bytes.NewReader(tt.body), tt.header...)
			require.Equal(t, tt.status, resp.StatusCode, string(out))
			require.Equal(t, tt.code, errorCode(t, out))
		})
	}
	t.Run("list pages", func(t *testing.T) {
		resp, out := b.do(t, "GET", "/v1/assets?limit=1", nil, auth...)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var page struct {
			Items      []easel.Asset `json:"items"`
			NextCursor string        `json:"next_cursor"`
		}
		require.NoError(t, json.Unmarshal(out, &page))
		require.Len(t, page.Items, 1)
		require.NotEmpty(t, page.NextCursor)
		resp, _ = b.do(t, "GET", "/v1/assets?limit=0", nil, auth...)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})
}

func TestDeleteRemovesOriginalAndVariants(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	auth := []string{"Authorization", "Bearer " + b.apiKey}
	data := pngBytes(40, 40)
	a1 := b.upload(t, data)
	a2 := b.upload(t, data) // same bytes: one original
	resp, _ := b.do(t, "GET", b.sign(t, "w_10", a1.ID), nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	ctx := context.Background()
	require.Eventually(t, func() bool {
		n := 0
		_ = b.blobs.List(ctx, easel.VariantPrefix(a1.ID), func(easel.BlobInfo) error { n++; return nil })
		return n == 1
	}, 5*time.Second, 10*time.Millisecond, "the variant is stored")

	resp, _ = b.do(t, "DELETE", "/v1/assets/"+a1.ID, nil, auth...)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	n := 0
	require.NoError(t, b.blobs.List(ctx, easel.VariantPrefix(a1.ID), func(easel.BlobInfo) error { n++; return nil }))
	require.Zero(t, n, "variants removed")
	_, err := b.blobs.Stat(ctx, easel.OriginalKey(a1.SHA256))
	require.NoError(t, err, "the original stays while another asset uses it")
	resp, _ = b.do(t, "GET", b.sign(t, "w_10", a1.ID), nil)
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "the memory cache forgot the deleted asset")

	resp, _ = b.do(t, "DELETE", "/v1/assets/"+a2.ID, nil, auth...)
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	_, err = b.blobs.Stat(ctx, easel.OriginalKey(a1.SHA256))
	require.True(t, easel.IsNotFound(err), "the last user of the original removes it")
	resp, _ = b.do(t, "DELETE", "/v1/assets/"+a2.ID, nil, auth...)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestDeliverySignatures(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	a := b.upload(t, pngBytes(50, 50))
	good := b.sign(t, "w_20", a.ID)
	sig := strings.Split(good, "/")[2]
	other := transform.SignedPath([]byte("another key"), "w_20", a.ID, "")

	tests := []struct {
		name   string
		path   string
		status int
	}{
		{"valid", good, 200},
		{"valid with extension", b.sign(t, "w_20", a.ID+".png"), 200},
		{"tampered operations", "/i/" + sig + "/w_21/" + a.ID, 403},
		{"tampered asset", "/i/" + sig + "/w_20/" + easel.NewID(), 403},
		{"wrong key", other, 403},
		{"missing signature", "/i/w_20/" + a.ID, 400},
		{"unsigned refused by default", "/i/_/w_20/" + a.ID, 403},
		{"short signature", "/i/" + sig[:10] + "/w_20/" + a.ID, 403},
		{"bad operation", b.sign(t, "w_0", a.ID), 400},
		{"unknown asset, valid signature", b.sign(t, "w_20", easel.NewID()), 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, out := b.do(t, "GET", tt.path, nil)
			require.Equal(t, tt.status, resp.StatusCode, string(out))
			if tt.status != 200 {
				require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
				errorCode(t, out)
			}
		})
	}

	t.Run("rotation: a new key signs, the old still verifies", func(t *testing.T) {
		_, err := b.keys.CreateSigningKey(context.Background(), b.tenant)
		require.NoError(t, err)
		newer := b.sign(t, "w_20", a.ID)
		require.NotEqual(t, good, newer)
		for _, p := range []string{good, newer} {
			resp, _ := b.do(t, "GET", p, nil)
			require.Equal(t, 200, resp.StatusCode)
		}
	})
}

func TestDeliveryUnsignedWhenAllowed(t *testing.T) {
	t.Parallel()
	b := setup(t, options{allowUnsigned: true})
	a := b.upload(t, pngBytes(50, 50))
	resp, _ := b.do(t, "GET", "/i/_/t_small/"+a.ID, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	img, err := png.DecodeConfig(bytes.NewReader(mustGet(t, b, "/i/_/t_small/"+a.ID)))
	require.NoError(t, err)
	require.Equal(t, 10, img.Width, "the preset applies")
}

func mustGet(t *testing.T, b *bundle, path string) []byte {
	resp, out := b.do(t, "GET", path, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return out
}

func TestDeliveryCachingHeaders(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	a := b.upload(t, pngBytes(64, 48))
	path := b.sign(t, "w_32,f_auto", a.ID)

	resp, out := b.do(t, "GET", path, nil, "Accept", "image/webp,*/*")
	require.Equal(t, 200, resp.StatusCode, string(out))
	require.Equal(t, "render", resp.Header.Get("X-Easel-Cache"))
	require.Equal(t, "Accept", resp.Header.Get("Vary"))
	require.Equal(t, "public, max-age=31536000, immutable", resp.Header.Get("Cache-Control"))
	etag := resp.Header.Get("ETag")
	require.Regexp(t, `^"[0-9a-f]{24}"$`, etag)

	resp, out = b.do(t, "GET", path, nil, "Accept", "image/webp,*/*", "If-None-Match", etag)
	require.Equal(t, http.StatusNotModified, resp.StatusCode)
	require.Empty(t, out)
	resp, _ = b.do(t, "GET", path, nil, "Accept", "image/webp,*/*", "If-None-Match", `W/"other", `+etag)
	require.Equal(t, http.StatusNotModified, resp.StatusCode, "weak comparison over a list")

	resp, out = b.do(t, "HEAD", path, nil, "Accept", "image/webp,*/*")
	require.Equal(t, 200, resp.StatusCode)
	require.Empty(t, out)
	require.NotEmpty(t, resp.Header.Get("Content-Length"))
	require.Equal(t, "memory", resp.Header.Get("X-Easel-Cache"))
	require.EqualValues(t, 1, b.engine.renders.Load(), "one render for all of it")

	resp, _ = b.do(t, "GET", path, nil, "Accept", "image/avif")
	require.Equal(t, 200, resp.StatusCode)
	require.NotEqual(t, etag, resp.Header.Get("ETag"), "another negotiated format is another representation")
}

func TestIdenticalConcurrentRequestsRenderOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, options{delay: 200 * time.Millisecond})
	a := b.upload(t, pngBytes(64, 64))
	path := b.sign(t, "w_16", a.ID)
	var wg sync.WaitGroup
	statuses := make([]int, 16)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(b.srv.URL + path)
			if err == nil {
				statuses[i] = resp.StatusCode
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	for _, s := range statuses {
		require.Equal(t, 200, s)
	}
	require.EqualValues(t, 1, b.engine.renders.Load())
}

func TestOverloadGives429(t *testing.T) {
	t.Parallel()
	b := setup(t, options{delay: 500 * time.Millisecond, concurrency: 1, queue: 1})
	a := b.upload(t, pngBytes(64, 64))
	type answer struct {
		status     int
		retryAfter string
		body       []byte
		err        error
	}
	answers := make(chan answer, 6)
	var wg sync.WaitGroup
	for i := 1; i <= 6; i++ {
		path := b.sign(t, "w_"+string(rune('0'+i)), a.ID)
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(b.srv.URL + path)
			if err != nil {
				answers <- answer{err: err}
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			answers <- answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: body, err: err}
		}()
	}
	wg.Wait()
	close(answers)
	ok, overloaded := 0, 0
	for a := range answers { // asserted here, on the test's goroutine
		require.NoError(t, a.err)
		switch a.status {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			require.Equal(t, "1", a.retryAfter)
			require.Equal(t, "overloaded", errorCode(t, a.body))
			overloaded++
		default:
			t.Fatalf("status %d: %s", a.status, a.body)
		}
	}
	require.GreaterOrEqual(t, ok, 1)
	require.GreaterOrEqual(t, overloaded, 1, "one running, one waiting, the rest refused")
}

func TestRenderDeadlineGives504(t *testing.T) {
	t.Parallel()
	b := setup(t, options{delay: 2 * time.Second, timeout: 100 * time.Millisecond})
	a := b.upload(t, pngBytes(64, 64))
	resp, out := b.do(t, "GET", b.sign(t, "w_16", a.ID), nil)
	require.Equal(t, http.StatusGatewayTimeout, resp.StatusCode, string(out))
	require.Equal(t, "deadline_exceeded", errorCode(t, out))
}

func TestHealthReadyMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	resp, _ := b.do(t, "GET", "/healthz", nil)
	require.Equal(t, 200, resp.StatusCode)
	resp, out := b.do(t, "GET", "/readyz", nil)
	require.Equal(t, 200, resp.StatusCode)
	require.JSONEq(t, `{"status":"ready","checks":{"metadata":"ok","blobs":"ok"}}`, string(out))
	resp, out = b.do(t, "GET", "/nope", nil)
	require.Equal(t, 404, resp.StatusCode)
	require.Equal(t, "not_found", errorCode(t, out))
	resp, out = b.do(t, "GET", "/metrics", nil)
	require.Equal(t, 200, resp.StatusCode)
	for _, name := range []string{"easel_http_requests_total", "easel_http_request_duration_seconds", "easel_renders_in_flight"} {
		require.Contains(t, string(out), name)
	}
}

func TestCachedHitRefusedOnceItsKeyIsRevoked(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	a := b.upload(t, pngBytes(50, 50))
	path := b.sign(t, "w_20", a.ID)
	for _, layer := range []string{"render", "memory", "memory"} {
		resp, out := b.do(t, "GET", path, nil)
		require.Equal(t, 200, resp.StatusCode, string(out))
		require.Equal(t, layer, resp.Header.Get("X-Easel-Cache"))
		require.Equal(t, a.ID, resp.Header.Get("X-Easel-Asset"), "Varnish bans by it")
	}
	sks, err := b.meta.ListSigningKeys(context.Background(), b.tenant)
	require.NoError(t, err)
	require.NoError(t, b.keys.Revoke(context.Background(), sks[0].ID))
	resp, out := b.do(t, "GET", path, nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "a URL verified before is refused once its key is revoked: %s", out)
}
