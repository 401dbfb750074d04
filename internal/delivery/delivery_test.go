package delivery_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	blobfs "github.com/easelhq/easel/internal/blob/fs"
	"github.com/easelhq/easel/internal/delivery"
	"github.com/easelhq/easel/internal/meta/sqlite"
	"github.com/easelhq/easel/transform"
)

// verifierFunc adapts a function to Verifier.
type verifierFunc func(ctx context.Context, tenantID, sig, path string) (bool, error)

func (f verifierFunc) Verify(ctx context.Context, tenantID, sig, path string) (bool, error) {
	return f(ctx, tenantID, sig, path)
}

// rendererFunc is a Renderer whose Render is a function.
type rendererFunc func(ctx context.Context, a easel.Asset, original []byte, opts transform.Options, accept string) (transform.Output, error)

func (f rendererFunc) Render(ctx context.Context, a easel.Asset, original []byte, opts transform.Options, accept string) (transform.Output, error) {
	return f(ctx, a, original, opts, accept)
}

type nopObserver struct{}

func (nopObserver) CacheHit(string)                                 {}
func (nopObserver) CacheMiss()                                      {}
func (nopObserver) Rendered(transform.Format, time.Duration, error) {}
func (nopObserver) Abandoned(bool, bool)                            {}

type bundle struct {
	meta    *sqlite.Store
	blobs   easel.BlobStore
	asset   easel.Asset
	live    atomic.Bool // whether the signature "sig" is valid
	renders atomic.Int32
	render  rendererFunc
	verify  verifierFunc
}

func setup(t *testing.T) *bundle {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	meta, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, "easel.db"), BusyTimeout: 5 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { meta.Close() })
	blobs, err := blobfs.New(blobfs.Config{Dir: filepath.Join(dir, "blobs")})
	require.NoError(t, err)
	tenant := easel.Tenant{ID: easel.NewID(), Name: "t", CreatedAt: time.Now()}
	require.NoError(t, meta.CreateTenant(ctx, tenant))
	asset := easel.Asset{ID: easel.NewID(), TenantID: tenant.ID, SHA256: strings.Repeat("b", 64), Format: "png", Width: 4, Height: 4, Pages: 1, Bytes: 4, CreatedAt: time.Now()}
	require.NoError(t, meta.CreateAsset(ctx, asset))
	b := &bundle{meta: meta, blobs: blobs, asset: asset}
	b.live.Store(true)
	b.render = func(_ context.Context, _ easel.Asset, _ []byte, o transform.Options, _ string) (transform.Output, error) {
		b.renders.Add(1)
		return transform.Output{Data: []byte("\x89PNG\r\n\x1a\nW" + o.String()), Format: transform.FormatPNG}, nil
	}
	b.verify = func(_ context.Context, tenantID, sig, _ string) (bool, error) {
		return sig == "sig" && b.live.Load() && (tenantID == "" || tenantID == asset.TenantID), nil
	}
	return b
}

func (b *bundle) delivery(t *testing.T, cfg delivery.Config) *delivery.Delivery {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	d := delivery.New(cfg, b.meta, b.blobs, b.render, b.verify, delivery.NewLimiter(2, 4), nopObserver{}, slog.New(slog.DiscardHandler))
	t.Cleanup(d.Close)
	return d
}

func (b *bundle) get(t *testing.T, d *delivery.Delivery, path string) (*delivery.Rendered, error) {
	t.Helper()
	res, err := d.Resolve(context.Background(), delivery.Request{Path: path})
	if err != nil {
		return nil, err
	}
	require.NotEmpty(t, res.ETag)
	return d.Render(context.Background(), res)
}

func TestCachedHitsAreVerifiedAgainstLiveKeys(t *testing.T) {
	t.Parallel()
	b := setup(t)
	d := b.delivery(t, delivery.Config{CacheBytes: 1 << 20})
	path := "sig/w_2,f_png/" + b.asset.ID
	for _, layer := range []string{"render", "memory"} {
		out, err := b.get(t, d, path)
		require.NoError(t, err)
		require.Equal(t, layer, out.Layer)
	}
	require.EqualValues(t, 1, b.renders.Load())
	b.live.Store(false) // the key is revoked
	_, err := b.get(t, d, path)
	require.Equal(t, easel.CodePermissionDenied, easel.ErrorCode(err), "a cached render is refused too")
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	d := b.delivery(t, delivery.Config{CacheBytes: 1 << 20})
	tests := []struct {
		name string
		path string
		want easel.Code
	}{
		{"bad signature", "bad/w_2/" + b.asset.ID, easel.CodePermissionDenied},
		{"bad signature on a missing asset", "bad/w_2/" + easel.NewID(), easel.CodePermissionDenied},
		{"good signature on a missing asset", "sig/w_2/" + easel.NewID(), easel.CodeNotFound},
		{"unsigned when not allowed", "_/w_2/" + b.asset.ID, easel.CodePermissionDenied},
		{"bad operations", "sig/w_x/" + b.asset.ID, easel.CodeInvalidArgument},
		{"unknown preset", "sig/t_nope/" + b.asset.ID, easel.CodeInvalidArgument},
	}
	for _, tt := range tests {
		_, err := d.Resolve(context.Background(), delivery.Request{Path: tt.path})
		require.Equal(t, tt.want, easel.ErrorCode(err), "%s: %v", tt.name, err)
	}
}

func TestUnsignedWhenAllowed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	d := b.delivery(t, delivery.Config{AllowUnsigned: true, CacheBytes: 1 << 20})
	out, err := b.get(t, d, "_/w_2,f_png/"+b.asset.ID)
	require.NoError(t, err)
	require.Equal(t, "image/png", out.ContentType)
}

func TestStoredVariantsServeAColdNode(t *testing.T) {
	t.Parallel()
	b := setup(t)
	d := b.delivery(t, delivery.Config{CacheBytes: 1 << 20, StoreVariants: true})
	path := "sig/w_3,f_png/" + b.asset.ID
	_, err := b.get(t, d, path)
	require.NoError(t, err)
	d.Close() // waits for the background variant write
	_, err = b.blobs.Stat(context.Background(), easel.VariantKey(b.asset.ID, "w_3,f_png"))
	require.NoError(t, err, "the variant is stored under its key")

	cold := b.delivery(t, delivery.Config{CacheBytes: 1 << 20, StoreVariants: true})
	out, err := b.get(t, cold, path)
	require.NoError(t, err)
	require.Equal(t, "store", out.Layer)
	require.EqualValues(t, 1, b.renders.Load())

	cold.Forget(b.asset.ID)
	n, _ := cold.CacheStats()
	require.Zero(t, n)
}
