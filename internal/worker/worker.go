package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/telemetry"
)

// Processor is the step that varies: it turns a task's original into
// outputs. Implementations must be safe for concurrent use.
type Processor interface {
	// Process returns one result per task operation, in order. Its errors
	// carry easel codes: bad input codes make the task fail at once.
	Process(ctx context.Context, t easel.Task, a easel.Asset, original []byte) ([]Result, error)
}

// Result is a processed output, before it is stored.
type Result struct {
	Ops    string // canonical operations
	Key    string // blob key; derived from the task's asset and operations
	Data   []byte
	Format string
	Width  int
	Height int
	// Stored says the processor has already stored the output at Key
	// (a flow's journal does): the worker records it without writing it
	// again, with Bytes as its size.
	Stored bool
	Bytes  int64
}

// Loader reads an asset's original bytes.
type Loader interface {
	LoadOriginal(ctx context.Context, a easel.Asset) ([]byte, error)
}

// Importer makes the source image of a task an asset of its tenant
// (internal/imports.Importer is the real one): it fetches the image through
// the sources' safe fetcher and cache, checking the tenant and the path
// again, and returns the asset, an existing one when the same image at the
// same path was imported before.
type Importer interface {
	Import(ctx context.Context, tenantID string, src easel.TaskSource) (easel.Asset, error)
}

// AttemptObserver is an Observer that also wants each ended attempt's
// whole task (tenant, operations, the error's stage and code), for the
// per-effect series of internal/observe.
type AttemptObserver interface {
	AttemptEnded(t easel.Task)
}

// Observer is told how tasks end, for metrics. Its methods must be cheap
// and safe for concurrent use.
type Observer interface {
	// TaskEnded is called when an attempt ends: state is succeeded,
	// retrying or dead.
	TaskEnded(kind string, state easel.TaskState, timings easel.Timings)
}

// Queue is what the worker needs of the queue (easel.Queue is one).
type Queue interface {
	// ConsumeTasks is easel.Queue's: handle runs at most opts.Concurrency
	// messages at once until ctx is done, then the running ones finish.
	ConsumeTasks(ctx context.Context, opts easel.ConsumeOptions, handle func(context.Context, easel.TaskMessage, easel.Delivery)) error
	PublishCallback(ctx context.Context, m easel.CallbackMessage) error
}

// TaskStore is what the worker needs of the task store (easel.TaskStore is one).
type TaskStore interface {
	GetTask(ctx context.Context, id string) (easel.Task, error)
	// UpdateTask is the compare-and-set of easel.TaskStore.
	UpdateTask(ctx context.Context, t easel.Task, from ...easel.TaskState) (bool, error)
	AddDeadLetter(ctx context.Context, d easel.DeadLetter) error
}

// AssetStore finds a task's asset (easel.MetaStore is one).
type AssetStore interface {
	GetAsset(ctx context.Context, id string) (easel.Asset, error)
}

// OutputStore stores outputs (easel.BlobStore is one).
type OutputStore interface {
	Put(ctx context.Context, key string, r io.Reader) error
}

// Deps are the parts a Worker works with.
type Deps struct {
	Queue      Queue
	Tasks      TaskStore
	Assets     AssetStore
	Blobs      OutputStore
	Loader     Loader
	Importer   Importer             // nil: tasks on source images fail
	Processors map[string]Processor // by task kind
	Observer   Observer             // nil: none
	Log        *slog.Logger
}

// Config configures a Worker.
type Config struct {
	Concurrency  int
	Prefetch     int
	AckWait      time.Duration   // the queue's; heartbeats go out every AckWait/3
	MaxDeliver   int             // the queue's; the last attempt makes the task dead
	Backoff      []time.Duration // delays before attempt 2, 3, ...; the last repeats
	TaskTimeout  time.Duration
	DrainTimeout time.Duration
}

// Worker consumes tasks.
type Worker struct {
	cfg        Config
	queue      Queue
	meta       AssetStore
	tasks      TaskStore
	blobs      OutputStore
	loader     Loader
	importer   Importer
	processors map[string]Processor // by task kind
	log        *slog.Logger
	obs        Observer

	// hctx is the handlers' context, cancelled when draining runs out of time.
	hctx    context.Context
	hcancel context.CancelFunc
}

// New returns a Worker running each task kind with its processor.
func New(cfg Config, deps Deps) *Worker {
	hctx, hcancel := context.WithCancel(context.Background())
	obs := deps.Observer
	if obs == nil {
		obs = nopObserver{}
	}
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Worker{cfg: cfg, queue: deps.Queue, meta: deps.Assets, tasks: deps.Tasks, blobs: deps.Blobs, loader: deps.Loader, importer: deps.Importer,
		processors: deps.Processors, obs: obs, log: log, hctx: hctx, hcancel: hcancel}
}

type nopObserver struct{}

func (nopObserver) TaskEnded(string, easel.TaskState, easel.Timings) {}

// Run consumes tasks until ctx is done, then stops fetching and gives the
// running tasks DrainTimeout to finish; past it they are cancelled and their
// messages returned to the queue for another worker.
func (w *Worker) Run(ctx context.Context) error {
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
		case <-done:
			return
		}
		select {
		case <-time.After(w.cfg.DrainTimeout):
			w.log.Warn("drain timeout: returning running tasks to the queue")
			w.hcancel()
		case <-done:
		}
	}()
	opts := easel.ConsumeOptions{Concurrency: w.cfg.Concurrency, Prefetch: w.cfg.Prefetch}
	err := w.queue.ConsumeTasks(ctx, opts, func(mctx context.Context, m easel.TaskMessage, d easel.Delivery) {
		w.handle(mctx, m, d)
	})
	w.hcancel()
	return err
}

// stage names, as reported in TaskError.Stage.
const (
	stageDownload = "download"
	stageProcess  = "process"
	stageStore    = "store"
)

// handle is the template method. mctx carries the queue's span of the
// delivery (when tracing), which parents the task's spans.
func (w *Worker) handle(mctx context.Context, m easel.TaskMessage, d easel.Delivery) {
	received := time.Now()
	ctx, cancel := context.WithTimeout(trace.ContextWithSpan(w.hctx, trace.SpanFromContext(mctx)), w.cfg.TaskTimeout)
	defer cancel()
	ctx, span := telemetry.Start(ctx, "task "+m.Kind, trace.WithAttributes(attribute.String("easel.task.id", m.TaskID),
		attribute.String("easel.tenant.id", m.TenantID), attribute.Int("easel.task.attempt", d.Attempt())))
	defer span.End()
	bg := context.WithoutCancel(ctx) // for bookkeeping that must happen even when ctx ends

	rctx, receive := telemetry.Start(ctx, "task.receive")
	defer receive.End()
	t, err := w.tasks.GetTask(rctx, m.TaskID)
	if easel.IsNotFound(err) {
		w.log.Warn("task message for a missing task; dropped", "task", m.TaskID)
		_ = d.Term(bg)
		return
	}
	if err != nil {
		w.log.Warn("task not loaded; retrying", "task", m.TaskID, "err", err)
		_ = d.Nak(bg, w.backoff(d.Attempt()))
		return
	}
	if t.State.Final() || t.MessageID() != m.MessageID && m.MessageID != "" {
		_ = d.Ack(bg) // a duplicate, or a message of an earlier generation
		return
	}

	// receive
	now := time.Now().UTC()
	t.Timings = easel.Timings{QueueWait: easel.Millis(received.Sub(t.UpdatedAt))}
	if t.Timings.QueueWait < 0 {
		t.Timings.QueueWait = 0
	}
	t.State, t.Attempts, t.StartedAt, t.UpdatedAt, t.Error = easel.TaskRunning, t.Attempts+1, &now, now, nil
	ok, err := w.tasks.UpdateTask(context.WithoutCancel(rctx), t, easel.TaskAccepted, easel.TaskQueued, easel.TaskRetrying, easel.TaskRunning)
	if err != nil || !ok {
		w.log.WarnContext(ctx, "task not marked running; retrying", "task", t.ID, "err", err)
		_ = d.Nak(bg, w.backoff(d.Attempt()))
		return
	}
	receive.End()

	stopBeat := w.heartbeat(ctx, d)
	results, stage, err := w.run(ctx, &t)
	stopBeat()
	if err != nil {
		telemetry.Fail(span, err)
		span.SetAttributes(attribute.String("easel.task.stage", stage))
		w.fail(bg, ctx, t, d, stage, err)
		return
	}

	// record
	t.Outputs = results
	done := time.Now().UTC()
	t.State, t.UpdatedAt, t.FinishedAt, t.Error = easel.TaskSucceeded, done, &done, nil
	ok, err = w.tasks.UpdateTask(bg, t, easel.TaskRunning)
	if err != nil {
		w.log.WarnContext(ctx, "result not recorded; retrying", "task", t.ID, "err", err)
		_ = d.Nak(bg, w.backoff(d.Attempt()))
		return
	}
	if ok { // exactly once: only the update that moved running → succeeded announces it
		w.callback(bg, t, easel.EventSucceeded)
		w.ended(t)
	}
	_ = d.Ack(bg)
}

// run executes download, process and store, timing each. A task on a
// source image not imported yet is imported first (part of download); its
// AssetID is then set, and recorded with the task's next update. With
// tracing, each stage is a span: task.download, task.process, task.store.
func (w *Worker) run(ctx context.Context, t *easel.Task) (_ []easel.TaskOutput, stage string, err error) {
	var span trace.Span
	defer func() { telemetry.Fail(span, err); span.End() }() // the stage that failed
	start := time.Now()
	sctx, span := telemetry.Start(ctx, "task.download")
	var a easel.Asset
	if t.AssetID == "" && t.Source != nil {
		if w.importer == nil {
			return nil, stageDownload, easel.Errorf(easel.CodeInvalidArgument, "source %q: this worker reads no sources", t.Source.Name)
		}
		if a, err = w.importer.Import(sctx, t.TenantID, *t.Source); err != nil {
			return nil, stageDownload, err
		}
		t.AssetID = a.ID
	} else if a, err = w.meta.GetAsset(sctx, t.AssetID); err != nil {
		return nil, stageDownload, err
	}
	original, err := w.loader.LoadOriginal(sctx, a)
	if err != nil {
		// The asset exists but its bytes do not come: a storage fault that
		// may heal, so retried rather than permanent.
		return nil, stageDownload, easel.WrapError(easel.CodeInternal, err, "the original could not be read from storage")
	}
	span.SetAttributes(attribute.Int("easel.original.bytes", len(original)))
	span.End()
	t.Timings.Download = easel.Millis(time.Since(start))

	start = time.Now()
	sctx, span = telemetry.Start(ctx, "task.process", trace.WithAttributes(attribute.String("easel.processor", t.Kind)))
	p, ok := w.processors[t.Kind]
	if !ok {
		return nil, stageProcess, easel.Errorf(easel.CodeInvalidArgument, "no processor for task kind %q", t.Kind)
	}
	results, err := p.Process(sctx, *t, a, original)
	if err != nil {
		return nil, processStage(err), err
	}
	span.End()
	t.Timings.Process = easel.Millis(time.Since(start))

	start = time.Now()
	sctx, span = telemetry.Start(ctx, "task.store", trace.WithAttributes(attribute.Int("easel.outputs", len(results))))
	outputs := make([]easel.TaskOutput, len(results))
	for i, r := range results {
		size := r.Bytes
		if !r.Stored {
			if err := w.blobs.Put(sctx, r.Key, bytes.NewReader(r.Data)); err != nil {
				return nil, stageStore, fmt.Errorf("store output %d: %w", i, err)
			}
			size = int64(len(r.Data))
		}
		outputs[i] = easel.TaskOutput{Ops: r.Ops, Key: r.Key, Format: r.Format, Width: r.Width, Height: r.Height, Bytes: size}
	}
	t.Timings.Store = easel.Millis(time.Since(start))
	if err := ctx.Err(); err != nil {
		return nil, stageStore, err
	}
	return outputs, "", nil
}

// fail records a failed attempt: retrying with a delay, or dead.
func (w *Worker) fail(bg, ctx context.Context, t easel.Task, d easel.Delivery, stage string, err error) {
	if w.hctx.Err() != nil {
		// Draining ran out of time: not the task's fault. Give it back.
		w.log.Info("task returned to the queue on shutdown", "task", t.ID)
		_ = d.Nak(bg, 0)
		return
	}
	code := easel.ErrorCode(err)
	msg := easel.ErrorMessage(err)
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
		code, msg = easel.CodeDeadlineExceeded, fmt.Sprintf("the attempt took longer than %s", w.cfg.TaskTimeout)
	}
	if code == easel.CodeInternal && msg == "internal error" {
		msg = stage + " failed"
	}
	t.Error = &easel.TaskError{Stage: stage, Code: code, Message: msg}
	now := time.Now().UTC()
	t.UpdatedAt = now
	permanent := isPermanent(code)
	if permanent || d.Attempt() >= w.cfg.MaxDeliver {
		t.State, t.FinishedAt = easel.TaskDead, &now
		ok, uerr := w.tasks.UpdateTask(bg, t, easel.TaskRunning)
		if uerr != nil {
			w.log.Warn("dead task not recorded; retrying", "task", t.ID, "err", uerr)
			_ = d.Nak(bg, w.backoff(d.Attempt()))
			return
		}
		if ok {
			if err := w.tasks.AddDeadLetter(bg, easel.DeadLetter{TaskID: t.ID, TenantID: t.TenantID, Attempts: t.Attempts, Error: *t.Error, At: now}); err != nil {
				w.log.Warn("dead letter not recorded", "task", t.ID, "err", err)
			}
			w.callback(bg, t, easel.EventDead)
			w.ended(t)
		}
		w.log.InfoContext(ctx, "task dead", "task", t.ID, "stage", stage, "code", code, "attempts", t.Attempts, "permanent", permanent, "err", err)
		_ = d.Term(bg)
		return
	}
	t.State = easel.TaskRetrying
	if _, uerr := w.tasks.UpdateTask(bg, t, easel.TaskRunning); uerr != nil {
		w.log.Warn("retry not recorded", "task", t.ID, "err", uerr)
	}
	w.ended(t)
	delay := w.backoff(d.Attempt())
	w.log.InfoContext(ctx, "task attempt failed; retrying", "task", t.ID, "stage", stage, "code", code, "attempt", d.Attempt(), "delay", delay, "err", err)
	_ = d.Nak(bg, delay)
}

// ended tells the observer that an attempt of t ended in t.State.
func (w *Worker) ended(t easel.Task) {
	w.obs.TaskEnded(t.Kind, t.State, t.Timings)
	if ao, ok := w.obs.(AttemptObserver); ok {
		ao.AttemptEnded(t)
	}
}

// isPermanent reports whether retrying cannot help: the input itself is bad,
// or the asset is gone.
func isPermanent(code easel.Code) bool {
	switch code {
	case easel.CodeInvalidArgument, easel.CodeUnsupportedMedia, easel.CodeTooLarge, easel.CodePermissionDenied:
		return true
	case easel.CodeNotFound:
		return true // the asset was deleted
	}
	return false
}

// backoff is the delay before the next attempt after attempt n failed.
func (w *Worker) backoff(n int) time.Duration {
	if len(w.cfg.Backoff) == 0 {
		return time.Second
	}
	if n < 1 {
		n = 1
	}
	if n > len(w.cfg.Backoff) {
		n = len(w.cfg.Backoff)
	}
	return w.cfg.Backoff[n-1]
}

// heartbeat sends InProgress every AckWait/3 until stopped.
func (w *Worker) heartbeat(ctx context.Context, d easel.Delivery) (stop func()) {
	every := w.cfg.AckWait / 3
	if every <= 0 {
		every = 10 * time.Second
	}
	hctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-tick.C:
				if err := d.InProgress(hctx); err != nil && hctx.Err() == nil {
					w.log.Debug("heartbeat failed", "err", err)
				}
			}
		}
	}()
	return func() { cancel(); wg.Wait() }
}

func (w *Worker) callback(ctx context.Context, t easel.Task, typ easel.EventType) {
	if t.CallbackURL == "" {
		return
	}
	ctx, span := telemetry.Start(ctx, "task.callback", trace.WithAttributes(attribute.String("easel.event", string(typ))))
	defer span.End()
	if err := w.queue.PublishCallback(ctx, easel.CallbackMessage{TaskID: t.ID, TenantID: t.TenantID, Event: typ}); err != nil {
		telemetry.Fail(span, err)
		w.log.WarnContext(ctx, "callback not enqueued", "task", t.ID, "err", err)
	}
}
