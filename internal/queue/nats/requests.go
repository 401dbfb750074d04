package nats

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/easelhq/easel"
)

// maxRequestBytes bounds a request message on the requests stream.
const maxRequestBytes = 64 << 10

var _ easel.RequestQueue = (*Queue)(nil)

// ConsumeRequests delivers the requests NATS clients publish on
// <prefix>.requests.<tenant> to handle, like ConsumeTasks: one durable
// consumer ("requests") shared by every process that calls it, so each
// request is handled by one of them.
//
// The requests stream (<PREFIX>_REQUESTS, a work queue) and its consumer
// are made by the first call, not by Open: processes that never consume
// requests (workers) leave them alone.
func (q *Queue) ConsumeRequests(ctx context.Context, opts easel.ConsumeOptions, handle func(context.Context, easel.StreamRequest, easel.Delivery)) error {
	q.wantRequests.Store(true)
	for backoff := minBackoff; ; backoff = min(2*backoff, maxBackoff) {
		if c := q.consumers.Load(); c != nil && c.requests != nil {
			break
		}
		rctx, cancel := q.requestCtx(ctx)
		err := q.ensure(rctx)
		cancel()
		if err == nil {
			break
		}
		q.log.Warn("requests stream not made yet; retrying", "error", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
	}
	return consume(ctx, q, "requests", func(c *consumers) jetstream.Consumer { return c.requests }, q.decodeRequest, opts, newSlots(opts), handle)
}

// ensureRequests creates or updates the requests stream and its consumer.
func (q *Queue) ensureRequests(ctx context.Context) (jetstream.Consumer, error) {
	n := q.names
	sc := jetstream.StreamConfig{
		Name:        n.requestsStream,
		Description: "easel requests published by any NATS client",
		Subjects:    []string{n.requestsSubjects},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    q.cfg.Replicas,
		Duplicates:  q.cfg.DuplicateWindow,
		MaxMsgSize:  maxRequestBytes,
	}
	if _, err := q.js.CreateOrUpdateStream(ctx, sc); err != nil {
		return nil, fmt.Errorf("nats queue: ensure stream %s: %w", sc.Name, err)
	}
	c, err := q.js.CreateOrUpdateConsumer(ctx, n.requestsStream, consumerConfig(requestsConsumer, q.cfg.AckWait, q.cfg.MaxDeliver))
	if err != nil {
		return nil, fmt.Errorf("nats queue: ensure consumer %s: %w", requestsConsumer, err)
	}
	return c, nil
}

// decodeRequest keeps a request's body as it is, with the tenant of its
// subject and its Nats-Msg-Id.
func (q *Queue) decodeRequest(msg jetstream.Msg) (easel.StreamRequest, error) {
	tenant := strings.TrimPrefix(msg.Subject(), q.names.prefix+".requests.")
	return easel.StreamRequest{Tenant: tenant, MsgID: msg.Headers().Get("Nats-Msg-Id"), Data: append([]byte(nil), msg.Data()...)}, nil
}

// Reply publishes data on a client's reply subject (core NATS, no stream):
// the answer to a request that named one.
func (q *Queue) Reply(ctx context.Context, subject string, data []byte) error {
	if subject == "" || strings.ContainsAny(subject, "*> \t\r\n") || strings.HasPrefix(subject, q.names.prefix+".") {
		return easel.Errorf(easel.CodeInvalidArgument, "reply subject %q: want a plain subject outside %s.>", subject, q.names.prefix)
	}
	if err := q.nc.Publish(subject, data); err != nil {
		return unavailable(err)
	}
	return nil
}
