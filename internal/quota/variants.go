package quota

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/easelhq/easel"
)

// VariantStore records stored variants.
type VariantStore interface {
	RecordVariant(ctx context.Context, v easel.StoredVariant) error
	ForgetVariant(ctx context.Context, key string) error
}

// RecordVariants returns blobs that also records every variant put under
// easel.VariantPrefix (by delivery or a worker) with its size, and forgets
// those deleted: the stored bytes of quotas and the variants retention
// deletes. Failing to record is logged; the blob is stored all the same.
func RecordVariants(blobs easel.BlobStore, store VariantStore, log *slog.Logger) easel.BlobStore {
	return &recordingBlobs{BlobStore: blobs, store: store, log: log}
}

type recordingBlobs struct {
	easel.BlobStore
	store VariantStore
	log   *slog.Logger
}

// variantAsset returns the asset of a variant's key, or "" for any other key.
func variantAsset(key string) string {
	rest, ok := strings.CutPrefix(key, "variants/")
	if !ok {
		return ""
	}
	asset, _, ok := strings.Cut(rest, "/")
	if !ok {
		return ""
	}
	return asset
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (b *recordingBlobs) Put(ctx context.Context, key string, r io.Reader) error {
	asset := variantAsset(key)
	if asset == "" {
		return b.BlobStore.Put(ctx, key, r)
	}
	cr := &countingReader{r: r}
	if err := b.BlobStore.Put(ctx, key, cr); err != nil {
		return err
	}
	v := easel.StoredVariant{Key: key, AssetID: asset, Bytes: cr.n, CreatedAt: time.Now()}
	if err := b.store.RecordVariant(context.WithoutCancel(ctx), v); err != nil {
		b.log.Warn("quota: stored variant not recorded", "key", key, "err", err)
	}
	return nil
}

func (b *recordingBlobs) Delete(ctx context.Context, key string) error {
	if err := b.BlobStore.Delete(ctx, key); err != nil {
		return err
	}
	if variantAsset(key) != "" {
		return b.store.ForgetVariant(ctx, key)
	}
	return nil
}
