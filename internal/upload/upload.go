package upload

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/render"
	"github.com/easelhq/easel/internal/tasks"
	"github.com/easelhq/easel/transform"
)

// Config bounds what an upload may be and sets the near-duplicate search.
type Config struct {
	// Rules, when set, routes an upload with no operations: the first
	// matching rule's flow runs on it (internal/flows.Flows is the real one).
	Rules RuleRunner
	// Flows, when set, runs the flow an upload names (Request.Flow).
	Flows          FlowRunner
	MaxUploadBytes int64
	// Video, when set, lets uploads be videos (MP4, MOV, WebM, MKV), probed
	// by it before anything is stored, within MaxVideoBytes and
	// MaxVideoDuration and, per frame, MaxPixels. Without it a video is
	// unsupported_media.
	Video            VideoProber
	MaxVideoBytes    int64
	MaxVideoDuration time.Duration
	// MaxUploads is how many uploads are checked and stored at once; the
	// rest wait. Bodies are streamed to TempDir before taking a slot.
	MaxUploads int
	MaxPixels  int // per frame
	MaxPages   int
	// Analyze queues the analysis of every upload that does not opt out.
	Analyze bool
	// Levels queues the making of every upload's pyramid of levels.
	Levels bool
	// NearDistance is the largest pHash distance (0..16) of the near
	// duplicates an upload reports; NearLimit how many it reports.
	NearDistance int
	NearLimit    int
	// TempDir holds bodies while they arrive ("" is os.TempDir()).
	TempDir string
	// MinRate is the slowest average transfer, in bytes per second, a body
	// may keep up once RateGrace has passed (request_timeout); 0 disables it.
	MinRate   int64
	RateGrace time.Duration
	// CheckBytes bounds the bytes of the uploads being checked at once: a
	// body is mapped into memory while it is probed, decode-checked and
	// analysed, so this, not MaxUploads x MaxUploadBytes, bounds the memory
	// uploads take. A larger upload takes the whole budget. 0 means
	// MaxUploadBytes: one upload of the largest size, or several smaller
	// ones, are checked at once.
	CheckBytes int64
	// IdempotencyTTL is how long an idempotency key is remembered.
	IdempotencyTTL time.Duration
	// Region is the region of an upload that names none (config region).
	// Regions, when not empty (config regions), are the regions an upload
	// may name: its asset is recorded in it and its tasks run there.
	Region  string
	Regions []string

	// Quota, when set, admits uploads by tenant: uploads per minute before
	// the body is read, stored bytes once its size is known
	// (internal/quota.Quotas).
	Quota Quota
}

// Quota admits uploads by tenant. Its errors (easel.CodeRateLimited,
// easel.CodeQuotaExceeded) carry an easel.RetryAfter cause.
type Quota interface {
	// AdmitUpload admits one upload; done must be called once, with the
	// asset stored (nil when none was).
	AdmitUpload(ctx context.Context, tenantID string) (done func(a *easel.Asset), err error)
	// CheckStore refuses an upload of size bytes past the stored bytes.
	CheckStore(ctx context.Context, tenantID string, size int64) error
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
	GetAsset(ctx context.Context, id string) (easel.Asset, error)
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
	// Get returns a task of the tenant (CodeNotFound when there is none).
	Get(ctx context.Context, tenantID, id string) (tasks.View, error)
}

// Uploads stores originals.
type Uploads struct {
	cfg    Config
	store  Store
	blobs  easel.BlobStore
	engine Engine
	tasks  Tasks // nil: no task queue
	slots  chan struct{}
	mapped *semaphore.Weighted // bytes being checked, Config.CheckBytes
	log    *slog.Logger
}

// New returns the upload use case. tasks may be nil (no analysis, no
// operations).
func New(cfg Config, store Store, blobs easel.BlobStore, engine Engine, tasks Tasks, log *slog.Logger) *Uploads {
	if cfg.Video == nil || cfg.MaxVideoBytes <= 0 {
		cfg.MaxVideoBytes = 0
	}
	if cfg.CheckBytes <= 0 {
		cfg.CheckBytes = max(cfg.MaxUploadBytes, 1)
	}
	return &Uploads{cfg: cfg, store: store, blobs: blobs, engine: engine, tasks: tasks, log: log,
		slots: make(chan struct{}, max(1, cfg.MaxUploads)), mapped: semaphore.NewWeighted(cfg.CheckBytes)}
}

// RuleRunner runs the flow of the first rule that matches an asset. It
// returns nil and no error when no rule matches.
type RuleRunner interface {
	RunRules(ctx context.Context, tenantID, assetID, region, callbackURL string, wait time.Duration) (*tasks.View, error)
}

// FlowRunner runs a named flow on a new upload (Request.Flow).
// internal/flows.Flows is the real one.
type FlowRunner interface {
	// CheckFlow returns CodeNotFound when there is no such flow.
	CheckFlow(name string) error
	RunFlow(ctx context.Context, tenantID, assetID, name, region, callbackURL string, wait time.Duration) (tasks.View, error)
}

// Constraints are what an upload token fixes about the uploads made with it.
type Constraints struct {
	// MaxBytes caps the upload (too_large past it); 0: Config.MaxUploadBytes.
	MaxBytes int64
	// Types are the formats allowed, as sniffed (unsupported_media for
	// another); empty: any.
	Types []string
	// Ops and Flow replace whatever the request asked for.
	Ops  []string
	Flow string
}

// Request is one upload.
type Request struct {
	// SkipRules leaves an upload with no operations alone (?rules=false).
	SkipRules bool
	// Name is the client's file name, informative only.
	Name string
	// Body holds the image; it is streamed to a temporary file, never held
	// in memory.
	Body io.Reader
	// Task, when it has operations, is submitted on the new asset (its
	// AssetID is ignored); Wait then holds the answer until the task is
	// final or Wait has passed.
	Task *tasks.Request
	Wait time.Duration
	// SkipAnalysis opts out of the analysis (?analyze=false).
	SkipAnalysis bool
	// SkipVerify opts out of the small decode that checks the whole image
	// (?verify=false): a corrupt or truncated image is then stored.
	SkipVerify bool
	// SetReadDeadline, when set, sets the read deadline of the connection
	// the body comes from (the zero time restores the server's), so a
	// client that stops sending is cut at the minimum rate too.
	SetReadDeadline func(time.Time) error
	// Flow, when set, names a flow to run on the new asset (instead of the
	// rules); it excludes operations.
	Flow string
	// Constraints, when set, are an upload token's: they apply after the
	// body (and the multipart fields with it) has arrived, replacing the
	// request's operations, flow, callback and opt-outs.
	Constraints *Constraints
	// IdempotencyKey, when set, makes the upload idempotent for the tenant
	// (Idempotency-Key): a retry of the same request (same bytes and
	// parameters) within Config.IdempotencyTTL returns the asset the first
	// one created; another request with the key is idempotency_key_reused.
	IdempotencyKey string
	// Region is the asset's region (the region field); empty is the task's
	// region, then Config.Region.
	Region string
}

// Result is an uploaded asset with the near duplicates already stored.
type Result struct {
	easel.Asset
	NearDuplicates []easel.Similar `json:"near_duplicates,omitempty"`
	AnalysisTaskID string          `json:"analysis_task_id,omitempty"` // GET /v1/tasks/{id} follows it
	LevelsTaskID   string          `json:"levels_task_id,omitempty"`   // the task making the levels
	// Verified tells whether the whole image was decoded at upload (false
	// with ?verify=false).
	Verified bool `json:"verified"`
	// Replayed is true when an Idempotency-Key named an upload already
	// made: the asset is the first request's, and nothing was queued again.
	Replayed bool `json:"-"`
	// Task is the task the request's operations made, nil without operations.
	Task *tasks.View `json:"-"`
}

// Upload streams the body to a temporary file (hashing it, within the byte
// limit and the minimum rate), then, holding one of the upload slots, checks
// it (header, limits, a small decode unless SkipVerify; an SVG is
// sanitised), stores it and queues its analysis and its task. The request's
// operations are validated before anything is stored.
func (s *Uploads) Upload(ctx context.Context, tenantID string, req Request) (Result, error) {
	if err := checkIdempotencyKey(req.IdempotencyKey); err != nil {
		return Result{}, err
	}
	var stored *easel.Asset // for the quota: the asset this upload stored
	if s.cfg.Quota != nil {
		done, err := s.cfg.Quota.AdmitUpload(ctx, tenantID)
		if err != nil {
			return Result{}, err
		}
		defer func() { done(stored) }()
	}
	var tokenCap int64 // an upload token's byte cap
	if c := req.Constraints; c != nil {
		tokenCap = c.MaxBytes
	}
	sp, err := s.spool(req.Body, req.SetReadDeadline, tokenCap)
	if err != nil {
		return Result{}, err
	}
	defer sp.close()
	if s.cfg.Quota != nil {
		if err := s.cfg.Quota.CheckStore(ctx, tenantID, sp.size); err != nil {
			return Result{}, err
		}
	}
	if c := req.Constraints; c != nil {
		req.Task = &tasks.Request{Ops: c.Ops}
		req.Flow = c.Flow
		req.SkipRules, req.SkipAnalysis, req.SkipVerify = false, false, false
	}
	// After the body: multipart fields may follow the file.
	if err := s.resolveRegion(&req); err != nil {
		return Result{}, err
	}
	if req.Flow != "" {
		if req.Task != nil && len(req.Task.Ops) > 0 {
			return Result{}, easel.Errorf(easel.CodeInvalidArgument, "an upload runs ops or a flow, not both")
		}
		if s.cfg.Flows == nil {
			return Result{}, easel.Errorf(easel.CodeInvalidArgument, "flow: this server runs no flows")
		}
		if err := s.cfg.Flows.CheckFlow(req.Flow); err != nil {
			return Result{}, err
		}
	}
	var spec *tasks.Spec
	if req.Task != nil && len(req.Task.Ops) > 0 {
		if req.IdempotencyKey != "" {
			// The task is named by the key too, so that a retry of an
			// upload stored before its task was (a crash, a lost queue)
			// makes the task once, and a replay returns it.
			req.Task.TaskID = idempotentTaskID(tenantID, req.IdempotencyKey)
		}
		if s.tasks == nil {
			return Result{}, easel.Errorf(easel.CodeInvalidArgument, "ops: this server runs no task queue")
		}
		v, err := s.tasks.Validate(*req.Task)
		if err != nil {
			return Result{}, err
		}
		spec = &v
	}
	// The body has arrived: only now take a slot, which bounds the
	// uploads being decoded and stored at once.
	release, err := s.reserve(ctx)
	if err != nil {
		return Result{}, err
	}
	res, err := s.check(ctx, tenantID, req, sp)
	release()
	if err != nil {
		return Result{}, err
	}
	if !res.Replayed {
		stored = &res.Asset
	}
	if spec != nil && res.Replayed && req.Task.TaskID != "" {
		if v, err := s.tasks.Get(ctx, tenantID, req.Task.TaskID); err == nil {
			res.Task = &v
		} else if !easel.IsNotFound(err) {
			return Result{}, err
		}
	}
	if spec != nil && res.Task == nil && (!res.Replayed || req.Task.TaskID != "") {
		v, err := s.tasks.SubmitSpec(ctx, tenantID, res.ID, *spec, req.Wait)
		if err != nil {
			if first, gerr := s.tasks.Get(ctx, tenantID, req.Task.TaskID); req.Task.TaskID != "" && gerr == nil {
				v, err = first, nil // a concurrent retry made it first
			} else {
				return Result{}, err
			}
		}
		res.Task = &v
	}
	if req.Flow != "" && !res.Replayed {
		var region, callback string
		if req.Task != nil {
			region, callback = req.Task.Region, req.Task.CallbackURL
		}
		v, err := s.cfg.Flows.RunFlow(ctx, tenantID, res.ID, req.Flow, region, callback, req.Wait)
		if err != nil {
			return Result{}, err
		}
		res.Task = &v
		return res, nil
	}
	if spec == nil && !res.Replayed && !req.SkipRules && s.cfg.Rules != nil {
		var region, callback string
		if req.Task != nil {
			region, callback = req.Task.Region, req.Task.CallbackURL
		}
		// The original is kept whatever the rule's flow does: a flow that
		// cannot start is logged, and the upload still succeeds.
		v, err := s.cfg.Rules.RunRules(ctx, tenantID, res.ID, region, callback, req.Wait)
		if err != nil {
			s.log.Warn("upload stored; its rule's flow was not started", "asset", res.ID, "err", err)
		}
		res.Task = v
	}
	return res, nil
}

// resolveRegion sets req.Region: the one asked (the region field, which
// the task request carries), else Config.Region. With regions it must be
// one of them, and the upload's task runs there too.
func (s *Uploads) resolveRegion(req *Request) error {
	if req.Region == "" && req.Task != nil {
		req.Region = req.Task.Region
	}
	if len(s.cfg.Regions) == 0 {
		if req.Region == "" {
			req.Region = s.cfg.Region
		}
		return nil
	}
	if req.Region == "" {
		req.Region = s.cfg.Region
	}
	if !slices.Contains(s.cfg.Regions, req.Region) {
		return easel.Errorf(easel.CodeInvalidArgument, "region %q is not one of the configured regions (%s)", req.Region, strings.Join(s.cfg.Regions, ", "))
	}
	if req.Task != nil {
		req.Task.Region = req.Region
	}
	return nil
}

// check maps the spooled upload, keeps it and queues its analysis.
func (s *Uploads) check(ctx context.Context, tenantID string, req Request, sp *spooled) (Result, error) {
	if sp.size == 0 {
		return Result{}, easel.Errorf(easel.CodeInvalidArgument, "the upload is empty")
	}
	if sp.video != "" {
		// Videos skip the image analysis (faces, hashes) and the levels:
		// delivery renders their poster frames on demand.
		a, replay, err := s.keepVideo(ctx, tenantID, req, sp, sp.video)
		if err != nil {
			return Result{}, err
		}
		return Result{Asset: a, Verified: true, Replayed: replay}, nil
	}
	weight := min(sp.size, s.cfg.CheckBytes)
	if err := s.mapped.Acquire(ctx, weight); err != nil {
		return Result{}, easel.WrapError(easel.CodeDeadlineExceeded, err, "timed out waiting to check the upload")
	}
	defer s.mapped.Release(weight)
	data, unmap, err := sp.mmap()
	if err != nil {
		return Result{}, err
	}
	defer unmap()
	a, data, replay, err := s.keep(ctx, tenantID, req, sp, data)
	if err != nil {
		return Result{}, err
	}
	res := Result{Asset: a, Verified: !req.SkipVerify, Replayed: replay}
	if replay {
		return res, nil // the first request queued the analysis
	}
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
	return res, nil
}

// reserve takes one of the upload slots that bound the uploads being
// checked and stored at once, waiting while ctx allows.
func (s *Uploads) reserve(ctx context.Context) (release func(), err error) {
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	case <-ctx.Done():
		return nil, easel.WrapError(easel.CodeDeadlineExceeded, ctx.Err(), "timed out waiting to check the upload")
	}
}

// keep checks data from its header (type sniffed from the bytes,
// dimensions, frames) before any decoding, then with a small decode unless
// req.SkipVerify; sanitises an SVG; stores the original content-addressed
// and records the asset. It returns the bytes stored (data, or the
// sanitised SVG).
func (s *Uploads) keep(ctx context.Context, tenantID string, req Request, sp *spooled, data []byte) (_ easel.Asset, _ []byte, replay bool, err error) {
	src, err := s.engine.Probe(data)
	if err != nil {
		return easel.Asset{}, nil, false, err
	}
	if px := src.Width * src.Height; px > s.cfg.MaxPixels {
		return easel.Asset{}, nil, false, easel.Errorf(easel.CodeTooLarge, "image has %d pixels (%dx%d); the limit is %d", px, src.Width, src.Height, s.cfg.MaxPixels)
	}
	if c := req.Constraints; c != nil && len(c.Types) > 0 && !slices.Contains(c.Types, string(src.Format)) {
		return easel.Asset{}, nil, false, easel.Errorf(easel.CodeUnsupportedMedia, "a %s upload is not allowed by the upload token (it allows %s)", src.Format, strings.Join(c.Types, ", "))
	}
	if src.Pages > s.cfg.MaxPages {
		return easel.Asset{}, nil, false, easel.Errorf(easel.CodeTooLarge, "image has %d frames or pages; the limit is %d", src.Pages, s.cfg.MaxPages)
	}
	body, size, hexSum := sp.reader(), sp.size, sp.sum
	if src.Format == transform.FormatSVG {
		if data, err = s.sanitizeSVG(data); err != nil {
			return easel.Asset{}, nil, false, err
		}
		sum := sha256.Sum256(data)
		body, size, hexSum = bytes.NewReader(data), int64(len(data)), hex.EncodeToString(sum[:])
	}
	if !req.SkipVerify {
		if err := s.verify(ctx, src.Format, data); err != nil {
			return easel.Asset{}, nil, false, err
		}
	}
	if err := s.storeOriginal(ctx, hexSum, body); err != nil {
		return easel.Asset{}, nil, false, err
	}
	w, h := src.DisplayedSize()
	a := easel.Asset{
		ID:        easel.NewID(),
		TenantID:  tenantID,
		SHA256:    hexSum,
		Kind:      easel.KindImage,
		Format:    string(src.Format),
		Width:     w,
		Height:    h,
		Pages:     max(src.Pages, 1),
		Bytes:     size,
		Name:      sanitizeName(req.Name),
		Region:    req.Region,
		EXIF:      src.EXIF,
		CreatedAt: time.Now().UTC(),
	}
	if a, replay, err = s.record(ctx, req, a); err != nil {
		return easel.Asset{}, nil, false, err
	}
	return a, data, replay, nil
}

// storeOriginal puts body at the original's content-addressed key unless
// it is there already.
func (s *Uploads) storeOriginal(ctx context.Context, hexSum string, body io.Reader) error {
	key := easel.OriginalKey(hexSum)
	if _, err := s.blobs.Stat(ctx, key); easel.IsNotFound(err) {
		if err := s.blobs.Put(ctx, key, body); err != nil {
			return fmt.Errorf("upload: store original: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("upload: stat original: %w", err)
	}
	return nil
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

// idempotentTaskID names the task of an upload made with an
// Idempotency-Key: the same tenant and key always give the same ID.
func idempotentTaskID(tenantID, key string) string { return easel.DerivedID("upload", tenantID, key) }
