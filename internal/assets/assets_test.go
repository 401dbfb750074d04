package assets_test

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/assets"
	blobfs "github.com/easelhq/easel/internal/blob/fs"
	"github.com/easelhq/easel/internal/meta/sqlite"
	"github.com/easelhq/easel/internal/vision/fingerprint"
)

// rasterFunc adapts a function to Rasterizer.
type rasterFunc func(ctx context.Context, data []byte, maxSide int) ([]byte, int, int, error)

func (f rasterFunc) Raster(ctx context.Context, data []byte, maxSide int) ([]byte, int, int, error) {
	return f(ctx, data, maxSide)
}

// loaderFunc adapts a function to OriginalLoader.
type loaderFunc func(ctx context.Context, a easel.Asset) ([]byte, error)

func (f loaderFunc) LoadOriginal(ctx context.Context, a easel.Asset) ([]byte, error) {
	return f(ctx, a)
}

type bundle struct {
	assets    *assets.Assets
	meta      *sqlite.Store
	blobs     easel.BlobStore
	tenant    string
	forgotten []string
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
	b := &bundle{meta: meta, blobs: blobs, tenant: tenant.ID}
	flat := rasterFunc(func(context.Context, []byte, int) ([]byte, int, int, error) {
		return make([]byte, 32*32*3), 32, 32, nil
	})
	load := loaderFunc(func(context.Context, easel.Asset) ([]byte, error) { return []byte("x"), nil })
	b.assets = assets.New(assets.Config{NearDistance: 2, NearLimit: 1}, meta, blobs, flat, load, slog.New(slog.DiscardHandler),
		func(id string) { b.forgotten = append(b.forgotten, id) })
	return b
}

func (b *bundle) asset(t *testing.T, sha string, phash *uint64) easel.Asset {
	t.Helper()
	ctx := context.Background()
	a := easel.Asset{ID: easel.NewID(), TenantID: b.tenant, SHA256: strings.Repeat(sha, 64), Format: "png", Width: 1, Height: 1, Pages: 1, Bytes: 1, CreatedAt: time.Now()}
	require.NoError(t, b.meta.CreateAsset(ctx, a))
	require.NoError(t, b.blobs.Put(ctx, easel.OriginalKey(a.SHA256), bytes.NewReader([]byte("x"))))
	if phash != nil {
		require.NoError(t, b.meta.SetAnalysis(ctx, a.ID, easel.Analysis{PHash: fingerprint.Hex(*phash), Faces: []easel.Face{}, AnalyzedAt: time.Now()}))
	}
	return a
}

func ptr(n int) *int { return &n }

func TestSimilar(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h := uint64(0xf0f0f0f0f0f0f0f0)
	q := b.asset(t, "1", &h)
	d1, d3 := h^1, h^7
	one := b.asset(t, "2", &d1)
	three := b.asset(t, "3", &d3)
	tests := []struct {
		name     string
		req      assets.SimilarRequest
		want     []easel.Similar
		wantCode easel.Code
	}{
		{"configured defaults", assets.SimilarRequest{}, []easel.Similar{{AssetID: one.ID, Distance: 1}}, ""},
		{"max distance and limit", assets.SimilarRequest{MaxDistance: ptr(3), Limit: ptr(5)}, []easel.Similar{{AssetID: one.ID, Distance: 1}, {AssetID: three.ID, Distance: 3}}, ""},
		{"exact only", assets.SimilarRequest{MaxDistance: ptr(0)}, []easel.Similar{}, ""},
		{"distance over 16", assets.SimilarRequest{MaxDistance: ptr(17)}, nil, easel.CodeInvalidArgument},
		{"negative distance", assets.SimilarRequest{MaxDistance: ptr(-1)}, nil, easel.CodeInvalidArgument},
		{"limit 0", assets.SimilarRequest{Limit: ptr(0)}, nil, easel.CodeInvalidArgument},
		{"limit over 200", assets.SimilarRequest{Limit: ptr(201)}, nil, easel.CodeInvalidArgument},
	}
	for _, tt := range tests {
		tt.req.AssetID = q.ID
		res, err := b.assets.Similar(context.Background(), b.tenant, tt.req)
		require.Equal(t, tt.wantCode, easel.ErrorCode(err), "%s: %v", tt.name, err)
		if tt.wantCode == "" {
			require.Equal(t, tt.want, res.Items, tt.name)
		}
	}
	_, err := b.assets.Similar(context.Background(), easel.NewID(), assets.SimilarRequest{AssetID: q.ID})
	require.Equal(t, easel.CodeNotFound, easel.ErrorCode(err), "another tenant's asset")

	// Without an analysis the pHash is computed from the original.
	fresh := b.asset(t, "4", nil)
	_, err = b.assets.Similar(context.Background(), b.tenant, assets.SimilarRequest{AssetID: fresh.ID})
	require.NoError(t, err)
}

func TestDeleteKeepsSharedOriginals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	a := b.asset(t, "5", nil)
	twin := b.asset(t, "5", nil) // the same bytes
	require.NoError(t, b.blobs.Put(ctx, easel.VariantKey(a.ID, "w_1"), bytes.NewReader([]byte("v"))))

	require.NoError(t, b.assets.Delete(ctx, b.tenant, a.ID))
	require.Equal(t, []string{a.ID}, b.forgotten, "caches are told")
	_, err := b.blobs.Stat(ctx, easel.VariantKey(a.ID, "w_1"))
	require.True(t, easel.IsNotFound(err), "variants deleted")
	_, err = b.blobs.Stat(ctx, easel.OriginalKey(a.SHA256))
	require.NoError(t, err, "the twin still uses the original")

	require.NoError(t, b.assets.Delete(ctx, b.tenant, twin.ID))
	_, err = b.blobs.Stat(ctx, easel.OriginalKey(a.SHA256))
	require.True(t, easel.IsNotFound(err), "the last user deleted it")
	require.Equal(t, easel.CodeNotFound, easel.ErrorCode(b.assets.Delete(ctx, b.tenant, twin.ID)))
}

func TestList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, s := range []string{"6", "7", "8"} {
		b.asset(t, s, nil)
	}
	res, err := b.assets.List(context.Background(), b.tenant, assets.ListRequest{Limit: ptr(2)})
	require.NoError(t, err)
	require.Len(t, res.Items, 2)
	require.NotEmpty(t, res.NextCursor)
	res, err = b.assets.List(context.Background(), b.tenant, assets.ListRequest{Cursor: res.NextCursor})
	require.NoError(t, err)
	require.Len(t, res.Items, 1)
	_, err = b.assets.List(context.Background(), b.tenant, assets.ListRequest{Limit: ptr(0)})
	require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))
}

func TestDeleteRemovesLevels(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	a := b.asset(t, "6", nil)
	other := b.asset(t, "7", nil)
	keys := []string{easel.LevelKey(a.ID, 1024, "jpeg"), easel.LevelKey(a.ID, 256, "jpeg")}
	for _, k := range append(keys, easel.LevelKey(other.ID, 256, "jpeg")) {
		require.NoError(t, b.blobs.Put(ctx, k, bytes.NewReader([]byte("l"))))
	}
	require.NoError(t, b.meta.SetLevels(ctx, a.ID, []easel.Level{
		{Side: 1024, Width: 1024, Height: 1024, Format: "jpeg", Bytes: 1},
		{Side: 256, Width: 256, Height: 256, Format: "jpeg", Bytes: 1},
	}))
	got, err := b.assets.Get(ctx, b.tenant, a.ID)
	require.NoError(t, err)
	require.Len(t, got.Levels, 2)
	require.EqualValues(t, 2, got.LevelsBytes)

	require.NoError(t, b.assets.Delete(ctx, b.tenant, a.ID))
	for _, k := range keys {
		_, err := b.blobs.Stat(ctx, k)
		require.True(t, easel.IsNotFound(err), "level %s deleted", k)
	}
	_, err = b.blobs.Stat(ctx, easel.LevelKey(other.ID, 256, "jpeg"))
	require.NoError(t, err, "another asset's levels stay")
}
