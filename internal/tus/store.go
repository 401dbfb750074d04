package tus

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"

	"github.com/easelhq/easel"
)

// dataStore is a tusd data store keeping uploads in an easel.BlobStore; the
// layout is in the package comment.
type dataStore struct {
	blobs easel.BlobStore
	cfg   Config
	now   func() time.Time
}

var (
	_ handler.DataStore           = (*dataStore)(nil)
	_ handler.TerminaterDataStore = (*dataStore)(nil)
	_ handler.Upload              = (*upload)(nil)
	_ handler.TerminatableUpload  = (*upload)(nil)
)

// NewUpload records a new upload of the requesting tenant.
func (s *dataStore) NewUpload(ctx context.Context, info handler.FileInfo) (handler.Upload, error) {
	st := stateFrom(ctx)
	if info.SizeIsDeferred || info.IsPartial || info.IsFinal {
		return nil, st.fail(easel.Errorf(easel.CodeInvalidArgument, "Upload-Length is required; deferred length and concatenation are not supported"))
	}
	now := s.now()
	rec := record{
		ID:        easel.NewID(),
		Tenant:    st.tenant,
		Size:      info.Size,
		Metadata:  info.MetaData,
		CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.Expiry),
	}
	if err := s.saveRecord(ctx, rec); err != nil {
		return nil, st.fail(err)
	}
	st.seen(rec)
	return &upload{store: s, rec: rec}, nil
}

// GetUpload returns the requesting tenant's upload id; another tenant's, an
// expired or a missing one is not found.
func (s *dataStore) GetUpload(ctx context.Context, id string) (handler.Upload, error) {
	st := stateFrom(ctx)
	rec, err := s.loadRecord(ctx, id)
	if err != nil {
		return nil, st.fail(err)
	}
	if rec.Tenant != st.tenant || !s.now().Before(rec.ExpiresAt) {
		return nil, st.fail(easel.Errorf(easel.CodeNotFound, "no such upload"))
	}
	st.seen(rec)
	return &upload{store: s, rec: rec}, nil
}

// AsTerminatableUpload gives tusd the termination extension.
func (s *dataStore) AsTerminatableUpload(u handler.Upload) handler.TerminatableUpload {
	return u.(*upload)
}

// upload is one upload as tusd handles it during one request.
type upload struct {
	store *dataStore
	rec   record
}

// WriteChunk appends what src delivers as a new part, then records the new
// offset. Bytes delivered before the body broke off are kept.
func (u *upload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	st := stateFrom(ctx)
	if offset != u.rec.Offset {
		return 0, st.fail(easel.Errorf(easel.CodeInvalidArgument, "Upload-Offset %d is not the upload's offset %d", offset, u.rec.Offset))
	}
	n := len(u.rec.Parts)
	key := partKey(u.rec.ID, n)
	body := newRateReader(src, u.store.cfg.MinRate, u.store.cfg.RateGrace, u.store.now)
	if err := u.store.blobs.Put(ctx, key, body); err != nil {
		return 0, st.fail(fmt.Errorf("tus: storing %q: %w", key, err))
	}
	if body.n == 0 {
		if err := u.store.blobs.Delete(ctx, key); err != nil {
			return 0, st.fail(fmt.Errorf("tus: deleting empty %q: %w", key, err))
		}
		return 0, body.failure(st)
	}
	rec := u.rec
	rec.Parts = append(append([]int64(nil), rec.Parts...), body.n)
	rec.Offset += body.n
	rec.ExpiresAt = u.store.now().Add(u.store.cfg.Expiry)
	if err := u.store.saveRecord(ctx, rec); err != nil {
		return 0, st.fail(err)
	}
	u.rec = rec
	st.seen(rec)
	return body.n, body.failure(st)
}

// GetInfo describes the upload to tusd.
func (u *upload) GetInfo(ctx context.Context) (handler.FileInfo, error) {
	return handler.FileInfo{
		ID:       u.rec.ID,
		Size:     u.rec.Size,
		Offset:   u.rec.Offset,
		MetaData: u.rec.Metadata,
	}, nil
}

// GetReader streams the parts received so far, one after another.
func (u *upload) GetReader(ctx context.Context) (io.ReadCloser, error) {
	if u.rec.AssetID != "" {
		return nil, stateFrom(ctx).fail(easel.Errorf(easel.CodeNotFound, "upload %s is complete; its bytes are asset %s", u.rec.ID, u.rec.AssetID))
	}
	return &partsReader{ctx: ctx, blobs: u.store.blobs, id: u.rec.ID, sizes: u.rec.Parts}, nil
}

// FinishUpload has nothing to do: the completion runs in the handler's
// pre-finish callback, which may answer the request.
func (u *upload) FinishUpload(ctx context.Context) error { return nil }

// Terminate deletes the upload.
func (u *upload) Terminate(ctx context.Context) error {
	if err := u.store.deleteUpload(ctx, u.rec.ID); err != nil {
		return stateFrom(ctx).fail(err)
	}
	return nil
}
