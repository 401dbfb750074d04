package tus

import (
	"context"
	"io"
	"maps"

	"github.com/tus/tusd/v2/pkg/handler"
)

// finish runs when the last byte of an upload is stored, before tusd
// answers the request that brought it: it hands the upload to the
// CompleteFunc and records the asset, or deletes the upload on failure.
func (h *Handler) finish(ev handler.HookEvent) (handler.HTTPResponse, error) {
	ctx := ev.Context
	st := stateFrom(ctx)
	rec, err := h.store.loadRecord(ctx, ev.Upload.ID)
	if err != nil {
		return handler.HTTPResponse{}, st.fail(err)
	}
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
		if derr := h.store.deleteUpload(context.WithoutCancel(ctx), rec.ID); derr != nil {
			h.log.Error("deleting refused upload", "upload", rec.ID, "error", derr)
		}
		return handler.HTTPResponse{}, err
	}
	rec.AssetID = assetID
	rec.ExpiresAt = h.store.now().Add(h.cfg.Expiry)
	if err := h.store.saveRecord(ctx, rec); err != nil {
		return handler.HTTPResponse{}, st.fail(err)
	}
	st.seen(rec)
	if err := h.store.deleteParts(ctx, rec.ID); err != nil {
		// The janitor deletes them with the record when it expires.
		h.log.Error("deleting parts of a completed upload", "upload", rec.ID, "error", err)
	}
	return handler.HTTPResponse{Header: handler.HTTPHeader{"Easel-Asset-Id": assetID}}, nil
}
