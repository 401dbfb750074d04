package upload

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/render"
	"github.com/easelhq/easel/internal/tasks"
	"github.com/easelhq/easel/transform"
)

// Config bounds what an upload may be and sets the near-duplicate search.
type Config struct {
	MaxUploadBytes int64
	MaxUploads     int // uploads read at once; the rest wait
	MaxPixels      int // per frame
	MaxPages       int
	// Analyze queues the analysis of every upload that does not opt out.
	Analyze bool
	// Levels queues the making of every upload's pyramid of levels.
	Levels bool
	// NearDistance is the largest pHash distance (0..16) of the near
	// duplicates an upload reports; NearLimit how many it reports.
	NearDistance int
	NearLimit    int
}

// Engine reads image headers and decodes small rasters.
// internal/engine/vips is the real one.
type Engine interface {
	// Probe reads the image's header without decoding pixels: unsupported
	// bytes give CodeUnsupportedMedia, over-limit images CodeTooLarge.
	Probe(data []byte) (transform.Source, error)
	render.Rasterizer
}

// Store is what an upload needs of the metadata store.
type Store interface {
	CreateAsset(ctx context.Context, a easel.Asset) error
	// SimilarAssets is easel.AnalysisStore's.
	SimilarAssets(ctx context.Context, tenantID string, phash uint64, maxDistance, limit int, excludeID string) ([]easel.Similar, error)
}

// Tasks submits the work an upload asks for. internal/tasks.Tasks is the
// real one.
type Tasks interface {
	Validate(req tasks.Request) (tasks.Spec, error)
	SubmitSpec(ctx context.Context, tenantID, assetID string, spec tasks.Spec, wait time.Duration) (tasks.View, error)
	SubmitAnalysis(ctx context.Context, a easel.Asset) (easel.Task, error)
	SubmitLevels(ctx context.Context, a easel.Asset) (easel.Task, error)
}

// Uploads stores originals.
type Uploads struct {
	cfg    Config
	store  Store
	blobs  easel.BlobStore
	engine Engine
	tasks  Tasks // nil: no task queue
	slots  chan struct{}
	log    *slog.Logger
}

// New returns the upload use case. tasks may be nil (no analysis, no
// operations).
func New(cfg Config, store Store, blobs easel.BlobStore, engine Engine, tasks Tasks, log *slog.Logger) *Uploads {
	return &Uploads{cfg: cfg, store: store, blobs: blobs, engine: engine, tasks: tasks, log: log,
		slots: make(chan struct{}, max(1, cfg.MaxUploads))}
}

// Request is one upload.
type Request struct {
	// Name is the client's file name, informative only.
	Name string
	// Body holds the image. A *bytes.Buffer is used without a copy.
	Body io.Reader
	// Task, when it has operations, is submitted on the new asset (its
	// AssetID is ignored); Wait then holds the answer until the task is
	// final or Wait has passed.
	Task *tasks.Request
	Wait time.Duration
	// SkipAnalysis opts out of the analysis (?analyze=false).
	SkipAnalysis bool
}

// Result is an uploaded asset with the near duplicates already stored.
type Result struct {
	easel.Asset
	NearDuplicates []easel.Similar `json:"near_duplicates,omitempty"`
	AnalysisTaskID string          `json:"analysis_task_id,omitempty"` // GET /v1/tasks/{id} follows it
	LevelsTaskID   string          `json:"levels_task_id,omitempty"`   // the task making the levels
	// Task is the task the request's operations made, nil without operations.
	Task *tasks.View `json:"-"`
}

// Upload reads, checks and stores an original, then queues its analysis and
// its task. The request's operations are validated before anything is stored.
func (s *Uploads) Upload(ctx context.Context, tenantID string, req Request) (Result, error) {
	release, err := s.reserve(ctx)
	if err != nil {
		return Result{}, err
	}
	defer func() {
		if release != nil {
			release()
		}
	}()
	data, err := s.read(req.Body)
	if err != nil {
		return Result{}, err
	}
	var spec *tasks.Spec
	if req.Task != nil && len(req.Task.Ops) > 0 {
		if s.tasks == nil {
			return Result{}, easel.Errorf(easel.CodeInvalidArgument, "ops: this server runs no task queue")
		}
		sp, err := s.tasks.Validate(*req.Task)
		if err != nil {
			return Result{}, err
		}
		spec = &sp
	}
	a, err := s.keep(ctx, tenantID, req.Name, data)
	if err != nil {
		return Result{}, err
	}
	res := Result{Asset: a}
	if s.cfg.Analyze && !req.SkipAnalysis && s.tasks != nil {
		res.AnalysisTaskID, res.NearDuplicates = s.analyze(ctx, a, data)
	}
	if s.cfg.Levels && s.tasks != nil {
		if t, err := s.tasks.SubmitLevels(ctx, a); err != nil {
			s.log.Warn("levels not submitted", "asset", a.ID, "err", err)
		} else {
			res.LevelsTaskID = t.ID
		}
	}
	data = nil
	release()
	release = nil // the bytes are no longer held: waiting for the task takes no slot
	if spec != nil {
		v, err := s.tasks.SubmitSpec(ctx, tenantID, a.ID, *spec, req.Wait)
		if err != nil {
			return Result{}, err
		}
		res.Task = &v
	}
	return res, nil
}

// reserve takes one of the upload slots that bound the memory held by
// uploads in progress, waiting while ctx allows.
func (s *Uploads) reserve(ctx context.Context) (release func(), err error) {
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	case <-ctx.Done():
		return nil, easel.WrapError(easel.CodeDeadlineExceeded, ctx.Err(), "timed out waiting to read the upload")
	}
}

// read reads the body, refusing more than the byte limit.
func (s *Uploads) read(body io.Reader) ([]byte, error) {
	tooLarge := easel.Errorf(easel.CodeTooLarge, "upload is larger than %d bytes", s.cfg.MaxUploadBytes)
	if buf, ok := body.(*bytes.Buffer); ok {
		if int64(buf.Len()) > s.cfg.MaxUploadBytes {
			return nil, tooLarge
		}
		return buf.Bytes(), nil
	}
	data, err := io.ReadAll(io.LimitReader(body, s.cfg.MaxUploadBytes+1))
	if err != nil {
		if easel.ErrorCode(err) == easel.CodeTooLarge {
			return nil, err
		}
		return nil, easel.WrapError(easel.CodeInvalidArgument, err, "could not read the upload")
	}
	if int64(len(data)) > s.cfg.MaxUploadBytes {
		return nil, tooLarge
	}
	return data, nil
}

// keep checks data from its header (type sniffed from the bytes,
// dimensions, frames) before any decoding, stores the original
// content-addressed and records the asset.
func (s *Uploads) keep(ctx context.Context, tenantID, name string, data []byte) (easel.Asset, error) {
	if len(data) == 0 {
		return easel.Asset{}, easel.Errorf(easel.CodeInvalidArgument, "the upload is empty")
	}
	src, err := s.engine.Probe(data)
	if err != nil {
		return easel.Asset{}, err
	}
	if px := src.Width * src.Height; px > s.cfg.MaxPixels {
		return easel.Asset{}, easel.Errorf(easel.CodeTooLarge, "image has %d pixels (%dx%d); the limit is %d", px, src.Width, src.Height, s.cfg.MaxPixels)
	}
	if src.Pages > s.cfg.MaxPages {
		return easel.Asset{}, easel.Errorf(easel.CodeTooLarge, "image has %d frames or pages; the limit is %d", src.Pages, s.cfg.MaxPages)
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
	a := easel.Asset{
		ID:        easel.NewID(),
		TenantID:  tenantID,
		SHA256:    hexSum,
		Format:    string(src.Format),
		Width:     w,
		Height:    h,
		Pages:     max(src.Pages, 1),
		Bytes:     int64(len(data)),
		Name:      sanitizeName(name),
		EXIF:      src.EXIF,
		CreatedAt: time.Now().UTC(),
	}
	if err := s.store.CreateAsset(ctx, a); err != nil {
		return easel.Asset{}, fmt.Errorf("upload: record asset: %w", err)
	}
	return a, nil
}

// analyze queues the analysis (it runs on a worker) and finds the near
// duplicates from a pHash computed here on a small shrink-on-load decode.
// Failures are logged: the upload itself succeeded.
func (s *Uploads) analyze(ctx context.Context, a easel.Asset, data []byte) (taskID string, near []easel.Similar) {
	if t, err := s.tasks.SubmitAnalysis(ctx, a); err != nil {
		s.log.Warn("analysis not submitted", "asset", a.ID, "err", err)
	} else {
		taskID = t.ID
	}
	h, err := render.PHash(ctx, s.engine, data)
	if err != nil {
		return taskID, nil
	}
	near, err = s.store.SimilarAssets(ctx, a.TenantID, h, s.cfg.NearDistance, s.cfg.NearLimit, a.ID)
	if err != nil {
		s.log.Warn("near duplicates not searched", "asset", a.ID, "err", err)
		return taskID, nil
	}
	if near == nil {
		near = []easel.Similar{}
	}
	return taskID, near
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
