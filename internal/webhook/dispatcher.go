package webhook

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/telemetry"
)

// storeGrace is how long a callback's store and queue calls may take beyond
// the attempt's Timeout once Run's context is done.
const storeGrace = 5 * time.Second

// Dispatcher delivers task callbacks from the queue: it signs them, posts
// them through the guarded client of NewClient, records every attempt with
// the TaskStore, and retries failed ones on the configured schedule. It is
// safe for concurrent use.
type Dispatcher struct {
	cfg    Config
	q      easel.Queue
	tasks  easel.TaskStore
	render func(easel.Task) any
	log    *slog.Logger
	client *http.Client
}

// NewDispatcher returns a Dispatcher. Zero fields of cfg take their
// defaults. render turns a task into the payload's data, as GET
// /v1/tasks/{id} shows it; when nil, the task itself is sent. A nil log
// discards.
func NewDispatcher(cfg Config, q easel.Queue, tasks easel.TaskStore, render func(easel.Task) any, log *slog.Logger) *Dispatcher {
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Dispatcher{
		cfg:    cfg,
		q:      q,
		tasks:  tasks,
		render: render,
		log:    log,
		client: NewClient(cfg.Timeout, cfg.AllowPrivate, cfg.AllowLoopback),
	}
}

// Run consumes callback messages and delivers them, cfg.Concurrency at once,
// until ctx is done. Attempts in flight then finish (within the attempt
// timeout) and are recorded before Run returns.
func (d *Dispatcher) Run(ctx context.Context) error {
	if err := d.cfg.Validate(); err != nil {
		return err
	}
	return d.q.ConsumeCallbacks(ctx, easel.ConsumeOptions{Concurrency: d.cfg.Concurrency}, d.handle)
}

// handle delivers one callback message and ends its delivery: Ack when
// delivered or nothing to do, Nak with the schedule's delay after a failed
// attempt, Term when it is pointless to go on.
func (d *Dispatcher) handle(ctx context.Context, m easel.CallbackMessage, del easel.Delivery) {
	// Shutdown should not cut an attempt short: finish it and record it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.Timeout+storeGrace)
	defer cancel()
	attempt := del.Attempt()
	ctx, span := telemetry.Start(ctx, "webhook.deliver", trace.WithAttributes(attribute.String("easel.task.id", m.TaskID),
		attribute.String("easel.event", string(m.Event)), attribute.Int("easel.callback.attempt", attempt)))
	defer span.End()
	log := telemetry.WithTrace(d.log, ctx).With("task_id", m.TaskID, "event", string(m.Event), "attempt", attempt)

	task, err := d.tasks.GetTask(ctx, m.TaskID)
	if err != nil {
		if easel.IsNotFound(err) {
			log.Warn("webhook: task not found; dropping callback")
			d.end(ctx, log, del.Term)
			return
		}
		log.Error("webhook: load task", "err", err)
		d.retryOrGiveUp(ctx, log, del, attempt)
		return
	}
	if task.CallbackURL == "" {
		d.end(ctx, log, del.Ack)
		return
	}
	if u, err := url.Parse(task.CallbackURL); err == nil {
		log = log.With("host", u.Host) // never the full URL: its query may hold a token
	}
	if m.Event == "" {
		log.Error("webhook: callback message without event; dropping")
		d.end(ctx, log, del.Term)
		return
	}
	if err := CheckURL(task.CallbackURL, d.cfg.AllowPrivate, d.cfg.AllowLoopback); err != nil {
		d.record(ctx, log, failed(task, attempt, easel.ErrorMessage(err)))
		log.Warn("webhook: callback URL not allowed; dropping callback")
		d.end(ctx, log, del.Term)
		return
	}
	secret, err := d.tasks.WebhookSecret(ctx, task.TenantID)
	switch {
	case easel.IsNotFound(err):
		d.record(ctx, log, failed(task, attempt, "no webhook secret"))
		log.Warn("webhook: tenant has no webhook secret; dropping callback", "tenant_id", task.TenantID)
		d.end(ctx, log, del.Term)
		return
	case err != nil:
		log.Error("webhook: load secret", "tenant_id", task.TenantID, "err", err)
		d.retryOrGiveUp(ctx, log, del, attempt)
		return
	}

	res := d.Deliver(ctx, task, m.Event, secret, attempt)
	span.SetAttributes(attribute.Int("http.response.status_code", res.Status), attribute.Bool("easel.callback.delivered", res.Delivered))
	if !res.Delivered {
		span.SetStatus(codes.Error, res.Error)
	}
	d.record(ctx, log, res)
	if d.cfg.Observe != nil {
		d.cfg.Observe(task, res)
	}
	log = log.With("status", res.Status, "latency", res.Latency)
	switch {
	case res.Delivered:
		log.Info("webhook: delivered")
		d.recordTiming(ctx, log, task.ID, res.Latency)
		d.end(ctx, log, del.Ack)
	case res.Status == http.StatusGone:
		log.Warn("webhook: endpoint answered 410 Gone; no more retries")
		d.end(ctx, log, del.Term)
	default:
		log.Info("webhook: attempt failed", "error", res.Error)
		d.retryOrGiveUp(ctx, log, del, attempt)
	}
}

// retryOrGiveUp Naks the delivery with the schedule's delay for the next
// retry, or Terms it when the schedule is exhausted.
func (d *Dispatcher) retryOrGiveUp(ctx context.Context, log *slog.Logger, del easel.Delivery, attempt int) {
	if attempt >= 1 && attempt <= len(d.cfg.Schedule) {
		delay := d.cfg.Schedule[attempt-1]
		d.end(ctx, log, func(ctx context.Context) error { return del.Nak(ctx, delay) })
		return
	}
	log.Warn("webhook: giving up after the last attempt")
	d.end(ctx, log, del.Term)
}

// record stores an attempt; a failure to store it is logged, not retried.
func (d *Dispatcher) record(ctx context.Context, log *slog.Logger, res easel.CallbackDelivery) {
	if err := d.tasks.AddCallbackDelivery(ctx, res); err != nil {
		log.Error("webhook: record delivery", "err", err)
	}
}

// recordTiming sets the task's Timings.Callback to the latency of the
// delivered attempt, if the task is still in a final state.
func (d *Dispatcher) recordTiming(ctx context.Context, log *slog.Logger, taskID string, latency time.Duration) {
	t, err := d.tasks.GetTask(ctx, taskID)
	if err != nil {
		log.Error("webhook: load task for timing", "err", err)
		return
	}
	if !t.State.Final() {
		return // retried by hand since: its timings are the new attempt's
	}
	t.Timings.Callback = easel.Millis(latency)
	if _, err := d.tasks.UpdateTask(ctx, t, t.State); err != nil {
		log.Error("webhook: record callback timing", "err", err)
	}
}

// end ends a delivery with f (Ack, Term, or a Nak), logging a failure.
func (d *Dispatcher) end(ctx context.Context, log *slog.Logger, f func(context.Context) error) {
	if err := f(ctx); err != nil {
		log.Error("webhook: end queue delivery", "err", err)
	}
}

// failed returns a failed attempt that sent no request.
func failed(task easel.Task, attempt int, reason string) easel.CallbackDelivery {
	return easel.CallbackDelivery{
		TaskID:  task.ID,
		Attempt: attempt,
		URL:     task.CallbackURL,
		Error:   bound(reason),
		At:      time.Now().UTC(),
	}
}
