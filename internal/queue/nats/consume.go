package nats

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/easelhq/easel"
)

const (
	// fetchWait is how long one pull request waits for messages; it bounds
	// how late the loop notices that its context is done.
	fetchWait = time.Second
	// Back-off between failed fetches, doubling from min to max.
	minBackoff = 250 * time.Millisecond
	maxBackoff = 2 * time.Second
	// checkEvery is how often an idle loop checks that its consumer exists:
	// a pull request on a consumer that a server lost just times out.
	checkEvery = 5 * time.Second
)

// ConsumeTasks delivers task messages to handle, at most opts.Concurrency at
// once, until ctx is done; see consume for the drain. With regions
// (Config.Regions) one loop per region fetches from its consumer, and the
// loops share the opts.Concurrency handler slots.
func (q *Queue) ConsumeTasks(ctx context.Context, opts easel.ConsumeOptions, handle func(context.Context, easel.TaskMessage, easel.Delivery)) error {
	n := max(len(q.cfg.Regions), 1)
	if n == 1 {
		return consume(ctx, q, "tasks", func(c *consumers) jetstream.Consumer { return c.tasks[0] }, decodeJSON[easel.TaskMessage], opts, newSlots(opts), handle)
	}
	sl := newSlots(opts)
	errs := make(chan error, n)
	for i, r := range q.cfg.Regions {
		go func() {
			errs <- consume(ctx, q, "tasks "+r, func(c *consumers) jetstream.Consumer { return c.tasks[i] }, decodeJSON[easel.TaskMessage], opts, sl, handle)
		}()
	}
	var first error
	for range n {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// ConsumeCallbacks is ConsumeTasks for callback messages.
func (q *Queue) ConsumeCallbacks(ctx context.Context, opts easel.ConsumeOptions, handle func(context.Context, easel.CallbackMessage, easel.Delivery)) error {
	return consume(ctx, q, "callbacks", func(c *consumers) jetstream.Consumer { return c.callbacks }, decodeJSON[easel.CallbackMessage], opts, newSlots(opts), handle)
}

// decodeJSON decodes a message's body.
func decodeJSON[T any](msg jetstream.Msg) (T, error) {
	var v T
	err := json.Unmarshal(msg.Data(), &v)
	return v, err
}

// slots are the handler slots of one ConsumeTasks call, shared by its
// loops, and the handlers they run.
type slots struct {
	sem     chan struct{}
	running sync.WaitGroup
}

func newSlots(opts easel.ConsumeOptions) *slots {
	return &slots{sem: make(chan struct{}, max(opts.Concurrency, 1))}
}

// consume is the loop of both consumers. It waits for a free handler slot,
// fetches up to the free slots plus opts.Prefetch messages, and runs each
// handler in its own goroutine. Handlers get a context that ctx does not
// cancel: once ctx is done the loop stops fetching, Naks what it fetched
// but did not start, waits for the running handlers to return, and returns
// nil. A caller that wants to bound the drain cancels its handlers through a
// context of its own. Fetch errors (an outage) are retried with back-off
// until ctx is done; the streams are recreated when the server lost them.
func consume[T any](ctx context.Context, q *Queue, name string, pick func(*consumers) jetstream.Consumer,
	decode func(jetstream.Msg) (T, error), opts easel.ConsumeOptions, sl *slots, handle func(context.Context, T, easel.Delivery)) error {
	conc := max(opts.Concurrency, 1)
	prefetch := max(opts.Prefetch, 0)
	sem := sl.sem
	running := &sl.running
	defer running.Wait()
	handlerCtx := context.WithoutCancel(ctx)
	log := q.log.With("consumer", name)
	backoff := time.Duration(0)
	outage := false
	var checked time.Time

	for {
		// Wait for a free slot. Only this loop takes slots (or, with
		// regions, the loops of the other regions: start then waits).
		select {
		case sem <- struct{}{}:
			<-sem
		case <-ctx.Done():
			return nil
		}
		if ctx.Err() != nil { // select picks at random when both are ready
			return nil
		}
		err := q.available()
		if err == nil {
			free := conc - len(sem)
			var batch jetstream.MessageBatch
			c := pick(q.consumers.Load())
			batch, err = c.Fetch(max(free+prefetch, 1), jetstream.FetchMaxWait(fetchWait))
			if err == nil {
				n := 0
				for msg := range batch.Messages() {
					start(ctx, q, msg, sem, running, handlerCtx, log, name, decode, handle)
					n++
				}
				err = batch.Error()
				if err == nil && n == 0 && time.Since(checked) >= checkEvery && ctx.Err() == nil {
					checked = time.Now()
					err = checkConsumer(ctx, q, c)
				}
			}
		}
		if err == nil || errors.Is(err, nats.ErrTimeout) || errors.Is(err, jetstream.ErrNoMessages) {
			if outage {
				log.Info("queue consumer resumed")
				outage = false
			}
			backoff = 0
			continue
		}
		if errors.Is(err, nats.ErrConnectionClosed) || q.closed.Load() {
			return easel.WrapError(easel.CodeInternal, err, "queue closed")
		}
		if !outage {
			log.Warn("queue consumer cannot fetch; retrying", "error", err)
			outage = true
		}
		if missing(err) && q.nc.IsConnected() {
			rctx, cancel := q.requestCtx(ctx)
			if err := q.ensure(rctx); err != nil {
				log.Debug("re-create streams", "error", err)
			}
			cancel()
		}
		backoff = min(max(2*backoff, minBackoff), maxBackoff)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return nil
		}
	}
}

// checkConsumer reports an error when c no longer exists on the server.
func checkConsumer(ctx context.Context, q *Queue, c jetstream.Consumer) error {
	ctx, cancel := q.requestCtx(ctx)
	defer cancel()
	_, err := c.Info(ctx)
	if err != nil && ctx.Err() != nil {
		return nil // cancelled or slow: not a verdict
	}
	return err
}

// start hands msg to handle in a goroutine once a slot is free, or Naks it
// when ctx is done first.
func start[T any](ctx context.Context, q *Queue, msg jetstream.Msg, sem chan struct{}, running *sync.WaitGroup,
	handlerCtx context.Context, log *slog.Logger, name string, decode func(jetstream.Msg) (T, error), handle func(context.Context, T, easel.Delivery)) {
	if ctx.Err() == nil {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
	}
	if ctx.Err() != nil {
		if err := msg.Nak(); err != nil {
			log.Warn("nak unstarted message", "subject", msg.Subject(), "error", err)
		}
		return
	}
	running.Add(1)
	go func() {
		defer running.Done()
		defer func() { <-sem }()
		v, err := decode(msg)
		if err != nil {
			log.Error("terminate undecodable message", "subject", msg.Subject(), "error", err)
			_ = msg.Term()
			return
		}
		d := newDelivery(q, msg)
		hctx, span := q.startConsume(handlerCtx, name, msg, d.attempt)
		handle(hctx, v, d)
		endConsume(span, d)
		if d.end() {
			if err := msg.Nak(); err != nil {
				log.Warn("nak message left open by its handler", "subject", msg.Subject(), "error", err)
			}
		}
	}()
}
