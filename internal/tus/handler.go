package tus

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	xslog "golang.org/x/exp/slog"

	"github.com/easelhq/easel"
)

// Handler serves the tus protocol under Config.BasePath and runs the
// janitor that deletes expired uploads (Start, Stop). Mount it on both
// BasePath and BasePath + "/".
type Handler struct {
	cfg      Config
	store    *dataStore
	complete CompleteFunc
	auth     AuthFunc
	tusd     http.Handler
	locks    *heldLocker
	log      *slog.Logger

	mu      sync.Mutex
	cancel  context.CancelFunc
	stopped chan struct{}
}

var _ http.Handler = (*Handler)(nil)

// New returns a Handler that keeps uploads in blobs, authenticates each
// request with auth and hands finished uploads to complete.
func New(cfg Config, blobs easel.BlobStore, complete CompleteFunc, auth AuthFunc) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if blobs == nil || complete == nil || auth == nil {
		return nil, fmt.Errorf("tus: blob store, complete and auth are required")
	}
	h := &Handler{
		cfg:      cfg,
		store:    &dataStore{blobs: blobs, cfg: cfg, now: time.Now},
		complete: complete,
		auth:     auth,
		log:      slog.Default().With("component", "tus"),
	}
	composer := handler.NewStoreComposer()
	composer.UseCore(h.store)
	composer.UseTerminater(h.store)
	h.locks = newHeldLocker(memorylocker.New())
	composer.UseLocker(h.locks)
	cors := handler.DefaultCorsConfig
	cors.ExposeHeaders += ", Upload-Expires, Easel-Asset-Id"
	t, err := handler.NewHandler(handler.Config{
		StoreComposer:             composer,
		MaxSize:                   cfg.MaxSize,
		BasePath:                  cfg.BasePath,
		DisableDownload:           true,
		DisableConcatenation:      true,
		Cors:                      &cors,
		Logger:                    xslog.New(xslog.NewTextHandler(io.Discard, nil)),
		NetworkTimeout:            cfg.ReadTimeout,
		RespectForwardedHeaders:   cfg.RespectForwardedHeaders,
		PreFinishResponseCallback: h.finish,
	})
	if err != nil {
		return nil, fmt.Errorf("tus: %w", err)
	}
	h.tusd = http.StripPrefix(cfg.BasePath, t)
	return h, nil
}

// ServeHTTP authenticates the request, checks a creation against the
// limits, and lets tusd handle it with the caller's tenant in its context.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// tusd honours X-HTTP-Method-Override; decide on the method it will see.
	if m := r.Header.Get("X-HTTP-Method-Override"); m != "" {
		r.Method = strings.ToUpper(m)
		r.Header.Del("X-HTTP-Method-Override")
	}
	if r.Method == http.MethodOptions {
		h.tusd.ServeHTTP(&response{ResponseWriter: w, req: r, st: &reqState{}, writeError: h.cfg.WriteError}, r)
		return
	}
	// tus clients look for Tus-Resumable on every response, errors included.
	w.Header().Set("Tus-Resumable", "1.0.0")
	tenant, maxBytes, err := h.auth(r)
	if err != nil {
		h.cfg.WriteError(w, r, err)
		return
	}
	if r.Method == http.MethodPost {
		if err := h.checkCreate(r, maxBytes); err != nil {
			h.cfg.WriteError(w, r, err)
			return
		}
	}
	st := &reqState{tenant: tenant, maxBytes: maxBytes}
	r = r.WithContext(withState(r.Context(), st))
	if r.Method == http.MethodPatch && h.retryCompletion(w, r, st) {
		return
	}
	h.tusd.ServeHTTP(&response{ResponseWriter: w, req: r, st: st, writeError: h.cfg.WriteError}, r)
}

// checkCreate applies the limits to a creation request.
func (h *Handler) checkCreate(r *http.Request, maxBytes int64) error {
	if r.Header.Get("Upload-Defer-Length") != "" || r.Header.Get("Upload-Concat") != "" {
		return easel.Errorf(easel.CodeInvalidArgument, "Upload-Length is required; deferred length and concatenation are not supported")
	}
	size, err := strconv.ParseInt(r.Header.Get("Upload-Length"), 10, 64)
	if err != nil || size < 0 {
		return easel.Errorf(easel.CodeInvalidArgument, "Upload-Length must be a number of bytes")
	}
	limit := h.cfg.MaxSize
	if maxBytes > 0 && maxBytes < limit {
		limit = maxBytes
	}
	if size > limit {
		return easel.Errorf(easel.CodeTooLarge, "upload of %d bytes; the limit is %d", size, limit)
	}
	if n := len(r.Header.Get("Upload-Metadata")); n > h.cfg.MaxMetadataBytes {
		return easel.Errorf(easel.CodeInvalidArgument, "Upload-Metadata has %d bytes; the limit is %d", n, h.cfg.MaxMetadataBytes)
	}
	return nil
}

// response adds easel's headers to tusd's responses, and writes errors of
// ours (recorded in the request state) with Config.WriteError instead of
// tusd's plain-text error.
type response struct {
	http.ResponseWriter
	req        *http.Request
	st         *reqState
	writeError func(http.ResponseWriter, *http.Request, error)

	wroteHeader bool
	swallow     bool
}

// WriteHeader implements http.ResponseWriter.
func (w *response) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	err, assetID, expiresAt := w.st.snapshot()
	hdr := w.ResponseWriter.Header()
	if code >= 400 && err != nil {
		hdr.Del("Content-Length")
		hdr.Del("Content-Type")
		w.writeError(w.ResponseWriter, w.req, err)
		w.swallow = true
		return
	}
	if assetID != "" {
		hdr.Set("Easel-Asset-Id", assetID)
	}
	if !expiresAt.IsZero() && code < 300 {
		hdr.Set("Upload-Expires", expiresAt.UTC().Format(http.TimeFormat))
	}
	if ext := hdr.Get("Tus-Extension"); ext != "" {
		hdr.Set("Tus-Extension", ext+",expiration")
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (w *response) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.swallow {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController (tusd's read deadlines) reach the
// connection.
func (w *response) Unwrap() http.ResponseWriter { return w.ResponseWriter }
