package worker

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/easelhq/easel"
)

// processFunc adapts a function to Processor.
type processFunc func(ctx context.Context, t easel.Task, a easel.Asset, original []byte) ([]Result, error)

func (f processFunc) Process(ctx context.Context, t easel.Task, a easel.Asset, original []byte) ([]Result, error) {
	return f(ctx, t, a, original)
}

// loaderFunc adapts a function to Loader.
type loaderFunc func(ctx context.Context, a easel.Asset) ([]byte, error)

func (f loaderFunc) LoadOriginal(ctx context.Context, a easel.Asset) ([]byte, error) {
	return f(ctx, a)
}

// assetsFunc adapts a function to AssetStore.
type assetsFunc func(ctx context.Context, id string) (easel.Asset, error)

func (f assetsFunc) GetAsset(ctx context.Context, id string) (easel.Asset, error) { return f(ctx, id) }

// putFunc adapts a function to OutputStore.
type putFunc func(ctx context.Context, key string, r io.Reader) error

func (f putFunc) Put(ctx context.Context, key string, r io.Reader) error { return f(ctx, key, r) }

// fakeQueue records callbacks; consume runs ConsumeTasks.
type fakeQueue struct {
	consume func(ctx context.Context, opts easel.ConsumeOptions, handle func(context.Context, easel.TaskMessage, easel.Delivery)) error

	mu        sync.Mutex
	callbacks []easel.CallbackMessage
}

func (q *fakeQueue) ConsumeTasks(ctx context.Context, opts easel.ConsumeOptions, handle func(context.Context, easel.TaskMessage, easel.Delivery)) error {
	return q.consume(ctx, opts, handle)
}

func (q *fakeQueue) PublishCallback(_ context.Context, m easel.CallbackMessage) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.callbacks = append(q.callbacks, m)
	return nil
}

func (q *fakeQueue) published() []easel.CallbackMessage {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]easel.CallbackMessage(nil), q.callbacks...)
}

// memTasks is a TaskStore over a map, with the compare-and-set of the real
// one, and its event outbox: a winning update that changes the state records
// the state's event, as the real stores do in the same transaction.
type memTasks struct {
	mu     sync.Mutex
	tasks  map[string]easel.Task
	dead   []easel.DeadLetter
	events []easel.EventType
}

func newMemTasks(ts ...easel.Task) *memTasks {
	m := &memTasks{tasks: map[string]easel.Task{}}
	for _, t := range ts {
		m.tasks[t.ID] = t
	}
	return m
}

func (m *memTasks) GetTask(_ context.Context, id string) (easel.Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tasks[id]
	if !ok {
		return t, easel.Errorf(easel.CodeNotFound, "task %s not found", id)
	}
	return t, nil
}

func (m *memTasks) UpdateTask(_ context.Context, t easel.Task, from ...easel.TaskState) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.tasks[t.ID]
	if !ok {
		return false, easel.Errorf(easel.CodeNotFound, "task %s not found", t.ID)
	}
	for _, s := range from {
		if cur.State == s {
			m.tasks[t.ID] = t
			if t.State != cur.State || t.Attempts != cur.Attempts {
				m.events = append(m.events, t.State.EventType())
			}
			return true, nil
		}
	}
	return false, nil
}

func (m *memTasks) AddDeadLetter(_ context.Context, d easel.DeadLetter) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dead = append(m.dead, d)
	return nil
}

// recorded returns the events the updates recorded, in order.
func (m *memTasks) recorded() []easel.EventType {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]easel.EventType(nil), m.events...)
}

func (m *memTasks) get(id string) (easel.Task, []easel.DeadLetter) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tasks[id], append([]easel.DeadLetter(nil), m.dead...)
}

// fakeDelivery records how a message ended. ended is closed by the first
// Ack, Nak or Term.
type fakeDelivery struct {
	attempt int
	// onProgress, when set, is called with the count after each InProgress.
	onProgress func(n int)

	mu       sync.Mutex
	progress int
	end      string // "ack", "nak" or "term"
	delay    time.Duration
	ended    chan struct{}
}

func newDelivery(attempt int) *fakeDelivery {
	return &fakeDelivery{attempt: attempt, ended: make(chan struct{})}
}

func (d *fakeDelivery) Attempt() int { return d.attempt }

func (d *fakeDelivery) InProgress(context.Context) error {
	d.mu.Lock()
	d.progress++
	n := d.progress
	d.mu.Unlock()
	if d.onProgress != nil {
		d.onProgress(n)
	}
	return nil
}

func (d *fakeDelivery) finish(how string, delay time.Duration) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.end != "" {
		panic("message ended twice: " + d.end + " then " + how)
	}
	d.end, d.delay = how, delay
	close(d.ended)
	return nil
}

func (d *fakeDelivery) Ack(context.Context) error { return d.finish("ack", 0) }
func (d *fakeDelivery) Nak(_ context.Context, delay time.Duration) error {
	return d.finish("nak", delay)
}
func (d *fakeDelivery) Term(context.Context) error { return d.finish("term", 0) }

func (d *fakeDelivery) result() (string, time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.end, d.delay
}
