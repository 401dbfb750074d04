package tus

import (
	"context"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"

	"github.com/tus/tusd/v2/pkg/handler"

	"github.com/easelhq/easel"
)

// finish runs when the last byte of an upload is stored, before tusd
// answers the request that brought it.
func (h *Handler) finish(ev handler.HookEvent) (handler.HTTPResponse, error) {
	ctx := ev.Context
	st := stateFrom(ctx)
	rec, err := h.store.loadRecord(ctx, ev.Upload.ID)
	if err != nil {
		return handler.HTTPResponse{}, st.fail(err)
	}
	assetID, err := h.completeRecord(ctx, st, rec)
	if err != nil {
		return handler.HTTPResponse{}, err
	}
	return handler.HTTPResponse{Header: handler.HTTPHeader{"Easel-Asset-Id": assetID}}, nil
}

// retryable reports whether a CompleteFunc error may pass if the client
// tries again (the server was busy or failed), so the upload is kept.
func retryable(err error) bool {
	switch easel.ErrorCode(err) {
	case easel.CodeInternal, easel.CodeOverloaded, easel.CodeDeadlineExceeded, easel.CodeUnavailable:
		return true
	}
	return false
}

// completeRecord hands the stored upload rec to the CompleteFunc and
// records the asset. When the CompleteFunc refuses the upload it is
// deleted; when it fails for a reason of the server's (retryable) the upload
// is kept, complete, and a PATCH at its end tries again (retryCompletion).
func (h *Handler) completeRecord(ctx context.Context, st *reqState, rec record) (string, error) {
	up := Upload{
		ID:       rec.ID,
		Size:     rec.Size,
		Metadata: maps.Clone(rec.Metadata),
		open: func() (io.ReadCloser, error) {
			return &partsReader{ctx: ctx, blobs: h.store.blobs, id: rec.ID, sizes: rec.Parts}, nil
		},
	}
	if up.Metadata == nil {
		up.Metadata = map[string]string{}
	}
	assetID, err := h.complete(ctx, rec.Tenant, up)
	if err != nil {
		st.fail(err)
		if !retryable(err) {
			if derr := h.store.deleteUpload(context.WithoutCancel(ctx), rec.ID); derr != nil {
				h.log.Error("deleting refused upload", "upload", rec.ID, "error", derr)
			}
		}
		return "", err
	}
	rec.AssetID = assetID
	rec.ExpiresAt = h.store.now().Add(h.cfg.Expiry)
	if err := h.store.saveRecord(ctx, rec); err != nil {
		return "", st.fail(err)
	}
	st.seen(rec)
	if err := h.store.deleteParts(ctx, rec.ID); err != nil {
		// The janitor deletes them with the record when it expires.
		h.log.Error("deleting parts of a completed upload", "upload", rec.ID, "error", err)
	}
	return assetID, nil
}

// retryCompletion answers a PATCH at the end of an upload whose completion
// failed for a retryable reason, by completing it again; it reports whether
// it answered. tusd itself would answer such a PATCH 204 without completing.
func (h *Handler) retryCompletion(w http.ResponseWriter, r *http.Request, st *reqState) bool {
	id := strings.Trim(strings.TrimPrefix(r.URL.Path, h.cfg.BasePath), "/")
	pending := func() (record, bool) {
		rec, err := h.store.loadRecord(r.Context(), id)
		ok := err == nil && rec.Tenant == st.tenant && h.store.now().Before(rec.ExpiresAt) &&
			rec.AssetID == "" && rec.Offset == rec.Size && r.Header.Get("Upload-Offset") == strconv.FormatInt(rec.Size, 10)
		return rec, ok
	}
	if _, ok := pending(); !ok {
		return false
	}
	lock, err := h.locks.NewLock(id)
	if err != nil {
		return false
	}
	if err := lock.Lock(r.Context(), func() {}); err != nil {
		return false
	}
	defer lock.Unlock()
	rec, ok := pending()
	if !ok {
		return false // completed meanwhile: tusd answers
	}
	assetID, err := h.completeRecord(r.Context(), st, rec)
	if err != nil {
		h.cfg.WriteError(w, r, err)
		return true
	}
	w.Header().Set("Upload-Offset", strconv.FormatInt(rec.Size, 10))
	w.Header().Set("Easel-Asset-Id", assetID)
	w.WriteHeader(http.StatusNoContent)
	return true
}
