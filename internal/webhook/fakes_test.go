package webhook_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/easelhq/easel"
)

// outcome is how a fake delivery ended: "ack", "term", or "nak" with a delay.
type outcome struct {
	Kind  string
	Delay time.Duration
}

// fakeQueue is an in-memory callback queue. A Nak'ed message comes back at
// once (the delay is only recorded) with its attempt number increased.
// Only the callback methods are implemented.
type fakeQueue struct {
	easel.Queue

	msgs     chan queued
	mu       sync.Mutex
	outcomes []outcome
	finished chan easel.CallbackMessage // a message was Ack'ed or Term'ed
}

type queued struct {
	m       easel.CallbackMessage
	attempt int
}

func newFakeQueue() *fakeQueue {
	return &fakeQueue{msgs: make(chan queued, 16), finished: make(chan easel.CallbackMessage, 16)}
}

func (q *fakeQueue) PublishCallback(_ context.Context, m easel.CallbackMessage) error {
	q.msgs <- queued{m: m, attempt: 1}
	return nil
}

func (q *fakeQueue) ConsumeCallbacks(ctx context.Context, _ easel.ConsumeOptions, handle func(context.Context, easel.CallbackMessage, easel.Delivery)) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case it := <-q.msgs:
			d := &fakeDelivery{q: q, it: it}
			handle(ctx, it.m, d)
			if !d.ended {
				d.end(outcome{Kind: "nak"})
			}
		}
	}
}

func (q *fakeQueue) Outcomes() []outcome {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]outcome(nil), q.outcomes...)
}

// fakeDelivery records how its message ended into the queue.
type fakeDelivery struct {
	q     *fakeQueue
	it    queued
	ended bool
}

func (d *fakeDelivery) Attempt() int                     { return d.it.attempt }
func (d *fakeDelivery) InProgress(context.Context) error { return nil }
func (d *fakeDelivery) Ack(context.Context) error        { return d.end(outcome{Kind: "ack"}) }
func (d *fakeDelivery) Term(context.Context) error       { return d.end(outcome{Kind: "term"}) }
func (d *fakeDelivery) Nak(_ context.Context, delay time.Duration) error {
	return d.end(outcome{Kind: "nak", Delay: delay})
}

func (d *fakeDelivery) end(o outcome) error {
	if d.ended {
		return fmt.Errorf("delivery already ended")
	}
	d.ended = true
	d.q.mu.Lock()
	d.q.outcomes = append(d.q.outcomes, o)
	d.q.mu.Unlock()
	if o.Kind == "nak" {
		d.q.msgs <- queued{m: d.it.m, attempt: d.it.attempt + 1}
	} else {
		d.q.finished <- d.it.m
	}
	return nil
}

// fakeTaskStore keeps tasks, deliveries and secrets in memory. Only the
// methods the dispatcher uses are implemented.
type fakeTaskStore struct {
	easel.TaskStore

	mu         sync.Mutex
	tasks      map[string]easel.Task
	deliveries []easel.CallbackDelivery
	secrets    map[string][]byte
}

func newFakeTaskStore() *fakeTaskStore {
	return &fakeTaskStore{tasks: map[string]easel.Task{}, secrets: map[string][]byte{}}
}

func (s *fakeTaskStore) GetTask(_ context.Context, id string) (easel.Task, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[id]
	if !ok {
		return easel.Task{}, easel.Errorf(easel.CodeNotFound, "task %s not found", id)
	}
	return t, nil
}

func (s *fakeTaskStore) UpdateTask(_ context.Context, t easel.Task, from ...easel.TaskState) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.tasks[t.ID]
	if !ok {
		return false, easel.Errorf(easel.CodeNotFound, "task %s not found", t.ID)
	}
	for _, st := range from {
		if cur.State == st {
			s.tasks[t.ID] = t
			return true, nil
		}
	}
	return false, nil
}

func (s *fakeTaskStore) AddCallbackDelivery(_ context.Context, d easel.CallbackDelivery) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliveries = append(s.deliveries, d)
	return nil
}

func (s *fakeTaskStore) ListCallbackDeliveries(_ context.Context, taskID string) ([]easel.CallbackDelivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []easel.CallbackDelivery
	for _, d := range s.deliveries {
		if d.TaskID == taskID {
			out = append(out, d)
		}
	}
	return out, nil
}

func (s *fakeTaskStore) WebhookSecret(_ context.Context, tenantID string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.secrets[tenantID]
	if !ok {
		return nil, easel.Errorf(easel.CodeNotFound, "no webhook secret for tenant %s", tenantID)
	}
	return b, nil
}

var (
	_ easel.Queue     = (*fakeQueue)(nil)
	_ easel.Delivery  = (*fakeDelivery)(nil)
	_ easel.TaskStore = (*fakeTaskStore)(nil)
)
