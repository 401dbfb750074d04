package nats

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/easelhq/easel"
)

// PublishTask publishes m on <prefix>.tasks.<region>.<kind> with m.MessageID
// (or m.TaskID) as its de-duplication ID, and waits for the server's ack.
func (q *Queue) PublishTask(ctx context.Context, m easel.TaskMessage) error {
	region := m.Region
	if region == "" {
		region = "default"
	}
	if err := checkTokens("task", m.TaskID, "tenant", m.TenantID, "kind", m.Kind, "region", region); err != nil {
		return err
	}
	id := m.MessageID
	if id == "" {
		id = m.TaskID
	}
	return q.publish(ctx, "tasks", q.names.prefix+".tasks."+region+"."+m.Kind, m, id)
}

// PublishEvent stores e on the events stream under
// <prefix>.events.<tenant>.<task>.<type>, with e.ID as its Nats-Msg-Id
// header (the stream drops a second copy within the duplicate window), and
// waits for the server's ack.
func (q *Queue) PublishEvent(ctx context.Context, e easel.Event) error {
	if err := checkTokens("tenant", e.TenantID, "task", e.TaskID, "event type", string(e.Type)); err != nil {
		return err
	}
	if e.ID == "" {
		return easel.Errorf(easel.CodeInvalidArgument, "queue: event of task %s has no ID", e.TaskID)
	}
	return q.publish(ctx, "events", q.eventSubject(e.TenantID, e.TaskID, string(e.Type)), e, e.ID)
}

// PublishCallback publishes m on <prefix>.callbacks.<tenant>, de-duplicated
// by task and event.
func (q *Queue) PublishCallback(ctx context.Context, m easel.CallbackMessage) error {
	if err := checkTokens("tenant", m.TenantID, "task", m.TaskID, "event", string(m.Event)); err != nil {
		return err
	}
	return q.publish(ctx, "callbacks", q.names.prefix+".callbacks."+m.TenantID, m, m.TaskID+"."+string(m.Event))
}

func (q *Queue) eventSubject(tenant, task, typ string) string {
	return q.names.prefix + ".events." + tenant + "." + task + "." + typ
}

// publish sends v as JSON and waits for the ack, retrying within the request
// timeout through a failover or a leader election (publishRetrying); when
// the stream is missing it recreates the streams. With tracing on, family
// (tasks, events or callbacks) names the publish span, whose trace context
// the message headers carry.
func (q *Queue) publish(ctx context.Context, family, subject string, v any, msgID string) (err error) {
	data, err := json.Marshal(v)
	if err != nil {
		return easel.WrapError(easel.CodeInternal, err, "encode queue message")
	}
	if q.nc.Status() == nats.CLOSED {
		return q.available()
	}
	ctx, header, end := q.startPublish(ctx, family, subject, msgID)
	defer func() { end(err) }()
	ctx, cancel := q.requestCtx(ctx)
	defer cancel()
	if err := q.publishRetrying(ctx, subject, data, header, msgID); err != nil {
		return unavailable(fmt.Errorf("nats queue: publish %s: %w", subject, err))
	}
	return nil
}

// checkTokens refuses values that are not a single subject token; its
// arguments are pairs of a name and a value.
func checkTokens(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		name, v := pairs[i], pairs[i+1]
		if v == "" {
			return easel.Errorf(easel.CodeInvalidArgument, "queue: %s is empty", name)
		}
		if strings.ContainsAny(v, ".*> \t\r\n") {
			return easel.Errorf(easel.CodeInvalidArgument, "queue: %s %q has a character not allowed in a subject", name, v)
		}
	}
	return nil
}
