package tasks

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// Config configures task submission.
type Config struct {
	Presets  map[string]transform.Options
	MaxOps   int // outputs per task; 0 means 20
	MaxBatch int // items per batch; 0 means 1000
	// CheckCallbackURL refuses callback URLs the server must not call
	// (internal/webhook.CheckURL with the callbacks settings). Required.
	CheckCallbackURL func(rawURL string) error
	// Sources checks the source image of a task before it is queued; nil:
	// tasks cannot name sources.
	Sources        Sources
	OutboxInterval time.Duration
	OutboxMinAge   time.Duration
	// PublishTimeout bounds the publish a submission makes before it
	// answers; past it the task stays accepted and the outbox relay
	// publishes it, so a queue that is down never holds a client (an
	// upload submits up to three tasks). 0 means 1 s.
	PublishTimeout time.Duration
	// Region is the region of the tasks of assets that have none (config
	// region). Regions, when not empty (config regions), are the regions
	// a task may name: a task runs in its asset's region (taskRegion).
	Region  string
	Regions []string
}

// MaxWait bounds how long a submission may wait for its task.
const MaxWait = 60 * time.Second

// Signer signs the delivery paths of task outputs. internal/keys.Keys is the
// real one.
type Signer interface {
	// SignPath returns the signed delivery path of ops on assetID, signed
	// with the tenant's newest active key.
	SignPath(ctx context.Context, tenantID, ops, assetID, ext string) (string, error)
}

// Sources checks that a tenant may have a source image fetched; the
// internal/imports.Importer is the real one.
type Sources interface {
	// Check returns nil when the tenant may fetch rawPath from the source
	// called name; else not_found for a source that does not exist or is
	// not open to the tenant, permission_denied for a path outside its
	// prefixes, invalid_argument for a malformed path. It fetches nothing.
	Check(ctx context.Context, tenantID, name, rawPath string) error
}

// Tasks submits tasks and answers about them. A task is committed in state
// accepted before it is published (the outbox): when the queue is down the
// submission still succeeds, and RunOutbox publishes it later.
type Tasks struct {
	cfg    Config
	meta   easel.MetaStore
	tasks  easel.TaskStore
	queue  easel.Queue
	signer Signer
	log    *slog.Logger
	traces pendingTraces // of tasks left accepted, for the outbox relay
}

// New returns a Tasks service.
func New(cfg Config, meta easel.MetaStore, tasks easel.TaskStore, queue easel.Queue, signer Signer, log *slog.Logger) *Tasks {
	if cfg.MaxOps <= 0 {
		cfg.MaxOps = 20
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 1000
	}
	if cfg.CheckCallbackURL == nil {
		cfg.CheckCallbackURL = func(string) error {
			return easel.Errorf(easel.CodeInvalidArgument, "callback_url: this server makes no callbacks")
		}
	}
	return &Tasks{cfg: cfg, meta: meta, tasks: tasks, queue: queue, signer: signer, log: log}
}

// SubmitRequest asks for one task.
type SubmitRequest struct {
	Task Request
	// Wait holds the answer until the task is final or Wait has passed
	// (at most MaxWait); 0 answers at once.
	Wait time.Duration
}

// Submit validates the request, creates the task and publishes it. The
// asset must belong to the tenant, or the source be open to it (checked
// before anything is stored). The view's state tells whether the task
// finished within the wait.
func (s *Tasks) Submit(ctx context.Context, tenantID string, req SubmitRequest) (View, error) {
	spec, err := s.Validate(req.Task)
	if err != nil {
		return View{}, err
	}
	src, err := req.Task.Target()
	if err != nil {
		return View{}, err
	}
	return s.submit(ctx, tenantID, target{assetID: req.Task.AssetID, source: src}, spec, req.Wait)
}

// SubmitSpec is Submit for a request validated already (an upload validates
// its operations before it stores the original).
func (s *Tasks) SubmitSpec(ctx context.Context, tenantID, assetID string, spec Spec, wait time.Duration) (View, error) {
	return s.submit(ctx, tenantID, target{assetID: assetID}, spec, wait)
}

// target is what a task works on: an asset, or a source image.
type target struct {
	assetID string
	source  *easel.TaskSource
}

func (s *Tasks) submit(ctx context.Context, tenantID string, tg target, spec Spec, wait time.Duration) (View, error) {
	if wait < 0 || wait > MaxWait {
		return View{}, easel.Errorf(easel.CodeInvalidArgument, "wait must be a duration up to %s, such as 10s", MaxWait)
	}
	_, tasks, err := s.create(ctx, tenantID, []target{tg}, []Spec{spec}, false)
	if err != nil {
		return View{}, err
	}
	t := tasks[0]
	if wait > 0 && !t.State.Final() {
		if t, err = s.wait(ctx, tenantID, t.ID, wait); err != nil {
			return View{}, err
		}
	}
	return s.View(ctx, t), nil
}

// create stores one task per spec (in a batch when batch is true) and
// publishes them. Every asset must belong to the tenant, every source
// image be open to it.
func (s *Tasks) create(ctx context.Context, tenantID string, targets []target, specs []Spec, batch bool) (*easel.Batch, []easel.Task, error) {
	now := time.Now().UTC()
	var b *easel.Batch
	if batch {
		b = &easel.Batch{ID: easel.NewID(), TenantID: tenantID, Total: len(specs), CreatedAt: now}
	}
	tasks := make([]easel.Task, len(specs))
	regionOf := make(map[string]string) // asset ID → its region
	for i, spec := range specs {
		assetID, src := targets[i].assetID, targets[i].source
		assetRegion, seen := regionOf[assetID]
		if src != nil {
			// A source image has no asset yet: its task runs in the
			// region asked for, or this one.
			if err := s.checkSource(ctx, tenantID, *src); err != nil {
				return nil, nil, prefixItem(batch, i, err)
			}
			assetRegion, seen = "", true
		}
		if !seen {
			a, err := s.meta.GetAsset(ctx, assetID)
			if easel.IsNotFound(err) || err == nil && a.TenantID != tenantID {
				return nil, nil, prefixItem(batch, i, easel.Errorf(easel.CodeNotFound, "asset %q not found", assetID))
			}
			if err != nil {
				return nil, nil, err
			}
			assetRegion, regionOf[assetID] = a.Region, a.Region
		}
		region, err := s.taskRegion(spec.region, assetID, assetRegion)
		if err != nil {
			return nil, nil, prefixItem(batch, i, err)
		}
		id := spec.taskID
		if id == "" {
			id = easel.NewID()
		}
		tasks[i] = easel.Task{
			ID: id, TenantID: tenantID, AssetID: assetID, Source: src, Kind: easel.TaskRender, Ops: spec.ops,
			State: easel.TaskAccepted, CallbackURL: spec.callbackURL, Region: region, CreatedAt: now, UpdatedAt: now,
		}
		if b != nil {
			tasks[i].BatchID = b.ID
		}
	}
	if err := s.tasks.CreateTasks(ctx, b, tasks); err != nil {
		return nil, nil, err
	}
	s.publishAll(ctx, tasks)
	return b, tasks, nil
}

// checkSource refuses a source image the tenant may not have fetched.
func (s *Tasks) checkSource(ctx context.Context, tenantID string, src easel.TaskSource) error {
	if s.cfg.Sources == nil {
		return easel.Errorf(easel.CodeInvalidArgument, "source %q: this server has no sources", src.Name)
	}
	return s.cfg.Sources.Check(ctx, tenantID, src.Name, src.Path)
}

// publishConcurrency bounds the publishes of one batch in flight: each
// waits for the stream's ack, so one at a time a batch of 1,000 took 1,000
// round trips to an external NATS (about 90 tasks/s under load).
const publishConcurrency = 32

// publishAll publishes tasks, up to publishConcurrency at once; the order
// within a batch is not kept.
func (s *Tasks) publishAll(ctx context.Context, tasks []easel.Task) {
	if len(tasks) == 1 {
		s.publish(ctx, &tasks[0])
		return
	}
	sem := make(chan struct{}, publishConcurrency)
	var wg sync.WaitGroup
	for i := range tasks {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s.publish(ctx, &tasks[i])
		}()
	}
	wg.Wait()
}

// SubmitAnalysis queues the analysis of an asset (faces, hashes, colours).
func (s *Tasks) SubmitAnalysis(ctx context.Context, a easel.Asset) (easel.Task, error) {
	return s.submitKind(ctx, a, easel.TaskAnalyze)
}

// SubmitLevels queues the making of an asset's pyramid of levels.
func (s *Tasks) SubmitLevels(ctx context.Context, a easel.Asset) (easel.Task, error) {
	return s.submitKind(ctx, a, easel.TaskLevels)
}

// submitKind queues a task of kind, with no operations, on asset a.
func (s *Tasks) submitKind(ctx context.Context, a easel.Asset, kind string) (easel.Task, error) {
	now := time.Now().UTC()
	region, err := s.taskRegion("", a.ID, a.Region)
	if err != nil {
		return easel.Task{}, err
	}
	t := easel.Task{ID: easel.NewID(), TenantID: a.TenantID, AssetID: a.ID, Kind: kind, Ops: []string{},
		State: easel.TaskAccepted, Region: region, CreatedAt: now, UpdatedAt: now}
	if err := s.tasks.CreateTasks(ctx, nil, []easel.Task{t}); err != nil {
		return t, err
	}
	s.publish(ctx, &t)
	return t, nil
}

// taskRegion is the region a task on an asset runs in: the asset's (or,
// for an asset with none, Config.Region). With one region a task may name
// a region of its own (it is only a subject token then); with regions it
// may only name its asset's.
func (s *Tasks) taskRegion(asked, assetID, assetRegion string) (string, error) {
	region := assetRegion
	if region == "" {
		region = s.cfg.Region
	}
	if asked == "" || asked == region {
		return region, nil
	}
	if len(s.cfg.Regions) == 0 {
		return asked, nil
	}
	if assetRegion != "" {
		return "", easel.Errorf(easel.CodeInvalidArgument, "region %q: asset %s is in region %q, where its tasks run", asked, assetID, assetRegion)
	}
	for _, r := range s.cfg.Regions {
		if r == asked {
			return asked, nil
		}
	}
	return "", easel.Errorf(easel.CodeInvalidArgument, "region %q is not one of the configured regions", asked)
}

func prefixItem(batch bool, i int, err error) error {
	if !batch {
		return err
	}
	return easel.Errorf(easel.ErrorCode(err), "items[%d]: %s", i, easel.ErrorMessage(err))
}

// Get returns the view of the tenant's task.
func (s *Tasks) Get(ctx context.Context, tenantID, id string) (View, error) {
	t, err := s.get(ctx, tenantID, id)
	if err != nil {
		return View{}, err
	}
	return s.View(ctx, t), nil
}

func (s *Tasks) get(ctx context.Context, tenantID, id string) (easel.Task, error) {
	t, err := s.tasks.GetTask(ctx, id)
	if easel.IsNotFound(err) || err == nil && t.TenantID != tenantID {
		return easel.Task{}, easel.Errorf(easel.CodeNotFound, "task %q not found", id)
	}
	return t, err
}

// Retry puts a dead task back on the queue as a new generation, with its
// attempts counted afresh.
func (s *Tasks) Retry(ctx context.Context, tenantID, id string) (View, error) {
	t, err := s.get(ctx, tenantID, id)
	if err != nil {
		return View{}, err
	}
	if t.State != easel.TaskDead {
		return View{}, easel.Errorf(easel.CodeInvalidArgument, "task %s is %s; only a dead task can be retried", id, t.State)
	}
	t.State, t.Attempts, t.Error, t.FinishedAt = easel.TaskAccepted, 0, nil, nil
	t.Generation++
	t.UpdatedAt = time.Now().UTC()
	ok, err := s.tasks.UpdateTask(ctx, t, easel.TaskDead)
	if err != nil {
		return View{}, err
	}
	if !ok {
		return View{}, easel.Errorf(easel.CodeInvalidArgument, "task %s changed meanwhile; try again", id)
	}
	s.publish(ctx, &t)
	return s.View(ctx, t), nil
}

// wait returns the task once it is final or when d has passed, whichever
// comes first; the caller tells which by the task's state.
func (s *Tasks) wait(ctx context.Context, tenantID, id string, d time.Duration) (easel.Task, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	events, unsubscribe, err := s.queue.SubscribeEvents(ctx, tenantID, id)
	if err != nil {
		s.log.Debug("wait without events; polling", "task", id, "err", err)
		events = nil
	} else {
		defer unsubscribe()
	}
	poll := time.NewTicker(time.Second) // events may be lost on a reconnect
	defer poll.Stop()
	for {
		t, err := s.get(context.WithoutCancel(ctx), tenantID, id)
		if err != nil || t.State.Final() {
			return t, err
		}
		select {
		case <-ctx.Done():
			return t, nil
		case <-events:
		case <-poll.C:
		}
	}
}
