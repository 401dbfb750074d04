package nats

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/easelhq/easel"
)

// eventBuffer is how many events a subscription holds for a slow reader
// before it drops new ones.
const eventBuffer = 256

// SubscribeEvents follows the tenant's events (only taskID's when it is not
// empty) published from now on, over a core NATS subscription. The channel
// is closed by cancel, or when ctx is done. Events that arrive while the
// buffer is full are dropped (and logged once): a slow reader never blocks
// the connection.
func (q *Queue) SubscribeEvents(ctx context.Context, tenantID, taskID string) (<-chan easel.Event, func(), error) {
	task := taskID
	if task == "" {
		task = "*"
	} else if err := checkTokens("task", taskID); err != nil {
		return nil, nil, err
	}
	if err := checkTokens("tenant", tenantID); err != nil {
		return nil, nil, err
	}
	if err := q.available(); err != nil {
		return nil, nil, err
	}
	s := &eventSub{ch: make(chan easel.Event, eventBuffer), q: q}
	sub, err := q.nc.Subscribe(q.eventSubject(tenantID, task, "*"), s.receive)
	if err != nil {
		return nil, nil, unavailable(err)
	}
	s.sub = sub
	// Make sure the server has the subscription before returning, so that
	// "from now on" holds for publishers on other connections too.
	rctx, rcancel := q.requestCtx(ctx)
	defer rcancel()
	if err := q.nc.FlushWithContext(rctx); err != nil {
		s.cancel()
		return nil, nil, unavailable(err)
	}
	stop := context.AfterFunc(ctx, s.cancel)
	return s.ch, func() { stop(); s.cancel() }, nil
}

// eventSub is one subscription of SubscribeEvents.
type eventSub struct {
	q       *Queue
	sub     *nats.Subscription
	mu      sync.Mutex // guards closed and ch against a concurrent receive
	ch      chan easel.Event
	closed  bool
	dropped bool
	once    sync.Once
}

func (s *eventSub) receive(m *nats.Msg) {
	var e easel.Event
	if err := json.Unmarshal(m.Data, &e); err != nil {
		s.q.log.Warn("drop undecodable event", "subject", m.Subject, "error", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	select {
	case s.ch <- e:
		s.dropped = false
	default:
		if !s.dropped {
			s.q.log.Warn("event subscriber too slow: dropping events", "subject", m.Subject)
			s.dropped = true
		}
	}
}

func (s *eventSub) cancel() {
	s.once.Do(func() {
		if s.sub != nil {
			_ = s.sub.Unsubscribe()
		}
		s.mu.Lock()
		s.closed = true
		close(s.ch)
		s.mu.Unlock()
	})
}
