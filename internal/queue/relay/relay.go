package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/easelhq/easel"
)

// Publisher publishes one event and returns once the stream has stored it
// (easel.Queue's PublishEvent): publishing the same ID again is harmless.
type Publisher interface {
	PublishEvent(ctx context.Context, e easel.Event) error
}

var _ Publisher = easel.Queue(nil)

// Config configures a Relay.
type Config struct {
	// Interval is how often the outbox is read when nothing wakes the relay.
	Interval time.Duration
	// TakeoverAge is how old another process's unpublished events must be
	// before this relay publishes them (that process may have died).
	TakeoverAge time.Duration
	// Batch is how many events one read of the outbox returns at most.
	Batch int
	// Concurrency is how many tasks' events are published at once.
	Concurrency int
	// MinBackoff and MaxBackoff bound the delay before retrying after a
	// failed pass; it doubles from one to the other.
	MinBackoff, MaxBackoff time.Duration
	// DrainTimeout bounds the last pass when Run's context ends.
	DrainTimeout time.Duration
}

// NewDefaultConfig returns the defaults: a 1s poll, a 10s takeover age,
// batches of 500, 32 tasks at once, retries after 100ms to 5s, a 2s drain.
func NewDefaultConfig() Config {
	return Config{Interval: time.Second, TakeoverAge: 10 * time.Second, Batch: 500, Concurrency: 32,
		MinBackoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second, DrainTimeout: 2 * time.Second}
}

// Validate reports every invalid field.
func (c Config) Validate() error {
	var errs []error
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"interval", c.Interval}, {"takeover_age", c.TakeoverAge}, {"min_backoff", c.MinBackoff},
		{"max_backoff", c.MaxBackoff}, {"drain_timeout", c.DrainTimeout}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s %v: must be positive", d.name, d.v))
		}
	}
	if c.MaxBackoff < c.MinBackoff {
		errs = append(errs, errors.New("max_backoff must not be below min_backoff"))
	}
	if c.Batch < 1 || c.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("batch %d and concurrency %d: must be at least 1", c.Batch, c.Concurrency))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("event relay config: %w", err)
	}
	return nil
}

// Relay publishes the events of an outbox. Run it in one goroutine.
type Relay struct {
	cfg   Config
	store easel.EventOutbox
	pub   Publisher
	log   *slog.Logger
	tasks TaskGetter // nil: succeeded events go without outputs
}

// TaskGetter reads a task (easel.TaskStore is one).
type TaskGetter interface {
	GetTask(ctx context.Context, id string) (easel.Task, error)
}

// WithOutputs makes succeeded events carry the task's outputs, read from
// tasks when the event is published, so that a stream client has its
// results from the event alone.
func (r *Relay) WithOutputs(tasks TaskGetter) *Relay {
	r.tasks = tasks
	return r
}

// New returns a Relay; it panics on an invalid cfg (a programming error:
// the configuration is validated at start).
func New(cfg Config, store easel.EventOutbox, pub Publisher, log *slog.Logger) *Relay {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	return &Relay{cfg: cfg, store: store, pub: pub, log: log}
}

// Run relays events until ctx is done, then makes one last pass bounded by
// DrainTimeout. It returns nil.
func (r *Relay) Run(ctx context.Context) error {
	var backoff time.Duration
	failing := false
	for {
		n, err := r.Flush(ctx)
		if ctx.Err() != nil {
			break
		}
		wait := r.cfg.Interval
		switch {
		case err != nil:
			backoff = min(max(2*backoff, r.cfg.MinBackoff), r.cfg.MaxBackoff)
			wait = backoff
			if !failing {
				r.log.Warn("event relay: events wait in the outbox; retrying", "published", n, "err", err)
			}
			failing = true
		case failing:
			r.log.Info("event relay: publishing again", "published", n)
			failing, backoff = false, 0
		}
		timer := time.NewTimer(wait)
		wake := r.store.EventsCommitted()
		if err != nil {
			wake = nil // new events must not cut a backoff short
		}
		select {
		case <-ctx.Done():
		case <-wake:
		case <-timer.C:
		}
		timer.Stop()
		if ctx.Err() != nil {
			break
		}
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.DrainTimeout)
	defer cancel()
	if _, err := r.Flush(dctx); err != nil {
		r.log.Info("event relay: stopped with events in the outbox; another process or the next start relays them", "err", err)
	}
	return nil
}

// Flush publishes the events in the outbox now, batch after batch, until it
// is empty or a publish fails. It returns how many events it published.
func (r *Relay) Flush(ctx context.Context) (int, error) {
	published := 0
	for {
		es, err := r.store.UnpublishedEvents(ctx, r.cfg.Batch, time.Now().Add(-r.cfg.TakeoverAge))
		if err != nil {
			return published, fmt.Errorf("event relay: read the outbox: %w", err)
		}
		if len(es) == 0 {
			return published, nil
		}
		done, perr := r.publish(ctx, es)
		if len(done) > 0 {
			if err := r.store.MarkEventsPublished(ctx, done); err != nil {
				// They are on the stream: publishing them again is a no-op.
				return published, fmt.Errorf("event relay: mark %d events published: %w", len(done), err)
			}
			published += len(done)
		}
		if perr != nil {
			return published, perr
		}
		if len(es) < r.cfg.Batch {
			return published, nil
		}
	}
}

// publish publishes es, each task's events in order by one goroutine, and
// returns the IDs of those the stream acknowledged (or that can never be
// published), with the first error.
func (r *Relay) publish(ctx context.Context, es []easel.Event) ([]string, error) {
	var order []string
	byTask := map[string][]easel.Event{}
	for _, e := range es {
		if _, ok := byTask[e.TaskID]; !ok {
			order = append(order, e.TaskID)
		}
		byTask[e.TaskID] = append(byTask[e.TaskID], e)
	}
	var (
		mu       sync.Mutex
		done     = make([]string, 0, len(es))
		firstErr error
		wg       sync.WaitGroup
		tasks    = make(chan []easel.Event)
	)
	for range min(r.cfg.Concurrency, len(order)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for group := range tasks {
				for _, e := range group {
					if e.Type == easel.EventSucceeded && r.tasks != nil && e.Outputs == nil {
						if t, err := r.tasks.GetTask(ctx, e.TaskID); err == nil {
							e.Outputs = t.Outputs
						} else {
							r.log.Warn("event relay: succeeded event without outputs", "task", e.TaskID, "err", err)
						}
					}
					err := r.pub.PublishEvent(ctx, e)
					if err != nil && easel.ErrorCode(err) == easel.CodeInvalidArgument {
						// It can never be published: do not block the outbox.
						r.log.Error("event relay: dropping an event the queue refuses", "event", e.ID, "err", err)
						err = nil
					}
					mu.Lock()
					if err == nil {
						done = append(done, e.ID)
					} else if firstErr == nil {
						firstErr = fmt.Errorf("event relay: publish %s: %w", e.ID, err)
					}
					mu.Unlock()
					if err != nil {
						break // the task's later events wait, to keep its order
					}
				}
			}
		}()
	}
	for _, id := range order {
		tasks <- byTask[id]
	}
	close(tasks)
	wg.Wait()
	return done, firstErr
}
