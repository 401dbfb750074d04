package nats

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/easelhq/easel"
)

// eventBuffer is how many events a subscription holds for a slow reader
// before it drops new ones; recentIDs how many event IDs it remembers to
// drop copies (a relay that published an event again).
const (
	eventBuffer = 256
	recentIDs   = 4096
)

// SubscribeEvents follows the tenant's events (only taskID's when it is not
// empty) published from now on, over a core NATS subscription. The stream
// drops a copy of an event (same ID) but a core subscription sees it, so
// the subscription drops the IDs it has seen among the last recentIDs. The
// channel is closed by cancel, or when ctx is done. Events that arrive while the
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
	s := &eventSub{ch: make(chan easel.Event, eventBuffer), q: q, seen: map[string]struct{}{}}
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
	seen    map[string]struct{} // the IDs in ring
	ring    []string            // recent IDs, oldest first, at most recentIDs
}

// duplicate reports whether id was seen recently, and remembers it. The
// caller holds mu.
func (s *eventSub) duplicate(id string) bool {
	if id == "" {
		return false
	}
	if _, ok := s.seen[id]; ok {
		return true
	}
	if len(s.ring) == recentIDs {
		delete(s.seen, s.ring[0])
		s.ring = s.ring[1:]
	}
	s.ring = append(s.ring, id)
	s.seen[id] = struct{}{}
	return false
}

func (s *eventSub) receive(m *nats.Msg) {
	var e easel.Event
	if err := json.Unmarshal(m.Data, &e); err != nil {
		s.q.log.Warn("drop undecodable event", "subject", m.Subject, "error", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.duplicate(e.ID) {
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
