package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

var _ Cache = (*BlobCache)(nil)

// BlobCache is a Cache in an easel.BlobStore, so fetched originals survive
// restarts and are shared by every node of an installation. The key
// "name:/path" is stored as sources/<name>/<sha256 of path> (the bytes) and
// the same key plus ".json" (the validators and the bytes' SHA-256). A
// sidecar whose hash does not match the bytes (a concurrent Put) reads as
// a miss.
type BlobCache struct {
	blobs easel.BlobStore
}

// NewBlobCache returns a BlobCache storing in blobs.
func NewBlobCache(blobs easel.BlobStore) *BlobCache { return &BlobCache{blobs: blobs} }

type blobSidecar struct {
	SHA256       string           `json:"sha256"`
	Format       transform.Format `json:"format"`
	ETag         string           `json:"etag,omitempty"`
	LastModified string           `json:"last_modified,omitempty"`
	FetchedAt    time.Time        `json:"fetched_at"`
}

// BlobKey is the blob key of the original cached under key ("name:/path").
func BlobKey(key string) string {
	name, path, _ := strings.Cut(key, ":")
	sum := sha256.Sum256([]byte(path))
	return "sources/" + name + "/" + hex.EncodeToString(sum[:])
}

// Get returns the entry of key, or ok false when it is not stored.
func (c *BlobCache) Get(ctx context.Context, key string) (Entry, bool, error) {
	bk := BlobKey(key)
	side, err := c.read(ctx, bk+".json", 1<<16)
	if easel.IsNotFound(err) {
		return Entry{}, false, nil
	} else if err != nil {
		return Entry{}, false, err
	}
	var s blobSidecar
	if err := json.Unmarshal(side, &s); err != nil {
		return Entry{}, false, nil // a damaged sidecar is a miss; the next Put replaces it
	}
	data, err := c.read(ctx, bk, -1)
	if easel.IsNotFound(err) {
		return Entry{}, false, nil
	} else if err != nil {
		return Entry{}, false, err
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != s.SHA256 {
		return Entry{}, false, nil
	}
	return Entry{Data: data, Format: s.Format, ETag: s.ETag, LastModified: s.LastModified, FetchedAt: s.FetchedAt}, true, nil
}

// Put stores e under key: the bytes, then the sidecar.
func (c *BlobCache) Put(ctx context.Context, key string, e Entry) error {
	bk := BlobKey(key)
	sum := sha256.Sum256(e.Data)
	side, err := json.Marshal(blobSidecar{SHA256: hex.EncodeToString(sum[:]), Format: e.Format, ETag: e.ETag, LastModified: e.LastModified, FetchedAt: e.FetchedAt})
	if err != nil {
		return fmt.Errorf("source: encoding the sidecar of %q: %w", key, err)
	}
	if err := c.blobs.Put(ctx, bk, bytes.NewReader(e.Data)); err != nil {
		return fmt.Errorf("source: storing %q: %w", key, err)
	}
	if err := c.blobs.Put(ctx, bk+".json", bytes.NewReader(side)); err != nil {
		return fmt.Errorf("source: storing the sidecar of %q: %w", key, err)
	}
	return nil
}

// read reads a whole blob, at most limit bytes when limit >= 0.
func (c *BlobCache) read(ctx context.Context, key string, limit int64) ([]byte, error) {
	rc, err := c.blobs.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var r io.Reader = rc
	if limit >= 0 {
		r = io.LimitReader(rc, limit)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("source: reading %q: %w", key, err)
	}
	return data, nil
}
