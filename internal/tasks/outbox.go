package tasks

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/easelhq/easel"
)

// publish puts an accepted task on the queue and marks it queued. A failure
// leaves it accepted for the outbox relay.
func (s *Tasks) publish(ctx context.Context, t *easel.Task) {
	msg := easel.TaskMessage{TaskID: t.ID, TenantID: t.TenantID, Kind: t.Kind, Region: t.Region, MessageID: t.MessageID()}
	timeout := s.cfg.PublishTimeout
	if timeout <= 0 {
		timeout = time.Second
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	err := s.queue.PublishTask(pctx, msg)
	cancel()
	if err != nil {
		s.traces.keep(t.ID, trace.SpanContextFromContext(ctx))
		s.log.WarnContext(ctx, "task not published; the outbox relay will retry", "task", t.ID, "err", err)
		return
	}
	queued := *t
	queued.State, queued.UpdatedAt = easel.TaskQueued, time.Now().UTC()
	ok, err := s.tasks.UpdateTask(ctx, queued, easel.TaskAccepted)
	if err != nil {
		s.log.Warn("task published but not marked queued", "task", t.ID, "err", err)
		return
	}
	if ok {
		*t = queued // the store recorded the queued event with the update (the event outbox)
	}
}

// RunOutbox republishes tasks left in accepted (the queue was down when they
// were submitted) every OutboxInterval until ctx is done.
func (s *Tasks) RunOutbox(ctx context.Context) {
	tick := time.NewTicker(s.cfg.OutboxInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		s.relay(ctx)
	}
}

// relay publishes the accepted tasks old enough, 500 at a time.
func (s *Tasks) relay(ctx context.Context) {
	for {
		pending, err := s.tasks.ListTasks(ctx, easel.TaskAccepted, time.Now().Add(-s.cfg.OutboxMinAge), 500)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("outbox: listing accepted tasks failed", "err", err)
			}
			return
		}
		published := 0
		for i := range pending {
			pctx := ctx
			if sc, ok := s.traces.take(pending[i].ID); ok {
				pctx = trace.ContextWithRemoteSpanContext(ctx, sc) // the submitting request's trace
			}
			s.publish(pctx, &pending[i])
			if pending[i].State == easel.TaskQueued {
				published++
			}
		}
		if published > 0 {
			s.log.Info("outbox: republished accepted tasks", "tasks", published)
		}
		if len(pending) < 500 || published == 0 {
			return
		}
	}
}

// maxPendingTraces bounds the trace contexts kept for the outbox relay.
const maxPendingTraces = 10_000

// pendingTraces remembers the trace context of the request that submitted
// each task a failed publish left accepted, so that this process's outbox
// relay publishes the task in the same trace. The task row has no room for
// it: a task relayed by another process, after a restart, or past
// maxPendingTraces starts a new trace. The zero value is ready to use.
type pendingTraces struct {
	mu sync.Mutex
	m  map[string]trace.SpanContext
}

func (p *pendingTraces) keep(taskID string, sc trace.SpanContext) {
	if !sc.IsValid() {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = make(map[string]trace.SpanContext)
	}
	if len(p.m) < maxPendingTraces {
		p.m[taskID] = sc
	}
}

func (p *pendingTraces) take(taskID string) (trace.SpanContext, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	sc, ok := p.m[taskID]
	delete(p.m, taskID)
	return sc, ok
}
