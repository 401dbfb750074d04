// Package app is easel's composition root: it picks the backends from the
// configuration in one place and wires the services together.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/assets"
	"github.com/easelhq/easel/internal/config"
	"github.com/easelhq/easel/internal/delivery"
	"github.com/easelhq/easel/internal/engine/vips"
	"github.com/easelhq/easel/internal/flow"
	"github.com/easelhq/easel/internal/flows"
	"github.com/easelhq/easel/internal/httpapi"
	"github.com/easelhq/easel/internal/imports"
	"github.com/easelhq/easel/internal/keys"
	"github.com/easelhq/easel/internal/meta/postgres"
	"github.com/easelhq/easel/internal/meta/sqlite"
	"github.com/easelhq/easel/internal/observe"
	"github.com/easelhq/easel/internal/purge"
	natsq "github.com/easelhq/easel/internal/queue/nats"
	"github.com/easelhq/easel/internal/queue/relay"
	"github.com/easelhq/easel/internal/quota"
	"github.com/easelhq/easel/internal/render"
	"github.com/easelhq/easel/internal/retention"

	"github.com/easelhq/easel/internal/reports"
	"github.com/easelhq/easel/internal/requests"
	"github.com/easelhq/easel/internal/tasks"
	"github.com/easelhq/easel/internal/telemetry/tracing"
	"github.com/easelhq/easel/internal/tus"
	"github.com/easelhq/easel/internal/upload"
	"github.com/easelhq/easel/internal/video"
	"github.com/easelhq/easel/internal/vision"
	"github.com/easelhq/easel/internal/webhook"
	"github.com/easelhq/easel/internal/worker"
	"github.com/easelhq/easel/transform"
)

// Role is what a process runs.
type Role int

// Roles.
const (
	RoleAll    Role = iota // serve: the HTTP API and workers in one process
	RoleAPI                // api: the HTTP API and the outbox relay
	RoleWorker             // worker: task workers and callback delivery
)

func (r Role) String() string { return [...]string{"serve", "api", "worker"}[r] }

// Store is the metadata store with its task and analysis parts.
type Store interface {
	easel.MetaStore
	easel.TaskStore
	easel.AnalysisStore
	easel.LevelStore
	easel.EventOutbox
	easel.IdempotentAssetStore
	easel.QuotaStore
	easel.RetentionStore

	easel.SourceAssetStore

	easel.ReportStore
	easel.ProgressStore
}

// App is a running easel: stores, engine, queue, services and the HTTP handler.
type App struct {
	Config   config.Config
	Role     Role
	Log      *slog.Logger
	Meta     Store
	Blobs    easel.BlobStore
	Queue    easel.Queue
	Tasks    *tasks.Tasks
	Batches  *tasks.Batches
	Worker   *worker.Worker
	Webhooks *webhook.Dispatcher
	// Events relays the task events the store commits to the events stream.
	Events *relay.Relay
	// FaceDetector describes the face detector in use: "blazeface", or
	// "pigo (why BlazeFace is not)".
	FaceDetector string
	Keys         *keys.Keys
	// UploadTokens issues upload tokens (POST /v1/upload-tokens).
	UploadTokens *keys.UploadTokens
	Renderer     *render.Renderer
	Uploads      *upload.Uploads
	Assets       *assets.Assets
	Delivery     *delivery.Delivery
	// Resumable serves tus uploads on /v1/uploads; a finished one goes
	// through Uploads.Upload.
	Resumable *tus.Handler
	// Flows runs flows and explains rules; Live holds the processors,
	// flows and rules loaded from processors.dir, flows.dir and rules.file.
	Flows *flows.Flows
	Live  *flow.Live
	// Quotas checks and counts what tenants do; Janitor deletes what
	// their retention says expired (in serve and worker, one node at a
	// time).
	Quotas  *quota.Quotas
	Janitor *retention.Janitor
	Handler http.Handler
	// Ops serves /healthz, /readyz and /metrics alone, for workers.
	Ops http.Handler

	// Telemetry is the tracer provider (off unless telemetry.otlp_endpoint
	// is set); Close flushes it.
	Telemetry *tracing.Provider

	// Reports is the client report channel (POST /v1/reports, GET
	// /v1/stats); Effects the per-effect series on /metrics.
	Reports *reports.Reports
	Effects *observe.Metrics
	// ServerFigures stores the server's own stage times per minute for
	// /v1/stats?source=server.
	ServerFigures *reports.Recorder

	engine *vips.Engine
	flow   *flowParts
	blobs  *openedBlobs
}

// OpenMeta opens the metadata store that meta.backend names, applying the
// migrations it lacks: this is the one switch over metadata backends. An
// unreachable PostgreSQL is an error naming meta.postgres.url.
func OpenMeta(ctx context.Context, cfg config.Config) (Store, error) {
	switch cfg.Meta.Backend {
	case "postgres":
		p := cfg.Meta.Postgres
		return postgres.Open(ctx, postgres.Config{URL: p.URL, MaxConns: int32(min(p.MaxConns, 1<<20)),
			ConnectTimeout: p.ConnectTimeout, QueryTimeout: p.QueryTimeout})
	case "sqlite", "":
		if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
			return nil, fmt.Errorf("data dir: %w", err)
		}
		return sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(cfg.Data, "easel.db"), BusyTimeout: 5 * time.Second})
	default:
		return nil, fmt.Errorf("config: meta.backend %q: want sqlite or postgres", cfg.Meta.Backend)
	}
}

// OpenQueue opens the queue: external when queue.url is set, else an
// embedded NATS server with its store under the data directory.
func OpenQueue(ctx context.Context, cfg config.Config, log *slog.Logger) (easel.Queue, error) {
	return openQueue(ctx, cfg, log, nil)
}

// openQueue is OpenQueue tracing publishes and deliveries with tp (nil: none).
func openQueue(ctx context.Context, cfg config.Config, log *slog.Logger, tp trace.TracerProvider) (easel.Queue, error) {
	qc := natsq.NewDefaultConfig()
	qc.TracerProvider = tp
	qc.URL = cfg.Queue.URL
	qc.EmbeddedDir = filepath.Join(cfg.Data, "nats")
	qc.EmbeddedPort = cfg.Queue.EmbeddedPort
	qc.Prefix = cfg.Queue.Prefix
	qc.Replicas = cfg.Queue.Replicas
	qc.AckWait = cfg.Queue.AckWait
	qc.MaxDeliver = cfg.Queue.MaxDeliver
	qc.CallbackAckWait = cfg.Callbacks.Timeout + 20*time.Second
	qc.CallbackMaxDeliver = len(cfg.Callbacks.Schedule) + 1
	qc.Regions = cfg.WorkerRegions()
	q, err := natsq.Open(ctx, qc, log)
	if err != nil {
		return nil, fmt.Errorf("queue: %w", err)
	}
	return q, nil
}

// NewKeys returns the keys service over meta, with the webhook secrets of
// internal/webhook and the refresh interval of the configuration.
func NewKeys(cfg config.Config, meta easel.MetaStore) *keys.Keys {
	return keys.New(meta, keys.Config{
		Refresh:             cfg.Keys.Refresh,
		NewWebhookSecret:    webhook.NewSecret,
		FormatWebhookSecret: webhook.FormatSecret,
	})
}

// New builds an App for a role. Close releases it.
func New(ctx context.Context, cfg config.Config, role Role, log *slog.Logger, opts ...Option) (_ *App, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	tel, log, err := newTelemetry(ctx, cfg, o, log)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = tel.Shutdown(context.Background())
		}
	}()
	if role != RoleAll && cfg.Queue.URL == "" {
		return nil, fmt.Errorf("config: %s needs an external NATS: set queue.url (EASEL_QUEUE_URL)", role)
	}
	presets, err := transform.ParsePresets(cfg.Delivery.Presets)
	if err != nil {
		return nil, fmt.Errorf("config: delivery.presets: %w", err)
	}
	engineCfg := vips.NewDefaultConfig()
	engineCfg.MaxPixels = cfg.Limits.MaxPixels
	engineCfg.MaxPages = cfg.Limits.MaxPages
	engineCfg.MaxAnimationPixels = cfg.Limits.MaxAnimationPixels
	engine, err := vips.New(engineCfg)
	if err != nil {
		return nil, fmt.Errorf("libvips: %w", err)
	}
	meta, err := OpenMeta(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ob, err := openBlobs(ctx, cfg, log)
	if err != nil {
		meta.Close()
		return nil, err
	}
	// Every variant put (by delivery or a worker) is recorded, for the
	// stored-bytes quota and variant retention.
	blobs := quota.RecordVariants(ob.Store, meta, log)
	q, err := openQueue(ctx, cfg, log, tel.TracerProvider())
	if err != nil {
		_ = ob.Close()
		meta.Close()
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(cfg.Data, "tmp"), 0o750); err != nil {
		_ = q.Close()
		meta.Close()
		return nil, fmt.Errorf("data dir: %w", err)
	}
	a := &App{Config: cfg, Role: role, Log: log, Meta: meta, Blobs: blobs, Queue: q, Telemetry: tel, engine: engine, blobs: ob}
	a.Keys = NewKeys(cfg, meta)
	limiter := delivery.NewLimiter(cfg.RenderConcurrency(), cfg.RenderQueueLength())
	metrics := httpapi.NewMetrics(limiter, func() *delivery.Delivery { return a.Delivery })
	if ob.Collector != nil {
		metrics.Register(ob.Collector)
	}
	a.Quotas = newQuotas(cfg, meta, log)
	for _, c := range a.Quotas.Collectors() {
		metrics.Register(c)
	}

	a.Effects = metrics.EnableEffects(observeConfig(cfg))
	a.Reports = newReports(cfg, meta, a.Effects)
	a.ServerFigures = newRecorder(cfg, meta, a.Effects, log)
	quality := make(map[transform.Format]int, len(cfg.Render.Quality))
	for f, q := range cfg.Render.Quality {
		quality[transform.Format(f)] = q
	}
	vc := vision.NewDefaultConfig()
	vc.Dir, vc.MinConfidence = cfg.Vision.Dir, cfg.Vision.MinConfidence
	detector, fallback, err := vision.New(vc, log)
	var faces render.FaceDetector
	if err != nil {
		log.Warn("no face detector: face operations fall back to smart crops", "err", err)
	} else {
		faces = faceDetector{detector}
	}
	a.FaceDetector = vision.Describe(detector, fallback)
	a.Renderer = render.New(meta, blobs, engine, faces,
		transform.PlanConfig{MaxOutputPixels: cfg.Limits.MaxOutputPixels, Quality: quality}, cfg.Limits.MaxOutputBytes)
	a.Delivery = delivery.New(delivery.Config{
		AllowUnsigned:   cfg.Delivery.AllowUnsigned,
		Presets:         presets,
		Timeout:         cfg.Render.Timeout,
		CacheBytes:      cfg.Render.CacheBytes,
		StoreVariants:   cfg.Render.StoreVariants,
		FinishAbandoned: cfg.Render.FinishAbandoned,
		Quota:           a.Quotas,
	}, meta, blobs, a.Renderer, a.Keys, limiter, metrics, log)
	a.Assets = assets.New(assets.Config{
		NearDistance: cfg.Vision.NearDuplicateDistance,
		NearLimit:    cfg.Vision.NearDuplicateLimit,
		Purge:        purge.New(purge.Config{URLs: cfg.Delivery.PurgeURLs}, log).Ban,
		Signer:       a.Keys,
	}, meta, blobs, engine, a.Renderer, log, a.Delivery.Forget)
	a.Janitor = retention.New(retention.Config{Interval: cfg.Retention.Interval, BatchSize: cfg.Retention.BatchSize},
		meta, a.Quotas, a.Assets, blobs, log)
	for _, c := range a.Janitor.Collectors() {
		metrics.Register(c)
	}

	fetcher, err := newFetcher(cfg, blobs, log)
	if err != nil {
		a.Delivery.Close()
		_ = q.Close()
		meta.Close()
		return nil, err
	}
	// Tasks and flow runs may name a source image: checked on submission,
	// imported by the worker through the upload use case (made below).
	importer := imports.New(fetcher, imports.UploadFunc(func(ctx context.Context, tenantID string, r upload.Request) (upload.Result, error) {
		return a.Uploads.Upload(ctx, tenantID, r)
	}), meta)
	a.Tasks = tasks.New(tasks.Config{
		Presets: presets,
		Sources: importer,
		CheckCallbackURL: func(u string) error {
			return webhook.CheckURL(u, cfg.Callbacks.AllowPrivate, cfg.Callbacks.AllowLoopback)
		},
		OutboxInterval: cfg.Queue.OutboxInterval,
		OutboxMinAge:   cfg.Queue.OutboxMinAge,
		Region:         cfg.Region,
		Regions:        cfg.RegionNames(),
	}, meta, meta, q, a.Keys, log)
	a.Batches = tasks.NewBatches(a.Tasks)
	if a.flow, err = newFlowParts(ctx, cfg, meta, blobs, engine, a.Renderer, faces, log); err != nil {
		q.Close()
		meta.Close()
		return nil, err
	}
	a.Live = a.flow.live
	a.Flows = flows.New(a.Live, a.Tasks, meta)
	if _, err := a.Flows.Refresh(ctx); err != nil { // flows defined over the API; Run keeps them current
		log.Warn("flows defined over the API not loaded yet", "err", err)
	}
	var rules upload.RuleRunner
	if a.Flows != nil {
		rules = a.Flows
	}
	var prober upload.VideoProber
	if tools := (video.Tools{}); tools.Available() == nil {
		prober = videoProber{tools}
		a.Renderer.SetPoster(tools, filepath.Join(cfg.Data, "tmp"))
	} else {
		log.Warn("no ffmpeg/ffprobe: video uploads are refused", "err", tools.Available())
	}
	a.UploadTokens = keys.NewUploadTokens(a.Keys, keys.UploadTokenConfig{
		MaxBytes: cfg.Limits.MaxUploadBytes,
		CheckOps: func(ops []string) error {
			_, err := a.Tasks.Validate(tasks.Request{Ops: ops})
			return err
		},
		CheckFlow: a.Flows.CheckFlow,
	})
	a.Uploads = upload.New(upload.Config{
		Rules:            rules,
		Flows:            a.Flows,
		Video:            prober,
		MaxVideoBytes:    cfg.Limits.MaxVideoBytes,
		MaxVideoDuration: cfg.Limits.MaxVideoDuration,
		MaxUploadBytes:   cfg.Limits.MaxUploadBytes,
		MaxUploads:       cfg.Limits.MaxUploads,
		MaxPixels:        cfg.Limits.MaxPixels,
		MaxPages:         cfg.Limits.MaxPages,
		Analyze:          cfg.Vision.AnalyzeUploads,
		Levels:           len(cfg.Render.Levels) > 0,
		NearDistance:     cfg.Vision.NearDuplicateDistance,
		NearLimit:        cfg.Vision.NearDuplicateLimit,
		TempDir:          filepath.Join(cfg.Data, "tmp"),
		MinRate:          cfg.Limits.MinUploadRate,
		RateGrace:        cfg.Limits.UploadRateGrace,
		CheckBytes:       cfg.Limits.UploadCheckBytes,
		IdempotencyTTL:   cfg.Limits.IdempotencyTTL,
		Quota:            a.Quotas,
		Region:           cfg.Region,
		Regions:          cfg.RegionNames(),
	}, meta, blobs, engine, a.Tasks, log)
	a.Worker = worker.New(worker.Config{
		Concurrency:  cfg.WorkerConcurrency(),
		Prefetch:     cfg.Worker.Prefetch,
		AckWait:      cfg.Queue.AckWait,
		MaxDeliver:   cfg.Queue.MaxDeliver,
		Backoff:      cfg.Queue.Backoff,
		TaskTimeout:  cfg.Worker.TaskTimeout,
		DrainTimeout: cfg.Worker.DrainTimeout,
	}, worker.Deps{
		Queue: q, Tasks: meta, Assets: meta, Blobs: blobs, Loader: a.Renderer, Importer: importer,
		Processors: map[string]worker.Processor{
			easel.TaskRender:  worker.RenderProcessor{Renderer: a.Renderer},
			easel.TaskAnalyze: worker.Analyzer{Engine: engine, Detector: faces, Store: meta},
			easel.TaskFlow:    worker.FlowProcessor{Catalog: a.Live.Catalog, Runner: &flow.Runner{Registry: a.Live.Registry}, Journal: blobs, Events: q, ObserveStep: a.Effects.Step, Progress: meta},
			easel.TaskLevels:  worker.Leveller{Make: levelMaker(engine), Sides: cfg.Render.Levels, Blobs: blobs, Record: meta},
		},
		Observer: metrics, Log: log,
	})
	a.Events = relay.New(relay.NewDefaultConfig(), meta, q, log).WithOutputs(meta)
	a.Webhooks = webhook.NewDispatcher(webhook.Config{
		Schedule:      cfg.Callbacks.Schedule,
		Timeout:       cfg.Callbacks.Timeout,
		AllowPrivate:  cfg.Callbacks.AllowPrivate,
		AllowLoopback: cfg.Callbacks.AllowLoopback,
		Concurrency:   cfg.Callbacks.Concurrency,
		Observe:       a.Effects.Callback,
	}, q, meta, func(t easel.Task) any {
		return a.Tasks.CallbackPayload(context.Background(), t)
	}, log)
	tc := tus.NewDefaultConfig()
	tc.MaxSize = cfg.MaxBodyBytes()
	tc.MinRate, tc.RateGrace = cfg.Limits.MinUploadRate, cfg.Limits.UploadRateGrace
	tc.WriteError = httpapi.ErrorWriter(log)
	if a.Resumable, err = tus.New(tc, blobs, a.completeResumable, a.resumableAuth(httpapi.APIKeyAuth(a.Keys))); err != nil {
		_ = q.Close()
		meta.Close()
		return nil, err
	}
	compat := newCompat(cfg, a, fetcher)
	deps := httpapi.Deps{
		Resumable: a.Resumable,
		Compat:    compat,
		Quotas:    a.Quotas,
		Uploads:   a.Uploads, Assets: a.Assets, Delivery: a.Delivery, Keys: a.Keys, Tasks: a.Tasks, Batches: a.Batches, Flows: a.Flows,
		UploadTokens: a.UploadTokens,
		Log:          log, Metrics: metrics, Regions: newRegions(cfg, meta),
		Ready: append(readyChecks(cfg, meta, ob, q, a.FaceDetector), a.flow.checker()),

		TracerProvider: tel.TracerProvider(),
	}
	deps.Reports = a.Reports
	a.Handler = httpapi.New(httpapi.Config{
		CacheControl:   cfg.Delivery.CacheControl,
		MaxUploadBytes: cfg.MaxBodyBytes(),
		ReadTimeout:    cfg.HTTP.ReadTimeout,
	}, deps)
	a.Ops = httpapi.NewOps(deps)
	return a, nil
}

// Run runs the role until ctx is done, then shuts down gracefully: the HTTP
// server stops accepting and lets in-flight requests finish within
// http.shutdown_timeout; workers stop fetching and finish or return their
// tasks within worker.drain_timeout. ready, when not nil, is called once the
// HTTP server listens (with its address) or, for a worker, once it consumes.
func (a *App) Run(ctx context.Context, ready func(addr net.Addr)) error {
	var wg sync.WaitGroup
	errs := make(chan error, 5)
	run := func(name string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil && ctx.Err() == nil {
				errs <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	run("keys", func() error { return a.Keys.Run(ctx, a.Log) })
	run("api flows", func() error { a.Flows.Sync(ctx, apiFlowsPoll, a.Log); return nil })
	run("server figures", func() error { a.ServerFigures.Run(ctx, time.Minute); return nil })
	if err := a.Live.Start(ctx); err != nil {
		return fmt.Errorf("workflows: %w", err)
	}
	defer a.Live.Stop()
	if err := a.blobs.Start(ctx); err != nil {
		return fmt.Errorf("blob reconciler: %w", err)
	}
	if a.Role != RoleWorker {
		run("outbox", func() error { a.Tasks.RunOutbox(ctx); return nil })
		if rq, ok := a.Queue.(easel.RequestQueue); ok {
			h := &requests.Handler{Tenants: a.Meta, Flows: a.Flows, Tasks: a.Tasks, Events: streamEvents{a.Queue, rq}, Log: a.Log}
			run("stream requests", func() error {
				return rq.ConsumeRequests(ctx, easel.ConsumeOptions{Concurrency: 4}, h.Handle)
			})
		}
		if err := a.Resumable.Start(ctx); err != nil {
			return err
		}
		defer a.Resumable.Stop()
		run("idempotency keys", func() error { a.purgeIdempotencyKeys(ctx); return nil })
		run("quotas", func() error { a.Quotas.Run(ctx); return nil })
		run("report aggregates", func() error { a.purgeReports(ctx); return nil })
	}
	if a.Role != RoleAPI {
		run("retention", func() error { return a.Janitor.Run(ctx) })
	}
	// The event relay stops last, so that its final pass publishes the
	// events of the tasks that finished while the worker drained.
	ectx, stopEvents := context.WithCancel(context.WithoutCancel(ctx))
	eventsDone := make(chan struct{})
	go func() { defer close(eventsDone); _ = a.Events.Run(ectx) }()
	defer func() { stopEvents(); <-eventsDone }()
	if a.Role != RoleAPI {
		run("worker", func() error { return a.Worker.Run(ctx) })
		run("callbacks", func() error { return a.Webhooks.Run(ctx) })
	}
	var err error
	switch {
	case a.Role != RoleWorker:
		err = a.serveHTTP(ctx, a.Config.Addr, a.Handler, ready, errs)
	case a.Config.Worker.MetricsAddr != "":
		err = a.serveHTTP(ctx, a.Config.Worker.MetricsAddr, a.Ops, func(addr net.Addr) {
			a.Log.Info("worker health and metrics", "addr", addr.String())
			if ready != nil {
				ready(nil)
			}
		}, errs)
	default:
		if ready != nil {
			ready(nil)
		}
		select {
		case <-ctx.Done():
		case err = <-errs:
		}
	}
	cancel()
	wg.Wait()
	return err
}

func (a *App) serveHTTP(ctx context.Context, addr string, handler http.Handler, ready func(addr net.Addr), errs <-chan error) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: a.Config.HTTP.ReadHeaderTimeout,
		ReadTimeout:       a.Config.HTTP.ReadTimeout,
		WriteTimeout:      a.Config.HTTP.WriteTimeout,
		IdleTimeout:       a.Config.HTTP.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr())
	}
	var runErr error
	select {
	case err := <-served:
		return err
	case runErr = <-errs:
	case <-ctx.Done():
	}
	a.Log.Info("shutting down: finishing in-flight requests", "timeout", a.Config.HTTP.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), a.Config.HTTP.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return runErr
}

// Close waits for background writes and closes the stores, then exports
// the spans still buffered (within 5 s). It is idempotent.
func (a *App) Close() error {
	a.Delivery.Close()
	a.engine.Close()
	qerr := a.Queue.Close()
	err := errors.Join(qerr, a.blobs.Close(), a.Meta.Close())
	tctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return errors.Join(err, a.Telemetry.Shutdown(tctx))
}

// The composition root is where each use case's small interfaces meet the
// parts that implement them.
var (
	_ render.Engine        = (*vips.Engine)(nil)
	_ upload.Engine        = (*vips.Engine)(nil)
	_ upload.Tasks         = (*tasks.Tasks)(nil)
	_ delivery.Verifier    = (*keys.Keys)(nil)
	_ delivery.Renderer    = (*render.Renderer)(nil)
	_ tasks.Signer         = (*keys.Keys)(nil)
	_ worker.Renderer      = (*render.Renderer)(nil)
	_ worker.Loader        = (*render.Renderer)(nil)
	_ worker.Queue         = easel.Queue(nil)
	_ worker.TaskStore     = easel.TaskStore(nil)
	_ assets.Store         = Store(nil)
	_ upload.Store         = Store(nil)
	_ render.FaceDetector  = faceDetector{}
	_ upload.Quota         = (*quota.Quotas)(nil)
	_ delivery.RenderQuota = (*quota.Quotas)(nil)
	_ retention.Policies   = (*quota.Quotas)(nil)
	_ retention.Remover    = (*assets.Assets)(nil)
	_ retention.Store      = Store(nil)
)

// purgeIdempotencyKeys deletes expired idempotency keys every hour until
// ctx ends.
func (a *App) purgeIdempotencyKeys(ctx context.Context) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if n, err := a.Meta.PurgeIdempotencyKeys(ctx, time.Now()); err != nil && ctx.Err() == nil {
			a.Log.Warn("purging idempotency keys", "err", err)
		} else if n > 0 {
			a.Log.Info("purged idempotency keys", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// completeResumable hands a finished tus upload to the upload use case's
// door, like POST /v1/assets.
func (a *App) completeResumable(ctx context.Context, tenant string, up tus.Upload) (string, error) {
	body, err := up.Open()
	if err != nil {
		return "", fmt.Errorf("app: open finished upload %s: %w", up.ID, err)
	}
	defer body.Close()
	req := upload.Request{Name: up.Metadata["filename"], Body: body}
	if p, ok := keys.PrincipalFrom(ctx); ok && p.Token != nil {
		// The token of the completing request fixes what the upload may be.
		req.Constraints = &upload.Constraints{MaxBytes: p.Token.MaxBytes, Types: p.Token.Types, Ops: p.Token.Ops, Flow: p.Token.Flow}
	}
	res, err := a.Uploads.Upload(ctx, tenant, req)
	if err != nil {
		return "", err
	}
	return res.ID, nil
}

// newQuotas returns the quotas with the configured defaults.
func newQuotas(cfg config.Config, meta Store, log *slog.Logger) *quota.Quotas {
	qc := quota.NewDefaultConfig()
	qc.PolicyTTL = cfg.Quotas.PolicyRefresh
	qc.Defaults = DefaultPolicy(cfg)
	return quota.New(qc, meta, log)
}

// DefaultPolicy is the policy of a tenant with no overrides: quotas.* and
// retention.* of the configuration.
func DefaultPolicy(cfg config.Config) quota.Policy {
	return quota.Policy{
		Limits: quota.Limits{
			MaxStoredBytes:   cfg.Quotas.MaxStoredBytes,
			UploadsPerMinute: cfg.Quotas.UploadsPerMinute,
			RendersPerSecond: cfg.Quotas.RendersPerSecond,
			RenderBurst:      cfg.Quotas.RenderBurst,
		},
		Retention: quota.Retention{Originals: cfg.Retention.Originals, Variants: cfg.Retention.Variants},
	}
}

// resumableAuth is auth that also refuses, at once, the creation of a tus
// upload whose declared length would take the tenant past its stored
// bytes, rather than when its last byte has arrived (the upload door
// checks again then, with the rate limit).
func (a *App) resumableAuth(auth func(*http.Request) (string, int64, error)) func(*http.Request) (string, int64, error) {
	return func(r *http.Request) (string, int64, error) {
		tenant, maxBytes, err := auth(r)
		if err != nil || r.Method != http.MethodPost {
			return tenant, maxBytes, err
		}
		size, _ := strconv.ParseInt(r.Header.Get("Upload-Length"), 10, 64)
		return tenant, maxBytes, a.Quotas.CheckStore(r.Context(), tenant, max(size, 0))
	}
}

// faceDetector adapts a vision.Detector to render.FaceDetector.
type faceDetector struct{ d vision.Detector }

func (f faceDetector) Detect(ctx context.Context, pix []byte, w, h int) ([]easel.Face, error) {
	return f.d.Detect(ctx, vision.RGB{Pix: pix, W: w, H: h})
}

func (f faceDetector) Name() string { return f.d.Name() }

// levelMaker adapts the engine's MakeLevelsWith to the worker's LevelMaker:
// the configured sides (render.levels) with the measured policy's caps and
// encoding (transform.DefaultLevelPolicy: levels at most 35% of the
// original's bytes, each at least 1.75 times smaller than it).
func levelMaker(e *vips.Engine) worker.LevelMaker {
	return func(ctx context.Context, original []byte, sides []int) ([]worker.MadeLevel, error) {
		policy := transform.DefaultLevelPolicy
		policy.Sides = sides
		levels, err := e.MakeLevelsWith(ctx, original, policy)
		if err != nil {
			return nil, err
		}
		out := make([]worker.MadeLevel, len(levels))
		for i, l := range levels {
			out[i] = worker.MadeLevel{Level: l.Level, Data: l.Data}
		}
		return out, nil
	}
}

// Migrate applies the migrations the metadata store that meta.backend
// names lacks, and returns their names (none when it was up to date).
func Migrate(ctx context.Context, cfg config.Config) ([]string, error) {
	meta, err := OpenMeta(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer meta.Close()
	m, ok := meta.(interface{ Applied() []string })
	if !ok {
		return nil, fmt.Errorf("meta: %T does not report its migrations", meta)
	}
	return m.Applied(), nil
}
