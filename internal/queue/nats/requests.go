package nats

import (
	"context"
	"strings"

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
func (q *Queue) ConsumeRequests(ctx context.Context, opts easel.ConsumeOptions, handle func(context.Context, easel.StreamRequest, easel.Delivery)) error {
	return consume(ctx, q, "requests", func(c *consumers) jetstream.Consumer { return c.requests }, q.decodeRequest, opts, handle)
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
