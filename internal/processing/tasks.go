package processing

import (
	"context"
	"log/slog"
	"regexp"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/webhook"
	"github.com/easelhq/easel/transform"
)

// TasksConfig configures task submission.
type TasksConfig struct {
	Presets        map[string]transform.Options
	MaxOps         int // outputs per task
	MaxBatch       int // items per batch
	AllowPrivate   bool
	AllowLoopback  bool
	OutboxInterval time.Duration
	OutboxMinAge   time.Duration
}

// TaskRequest asks for operations on one asset.
type TaskRequest struct {
	AssetID     string   `json:"asset_id"`
	Ops         []string `json:"ops"`
	CallbackURL string   `json:"callback_url,omitempty"`
	// Region routes the task: it is published on easel.tasks.<region>.<kind>.
	Region string `json:"region,omitempty"`
}

var regionPattern = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// Tasks submits tasks and answers about them. A task is committed in state
// accepted before it is published (the outbox): when the queue is down the
// submission still succeeds, and RunOutbox publishes it later.
type Tasks struct {
	cfg   TasksConfig
	meta  easel.MetaStore
	tasks easel.TaskStore
	queue easel.Queue
	log   *slog.Logger
}

// NewTasks returns a Tasks service.
func NewTasks(cfg TasksConfig, meta easel.MetaStore, tasks easel.TaskStore, queue easel.Queue, log *slog.Logger) *Tasks {
	if cfg.MaxOps <= 0 {
		cfg.MaxOps = 20
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 1000
	}
	return &Tasks{cfg: cfg, meta: meta, tasks: tasks, queue: queue, log: log}
}

// Validate checks a request before anything is stored and returns its
// operations in canonical form. It does not look the asset up.
func (s *Tasks) Validate(req TaskRequest) ([]string, error) {
	if len(req.Ops) == 0 {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "ops: at least one operations string is needed")
	}
	if len(req.Ops) > s.cfg.MaxOps {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "ops: at most %d outputs per task", s.cfg.MaxOps)
	}
	canonical := make([]string, len(req.Ops))
	for i, ops := range req.Ops {
		o, err := transform.Parse(ops)
		if err != nil {
			return nil, err
		}
		if o, err = transform.Expand(o, s.cfg.Presets); err != nil {
			return nil, err
		}
		switch {
		case o.Original:
			return nil, easel.Errorf(easel.CodeInvalidArgument, "ops %q: the original needs no task", ops)
		case o.Format == transform.FormatAuto:
			return nil, easel.Errorf(easel.CodeInvalidArgument, "ops %q: f_auto needs a request's Accept header; name a format", ops)
		}
		canonical[i] = o.String()
	}
	if req.Region != "" && !regionPattern.MatchString(req.Region) {
		return nil, easel.Errorf(easel.CodeInvalidArgument, "region %q: want 1..32 of a-z, 0-9 and -", req.Region)
	}
	if req.CallbackURL != "" {
		if err := webhook.CheckURL(req.CallbackURL, s.cfg.AllowPrivate, s.cfg.AllowLoopback); err != nil {
			return nil, err
		}
	}
	return canonical, nil
}

// Submit creates one task per request, in a batch when batch is true, and
// publishes them. Every asset must belong to the tenant.
func (s *Tasks) Submit(ctx context.Context, tenantID string, reqs []TaskRequest, batch bool) (*easel.Batch, []easel.Task, error) {
	if len(reqs) == 0 {
		return nil, nil, easel.Errorf(easel.CodeInvalidArgument, "items: nothing to do")
	}
	if len(reqs) > s.cfg.MaxBatch {
		return nil, nil, easel.Errorf(easel.CodeInvalidArgument, "items: at most %d per batch", s.cfg.MaxBatch)
	}
	now := time.Now().UTC()
	var b *easel.Batch
	if batch {
		b = &easel.Batch{ID: easel.NewID(), TenantID: tenantID, Total: len(reqs), CreatedAt: now}
	}
	tasks := make([]easel.Task, len(reqs))
	seen := make(map[string]bool)
	for i, req := range reqs {
		ops, err := s.Validate(req)
		if err != nil {
			return nil, nil, prefixItem(batch, i, err)
		}
		if !seen[req.AssetID] {
			a, err := s.meta.GetAsset(ctx, req.AssetID)
			if easel.IsNotFound(err) || err == nil && a.TenantID != tenantID {
				return nil, nil, prefixItem(batch, i, easel.Errorf(easel.CodeNotFound, "asset %q not found", req.AssetID))
			}
			if err != nil {
				return nil, nil, err
			}
			seen[req.AssetID] = true
		}
		tasks[i] = easel.Task{
			ID: easel.NewID(), TenantID: tenantID, AssetID: req.AssetID, Kind: easel.TaskRender, Ops: ops,
			State: easel.TaskAccepted, CallbackURL: req.CallbackURL, Region: req.Region, CreatedAt: now, UpdatedAt: now,
		}
		if b != nil {
			tasks[i].BatchID = b.ID
		}
	}
	if err := s.tasks.CreateTasks(ctx, b, tasks); err != nil {
		return nil, nil, err
	}
	for i := range tasks {
		s.publish(ctx, &tasks[i])
	}
	return b, tasks, nil
}

// SubmitAnalysis queues the analysis of an asset (faces, hashes, colours).
func (s *Tasks) SubmitAnalysis(ctx context.Context, a easel.Asset) (easel.Task, error) {
	now := time.Now().UTC()
	t := easel.Task{ID: easel.NewID(), TenantID: a.TenantID, AssetID: a.ID, Kind: easel.TaskAnalyze, Ops: []string{},
		State: easel.TaskAccepted, CreatedAt: now, UpdatedAt: now}
	if err := s.tasks.CreateTasks(ctx, nil, []easel.Task{t}); err != nil {
		return t, err
	}
	s.publish(ctx, &t)
	return t, nil
}

func prefixItem(batch bool, i int, err error) error {
	if !batch {
		return err
	}
	return easel.Errorf(easel.ErrorCode(err), "items[%d]: %s", i, easel.ErrorMessage(err))
}

// publish puts an accepted task on the queue and marks it queued. A failure
// leaves it accepted for the outbox relay.
func (s *Tasks) publish(ctx context.Context, t *easel.Task) {
	msg := easel.TaskMessage{TaskID: t.ID, TenantID: t.TenantID, Kind: t.Kind, Region: t.Region, MessageID: t.MessageID()}
	if err := s.queue.PublishTask(ctx, msg); err != nil {
		s.log.Warn("task not published; the outbox relay will retry", "task", t.ID, "err", err)
		return
	}
	queued := *t
	queued.State, queued.UpdatedAt = easel.TaskQueued, time.Now().UTC()
	ok, err := s.tasks.UpdateTask(ctx, queued, easel.TaskAccepted)
	if err != nil {
		s.log.Warn("task published but not marked queued", "task", t.ID, "err", err)
		return
	}
	if ok {
		*t = queued // the store recorded the queued event with the update (the event outbox)
	}
}

// Get returns the tenant's task.
func (s *Tasks) Get(ctx context.Context, tenantID, id string) (easel.Task, error) {
	t, err := s.tasks.GetTask(ctx, id)
	if easel.IsNotFound(err) || err == nil && t.TenantID != tenantID {
		return easel.Task{}, easel.Errorf(easel.CodeNotFound, "task %q not found", id)
	}
	return t, err
}

// Callbacks returns the delivery log of a task's callback.
func (s *Tasks) Callbacks(ctx context.Context, taskID string) ([]easel.CallbackDelivery, error) {
	return s.tasks.ListCallbackDeliveries(ctx, taskID)
}

// Retry puts a dead task back on the queue as a new generation, with its
// attempts counted afresh.
func (s *Tasks) Retry(ctx context.Context, tenantID, id string) (easel.Task, error) {
	t, err := s.Get(ctx, tenantID, id)
	if err != nil {
		return t, err
	}
	if t.State != easel.TaskDead {
		return t, easel.Errorf(easel.CodeInvalidArgument, "task %s is %s; only a dead task can be retried", id, t.State)
	}
	t.State, t.Attempts, t.Error, t.FinishedAt = easel.TaskAccepted, 0, nil, nil
	t.Generation++
	t.UpdatedAt = time.Now().UTC()
	ok, err := s.tasks.UpdateTask(ctx, t, easel.TaskDead)
	if err != nil {
		return t, err
	}
	if !ok {
		return t, easel.Errorf(easel.CodeInvalidArgument, "task %s changed meanwhile; try again", id)
	}
	s.publish(ctx, &t)
	return t, nil
}

// Wait returns the task once it is final or when d has passed, whichever
// comes first; the caller tells which by the task's state.
func (s *Tasks) Wait(ctx context.Context, tenantID, id string, d time.Duration) (easel.Task, error) {
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
		t, err := s.Get(context.WithoutCancel(ctx), tenantID, id)
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

// Batch returns a batch of the tenant with its task counts by state.
func (s *Tasks) Batch(ctx context.Context, tenantID, id string) (easel.Batch, map[easel.TaskState]int, error) {
	b, err := s.tasks.GetBatch(ctx, id)
	if easel.IsNotFound(err) || err == nil && b.TenantID != tenantID {
		return easel.Batch{}, nil, easel.Errorf(easel.CodeNotFound, "batch %q not found", id)
	}
	if err != nil {
		return b, nil, err
	}
	counts, err := s.tasks.BatchCounts(ctx, id)
	return b, counts, err
}

// RunOutbox republishes tasks left in accepted (the queue was down when they
// were submitted) every OutboxInterval until ctx is done.
func (s *Tasks) RunOutbox(ctx context.Context) {
	tick := time.NewTicker(s.cfg.OutboxInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for {
			pending, err := s.tasks.ListTasks(ctx, easel.TaskAccepted, time.Now().Add(-s.cfg.OutboxMinAge), 500)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("outbox: listing accepted tasks failed", "err", err)
				}
				break
			}
			published := 0
			for i := range pending {
				s.publish(ctx, &pending[i])
				if pending[i].State == easel.TaskQueued {
					published++
				}
			}
			if published > 0 {
				s.log.Info("outbox: republished accepted tasks", "tasks", published)
			}
			if len(pending) < 500 || published == 0 {
				break
			}
		}
	}
}
