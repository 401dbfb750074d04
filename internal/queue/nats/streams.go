package nats

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// consumers are the handles of the two durable pull consumers. A handle
// names a stream and a consumer, so it stays valid when ensure recreates
// them on the server.
type consumers struct {
	// tasks holds the one unfiltered consumer, or one per region
	// (Config.Regions).
	tasks               []jetstream.Consumer
	callbacks, requests jetstream.Consumer
}

// streamConfigs returns the three streams. Only nats-server 2.9 fields.
func (q *Queue) streamConfigs() []jetstream.StreamConfig {
	n := q.names
	return []jetstream.StreamConfig{{
		Name:        n.tasksStream,
		Description: "easel task queue",
		Subjects:    []string{n.tasksSubjects},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    q.cfg.Replicas,
		Duplicates:  q.cfg.DuplicateWindow,
	}, {
		Name:        n.eventsStream,
		Description: "easel task events",
		Subjects:    []string{n.eventsSubjects},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    q.cfg.Replicas,
		MaxAge:      q.cfg.EventsMaxAge,
		Duplicates:  q.cfg.DuplicateWindow,
	}, {
		Name:        n.cbStream,
		Description: "easel callback queue",
		Subjects:    []string{n.cbSubjects},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    q.cfg.Replicas,
		Duplicates:  q.cfg.DuplicateWindow,
	}}
}

// consumerConfig is a durable, explicitly acked pull consumer with no
// filter (2.9 allows one consumer per work-queue stream without filters).
func consumerConfig(name string, ackWait time.Duration, maxDeliver int) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       name,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckWait:       ackWait,
		MaxDeliver:    maxDeliver,
		MaxAckPending: 10000,
	}
}

// ensure creates or updates the streams and consumers. It is idempotent,
// and serialised so that concurrent callers do not race each other.
func (q *Queue) ensure(ctx context.Context) error {
	q.ensureMu.Lock()
	defer q.ensureMu.Unlock()
	return q.ensureLocked(ctx)
}

// ensureLocked is ensure for a caller that holds ensureMu.
func (q *Queue) ensureLocked(ctx context.Context) error {
	for _, sc := range q.streamConfigs() {
		if _, err := q.js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("nats queue: ensure stream %s: %w", sc.Name, err)
		}
	}
	tasks, err := q.ensureTaskConsumers(ctx)
	if err != nil {
		return err
	}
	callbacks, err := q.js.CreateOrUpdateConsumer(ctx, q.names.cbStream,
		consumerConfig(callbacksConsumer, q.cfg.CallbackAckWait, q.cfg.CallbackMaxDeliver))
	if err != nil {
		return fmt.Errorf("nats queue: ensure consumer %s: %w", callbacksConsumer, err)
	}
	var requests jetstream.Consumer
	if q.wantRequests.Load() {
		if requests, err = q.ensureRequests(ctx); err != nil {
			return err
		}
	}
	q.consumers.Store(&consumers{tasks: tasks, callbacks: callbacks, requests: requests})
	return nil
}

// ensureTaskConsumers creates the unfiltered task consumer, or one
// filtered consumer per region. A work-queue stream refuses a filtered
// consumer beside an unfiltered one, so with regions a leftover "workers"
// consumer (from a single-region installation) is deleted first: the
// messages it had not acked stay on the stream for the regional ones.
func (q *Queue) ensureTaskConsumers(ctx context.Context) ([]jetstream.Consumer, error) {
	if len(q.cfg.Regions) == 0 {
		c, err := q.js.CreateOrUpdateConsumer(ctx, q.names.tasksStream,
			consumerConfig(tasksConsumer, q.cfg.AckWait, q.cfg.MaxDeliver))
		if err != nil {
			return nil, fmt.Errorf("nats queue: ensure consumer %s: %w", tasksConsumer, err)
		}
		return []jetstream.Consumer{c}, nil
	}
	if err := q.js.DeleteConsumer(ctx, q.names.tasksStream, tasksConsumer); err == nil {
		q.log.Warn("deleted the single-region task consumer: tasks are now consumed per region",
			"consumer", tasksConsumer, "regions", q.cfg.Regions)
	} else if !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil, fmt.Errorf("nats queue: delete consumer %s: %w", tasksConsumer, err)
	}
	out := make([]jetstream.Consumer, 0, len(q.cfg.Regions))
	for _, r := range q.cfg.Regions {
		cc := consumerConfig(regionConsumer(r), q.cfg.AckWait, q.cfg.MaxDeliver)
		cc.FilterSubject = q.names.prefix + ".tasks." + r + ".>"
		c, err := q.js.CreateOrUpdateConsumer(ctx, q.names.tasksStream, cc)
		if err != nil {
			return nil, fmt.Errorf("nats queue: ensure consumer %s: %w", cc.Durable, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// missing reports whether err says that a stream or consumer does not
// exist on the server (a server restarted with a fresh store).
func missing(err error) bool {
	return errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, jetstream.ErrStreamNotFound) ||
		errors.Is(err, jetstream.ErrConsumerNotFound) ||
		errors.Is(err, jetstream.ErrConsumerDoesNotExist) ||
		errors.Is(err, jetstream.ErrConsumerDeleted) ||
		errors.Is(err, nats.ErrNoResponders)
}
