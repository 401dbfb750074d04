package source_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	blobfs "github.com/easelhq/easel/internal/blob/fs"
	"github.com/easelhq/easel/internal/source"
	"github.com/easelhq/easel/transform"
)

// TestBlobCache: entries round-trip, survive a new BlobCache on the same
// store, and a sidecar that does not match the bytes reads as a miss.
func TestBlobCache(t *testing.T) {
	ctx := context.Background()
	store, err := blobfs.New(blobfs.Config{Dir: t.TempDir()})
	require.NoError(t, err)
	c := source.NewBlobCache(store)
	_, ok, err := c.Get(ctx, "shop:/a.png")
	require.NoError(t, err)
	require.False(t, ok)

	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	e := source.Entry{Data: []byte("png bytes"), Format: transform.FormatPNG, ETag: `"v1"`, LastModified: "Mon, 01 Jan 2026 00:00:00 GMT", FetchedAt: at}
	require.NoError(t, c.Put(ctx, "shop:/a.png", e))
	got, ok, err := source.NewBlobCache(store).Get(ctx, "shop:/a.png")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, e.Data, got.Data)
	require.Equal(t, e.ETag, got.ETag)
	require.Equal(t, e.LastModified, got.LastModified)
	require.Equal(t, e.Format, got.Format)
	require.True(t, at.Equal(got.FetchedAt))

	_, ok, err = c.Get(ctx, "shop:/b.png")
	require.NoError(t, err)
	require.False(t, ok, "another path is another entry")

	require.NoError(t, store.Put(ctx, source.BlobKey("shop:/a.png"), bytes.NewReader([]byte("other bytes"))))
	_, ok, err = c.Get(ctx, "shop:/a.png")
	require.NoError(t, err)
	require.False(t, ok, "bytes that do not match the sidecar are a miss")
}

// TestBlobCacheRestartRevalidates: a Fetcher on a blob store that another
// Fetcher filled serves the original without asking the origin, then
// revalidates it after RevalidateAfter (a 304 keeps it).
func TestBlobCacheRestartRevalidates(t *testing.T) {
	img := pngBytes(t, 4, 3)
	var gets, notModified atomic.Int32
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gets.Add(1)
		if r.Header.Get("If-None-Match") == `"v1"` {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", `"v1"`)
		_, _ = w.Write(img)
	}))
	t.Cleanup(origin.Close)
	store, err := blobfs.New(blobfs.Config{Dir: t.TempDir()})
	require.NoError(t, err)
	cfg := source.NewDefaultConfig()
	cfg.RevalidateAfter = time.Minute
	cfg.Origins = map[string]source.Origin{"o": {URL: origin.URL + "/", AllowLoopback: true}}
	now := time.Now()
	clock := func() time.Time { return now }
	newFetcher := func() *source.Fetcher {
		f, err := source.New(cfg, source.NewBlobCache(store), source.WithClock(clock))
		require.NoError(t, err)
		return f
	}
	ctx := context.Background()
	im, err := newFetcher().Fetch(ctx, "t", "o", "a.png")
	require.NoError(t, err)
	require.Equal(t, img, im.Data)
	require.EqualValues(t, 1, gets.Load())

	restarted := newFetcher()
	im, err = restarted.Fetch(ctx, "t", "o", "a.png")
	require.NoError(t, err)
	require.Equal(t, img, im.Data)
	require.EqualValues(t, 1, gets.Load(), "served from the blob store")

	now = now.Add(2 * time.Minute)
	im, err = restarted.Fetch(ctx, "t", "o", "a.png")
	require.NoError(t, err)
	require.Equal(t, img, im.Data)
	require.EqualValues(t, 2, gets.Load())
	require.EqualValues(t, 1, notModified.Load(), "revalidated with the stored ETag")
}

// TestTiered: the back layer answers what the front does not hold and
// fills it; Put writes both.
func TestTiered(t *testing.T) {
	ctx := context.Background()
	front, back := source.NewMemoryCache(1<<20), source.NewMemoryCache(1<<20)
	c := source.Tiered{Front: front, Back: back}
	e := source.Entry{Data: []byte("x"), ETag: `"1"`}
	require.NoError(t, back.Put(ctx, "o:/a", e))
	got, ok, err := c.Get(ctx, "o:/a")
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, e.ETag, got.ETag)
	_, ok, _ = front.Get(ctx, "o:/a")
	require.True(t, ok, "the front was filled")

	require.NoError(t, c.Put(ctx, "o:/b", e))
	_, ok, _ = back.Get(ctx, "o:/b")
	require.True(t, ok)
	_, ok, _ = front.Get(ctx, "o:/b")
	require.True(t, ok)
	_, ok, err = c.Get(ctx, "o:/c")
	require.NoError(t, err)
	require.False(t, ok)
}
