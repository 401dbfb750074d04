package nats

import (
	"context"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/easelhq/easel/internal/telemetry/tracing"
)

// Attributes of the queue's spans (OpenTelemetry messaging conventions).
var (
	attrSystem  = attribute.String("messaging.system", "nats")
	attrPublish = attribute.String("messaging.operation.type", "send")
	attrProcess = attribute.String("messaging.operation.type", "process")
)

// startPublish starts the producer span "publish <family>" and returns the
// headers that carry its trace context, and the function that ends it with
// the publish's error. Events (published by the outbox relay, which has no
// request to belong to) get a span only under a caller's span. With tracing
// off it returns nil headers and does nothing.
func (q *Queue) startPublish(ctx context.Context, family, subject, msgID string) (context.Context, nats.Header, func(error)) {
	if q.tracer == nil || family == "events" && !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx, nil, func(error) {}
	}
	ctx, span := q.tracer.Start(ctx, "publish "+family, trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(attrSystem, attrPublish,
			attribute.String("messaging.destination.name", subject),
			attribute.String("messaging.message.id", msgID)))
	header := nats.Header{}
	tracing.Inject(ctx, tracing.Headers(header))
	return ctx, header, func(err error) {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, "publish failed")
		}
		span.End()
	}
}

// startConsume starts the consumer span "process <family>" of a delivery,
// parented by the trace context in the message's headers (a new trace when
// there is none). With tracing off it returns ctx and a nil span.
func (q *Queue) startConsume(ctx context.Context, family string, msg jetstream.Msg, attempt int) (context.Context, trace.Span) {
	if q.tracer == nil {
		return ctx, nil
	}
	if h := msg.Headers(); len(h) > 0 {
		ctx = tracing.Extract(ctx, tracing.Headers(h))
	}
	return q.tracer.Start(ctx, "process "+family, trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(attrSystem, attrProcess,
			attribute.String("messaging.destination.name", msg.Subject()),
			attribute.String("messaging.message.id", msg.Headers().Get(jetstream.MsgIDHeader)),
			attribute.Int("messaging.nats.delivery_count", attempt)))
}

// endConsume ends a consumer span with how the handler ended the delivery.
func endConsume(span trace.Span, d *delivery) {
	if span == nil {
		return
	}
	if o := d.outcome.Load(); o != nil {
		span.SetAttributes(attribute.String("easel.queue.outcome", *o))
	}
	span.End()
}
