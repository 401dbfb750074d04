package processing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/easelhq/easel"
)

// Limits bound what an upload may be.
type Limits struct {
	MaxUploadBytes int64
	MaxUploads     int // uploads read at once; the rest wait
	MaxPixels      int // per frame
	MaxPages       int
}

// Assets uploads, lists and deletes originals.
type Assets struct {
	meta   easel.MetaStore
	blobs  easel.BlobStore
	engine Engine
	limits Limits
	slots  chan struct{} // bounds the memory held by uploads in progress
	log    *slog.Logger
	// onDelete is told of every deleted asset, so caches can forget it.
	onDelete func(assetID string)
}

// NewAssets returns an Assets service. onDelete may be nil.
func NewAssets(meta easel.MetaStore, blobs easel.BlobStore, engine Engine, limits Limits, log *slog.Logger, onDelete func(string)) *Assets {
	if onDelete == nil {
		onDelete = func(string) {}
	}
	return &Assets{meta: meta, blobs: blobs, engine: engine, limits: limits, log: log, onDelete: onDelete,
		slots: make(chan struct{}, max(1, limits.MaxUploads))}
}

// Reserve takes one of the upload slots that bound the memory held by
// uploads in progress, waiting while ctx allows. release must be called once.
func (s *Assets) Reserve(ctx context.Context) (release func(), err error) {
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	case <-ctx.Done():
		return nil, easel.WrapError(easel.CodeDeadlineExceeded, ctx.Err(), "timed out waiting to read the upload")
	}
}

// Read reads an upload from r, refusing more than the byte limit.
func (s *Assets) Read(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, s.limits.MaxUploadBytes+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, easel.Errorf(easel.CodeTooLarge, "upload is larger than %d bytes", s.limits.MaxUploadBytes)
		}
		return nil, easel.WrapError(easel.CodeInvalidArgument, err, "could not read the upload")
	}
	if int64(len(data)) > s.limits.MaxUploadBytes {
		return nil, easel.Errorf(easel.CodeTooLarge, "upload is larger than %d bytes", s.limits.MaxUploadBytes)
	}
	return data, nil
}

// Store checks data from its header (type sniffed from the bytes,
// dimensions, frames) before any decoding, stores the original
// content-addressed and records the asset. name is informative only.
func (s *Assets) Store(ctx context.Context, tenantID, name string, data []byte) (easel.Asset, error) {
	if len(data) == 0 {
		return easel.Asset{}, easel.Errorf(easel.CodeInvalidArgument, "the upload is empty")
	}
	src, err := s.engine.Probe(data)
	if err != nil {
		return easel.Asset{}, err
	}
	if px := src.Width * src.Height; px > s.limits.MaxPixels {
		return easel.Asset{}, easel.Errorf(easel.CodeTooLarge, "image has %d pixels (%dx%d); the limit is %d", px, src.Width, src.Height, s.limits.MaxPixels)
	}
	if src.Pages > s.limits.MaxPages {
		return easel.Asset{}, easel.Errorf(easel.CodeTooLarge, "image has %d frames or pages; the limit is %d", src.Pages, s.limits.MaxPages)
	}
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	key := easel.OriginalKey(hexSum)
	if _, err := s.blobs.Stat(ctx, key); easel.IsNotFound(err) {
		if err := s.blobs.Put(ctx, key, bytes.NewReader(data)); err != nil {
			return easel.Asset{}, fmt.Errorf("upload: store original: %w", err)
		}
	} else if err != nil {
		return easel.Asset{}, fmt.Errorf("upload: stat original: %w", err)
	}
	w, h := src.DisplayedSize()
	pages := src.Pages
	if pages < 1 {
		pages = 1
	}
	a := easel.Asset{
		ID:        easel.NewID(),
		TenantID:  tenantID,
		SHA256:    hexSum,
		Format:    string(src.Format),
		Width:     w,
		Height:    h,
		Pages:     pages,
		Bytes:     int64(len(data)),
		Name:      sanitizeName(name),
		EXIF:      src.EXIF,
		CreatedAt: time.Now().UTC(),
	}
	if err := s.meta.CreateAsset(ctx, a); err != nil {
		return easel.Asset{}, fmt.Errorf("upload: record asset: %w", err)
	}
	return a, nil
}

// Get returns the tenant's asset. Another tenant's asset is not found.
func (s *Assets) Get(ctx context.Context, tenantID, id string) (easel.Asset, error) {
	if !easel.ValidID(id) {
		return easel.Asset{}, easel.Errorf(easel.CodeNotFound, "asset %q not found", id)
	}
	a, err := s.meta.GetAsset(ctx, id)
	if err != nil {
		return easel.Asset{}, err
	}
	if a.TenantID != tenantID {
		return easel.Asset{}, easel.Errorf(easel.CodeNotFound, "asset %s not found", id)
	}
	return a, nil
}

// List returns a page of the tenant's assets, newest first.
func (s *Assets) List(ctx context.Context, tenantID string, page easel.ListPage) ([]easel.Asset, string, error) {
	if page.Limit < 0 || page.Limit > 1000 {
		return nil, "", easel.Errorf(easel.CodeInvalidArgument, "limit must be 1..1000")
	}
	return s.meta.ListAssets(ctx, tenantID, page)
}

// Delete removes the asset, every stored variant of it, and the original
// when no other asset uses the same bytes.
func (s *Assets) Delete(ctx context.Context, tenantID, id string) error {
	a, err := s.Get(ctx, tenantID, id)
	if err != nil {
		return err
	}
	remaining, err := s.meta.DeleteAsset(ctx, id)
	if err != nil {
		return err
	}
	s.onDelete(id)
	var keys []string
	err = s.blobs.List(ctx, easel.VariantPrefix(id), func(b easel.BlobInfo) error {
		keys = append(keys, b.Key)
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete asset %s: list variants: %w", id, err)
	}
	if remaining == 0 {
		keys = append(keys, easel.OriginalKey(a.SHA256))
	}
	for _, k := range keys {
		if err := s.blobs.Delete(ctx, k); err != nil {
			return fmt.Errorf("delete asset %s: %w", id, err)
		}
	}
	s.log.Debug("asset deleted", "asset", id, "blobs", len(keys))
	return nil
}

// sanitizeName keeps a printable, bounded file name.
func sanitizeName(name string) string {
	out := make([]rune, 0, len(name))
	for _, r := range name {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			continue
		}
		out = append(out, r)
		if len(out) == 200 {
			break
		}
	}
	return string(out)
}
