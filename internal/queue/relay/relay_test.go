package relay_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/queue/relay"
)

// fakeOutbox is an in-memory easel.EventOutbox.
type fakeOutbox struct {
	mu      sync.Mutex
	events  []easel.Event
	signal  chan struct{}
	listErr error
}

func newFakeOutbox(es ...easel.Event) *fakeOutbox {
	return &fakeOutbox{events: slices.Clone(es), signal: make(chan struct{}, 1)}
}

func (f *fakeOutbox) UnpublishedEvents(_ context.Context, limit int, _ time.Time) ([]easel.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listErr != nil {
		return nil, f.listErr
	}
	return slices.Clone(f.events[:min(limit, len(f.events))]), nil
}

func (f *fakeOutbox) MarkEventsPublished(_ context.Context, ids []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = slices.DeleteFunc(f.events, func(e easel.Event) bool { return slices.Contains(ids, e.ID) })
	return nil
}

func (f *fakeOutbox) EventsCommitted() <-chan struct{} { return f.signal }

func (f *fakeOutbox) add(es ...easel.Event) {
	f.mu.Lock()
	f.events = append(f.events, es...)
	f.mu.Unlock()
	select {
	case f.signal <- struct{}{}:
	default:
	}
}

func (f *fakeOutbox) left() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.events)
}

// publishFunc is a function-typed relay.Publisher.
type publishFunc func(ctx context.Context, e easel.Event) error

func (p publishFunc) PublishEvent(ctx context.Context, e easel.Event) error { return p(ctx, e) }

// recorder publishes into a slice, failing while down is set.
type recorder struct {
	mu   sync.Mutex
	got  []easel.Event
	down bool
	fail func(e easel.Event) error
}

func (r *recorder) PublishEvent(_ context.Context, e easel.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		return easel.Errorf(easel.CodeInternal, "queue unavailable")
	}
	if r.fail != nil {
		if err := r.fail(e); err != nil {
			return err
		}
	}
	r.got = append(r.got, e)
	return nil
}

func (r *recorder) setDown(v bool) { r.mu.Lock(); r.down = v; r.mu.Unlock() }

func (r *recorder) published() []easel.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func ev(task string, typ easel.EventType) easel.Event {
	return easel.Event{ID: easel.EventID(task, 0, 1, typ), Type: typ, TaskID: task, TenantID: "t1"}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func testConfig() relay.Config {
	c := relay.NewDefaultConfig()
	c.Interval, c.MinBackoff, c.MaxBackoff, c.Batch, c.Concurrency = time.Hour, 10*time.Millisecond, 40*time.Millisecond, 3, 4
	return c
}

func TestFlush(t *testing.T) {
	t.Parallel()
	lifecycle := []easel.EventType{easel.EventAccepted, easel.EventQueued, easel.EventStarted, easel.EventSucceeded}
	var all []easel.Event
	for _, task := range []string{"a", "b", "c"} {
		for _, typ := range lifecycle {
			all = append(all, ev(task, typ))
		}
	}
	tests := []struct {
		name      string
		fail      func(e easel.Event) error
		published int
		left      []string // IDs still in the outbox
		wantErr   bool
	}{
		{name: "all published in batches", published: 12},
		{
			name: "a failure keeps the task's later events",
			fail: func(e easel.Event) error {
				if e.ID == ev("b", easel.EventStarted).ID {
					return errors.New("nats: timeout")
				}
				return nil
			},
			// b's accepted and queued are in the first batches; b's started fails; c waits for the next pass.
			published: 7, left: []string{ev("b", easel.EventStarted).ID, ev("b", easel.EventSucceeded).ID,
				ev("c", easel.EventQueued).ID, ev("c", easel.EventStarted).ID, ev("c", easel.EventSucceeded).ID},
			wantErr: true,
		},
		{
			name: "an event the queue refuses is dropped, not retried forever",
			fail: func(e easel.Event) error {
				if e.ID == ev("a", easel.EventQueued).ID {
					return easel.Errorf(easel.CodeInvalidArgument, "bad token")
				}
				return nil
			},
			published: 12,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			box := newFakeOutbox(all...)
			rec := &recorder{fail: tt.fail}
			r := relay.New(testConfig(), box, rec, quiet())
			n, err := r.Flush(context.Background())
			require.Equal(t, tt.wantErr, err != nil, "%v", err)
			require.Equal(t, tt.published, n)
			var left []string
			for _, e := range box.events {
				left = append(left, e.ID)
			}
			require.Equal(t, tt.left, left)
			// Each task's events were published in order.
			seen := map[string][]easel.EventType{}
			for _, e := range rec.published() {
				seen[e.TaskID] = append(seen[e.TaskID], e.Type)
			}
			for task, types := range seen {
				require.True(t, slices.IsSortedFunc(types, func(a, b easel.EventType) int {
					return slices.Index(lifecycle, a) - slices.Index(lifecycle, b)
				}), "%s: %v", task, types)
			}
		})
	}
}

// TestRunRetriesUntilThePublisherRecovers: events committed while the
// queue is down are published, once each, when it comes back.
func TestRunRetriesUntilThePublisherRecovers(t *testing.T) {
	t.Parallel()
	box := newFakeOutbox()
	rec := &recorder{down: true}
	r := relay.New(testConfig(), box, rec, quiet())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	box.add(ev("a", easel.EventAccepted), ev("a", easel.EventQueued))
	time.Sleep(100 * time.Millisecond) // several failed passes
	require.Equal(t, 2, box.left())
	rec.setDown(false)
	require.Eventually(t, func() bool { return box.left() == 0 }, 5*time.Second, 5*time.Millisecond)
	require.Equal(t, []easel.Event{ev("a", easel.EventAccepted), ev("a", easel.EventQueued)}, rec.published())

	// A commit wakes the relay at once, long before its hour-long poll.
	box.add(ev("b", easel.EventAccepted))
	require.Eventually(t, func() bool { return box.left() == 0 }, 5*time.Second, 5*time.Millisecond)

	// Events committed just before the end are relayed by the last pass.
	box.mu.Lock()
	box.events = append(box.events, ev("c", easel.EventAccepted))
	box.mu.Unlock()
	cancel()
	require.NoError(t, <-done)
	require.Equal(t, 0, box.left())
	require.Len(t, rec.published(), 4)
}

func TestRunSurvivesAnUnreadableOutbox(t *testing.T) {
	t.Parallel()
	box := newFakeOutbox(ev("a", easel.EventAccepted))
	box.listErr = errors.New("database is locked")
	var calls int
	var mu sync.Mutex
	pub := publishFunc(func(context.Context, easel.Event) error { mu.Lock(); calls++; mu.Unlock(); return nil })
	r := relay.New(testConfig(), box, pub, quiet())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	time.Sleep(50 * time.Millisecond)
	box.mu.Lock()
	box.listErr = nil
	box.mu.Unlock()
	require.Eventually(t, func() bool { return box.left() == 0 }, 5*time.Second, 5*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, 1, calls)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	require.NoError(t, relay.NewDefaultConfig().Validate())
	bad := relay.NewDefaultConfig()
	bad.Batch, bad.Interval, bad.MaxBackoff = 0, 0, time.Millisecond
	err := bad.Validate()
	require.ErrorContains(t, err, "interval")
	require.ErrorContains(t, err, "batch 0")
	require.ErrorContains(t, err, "max_backoff")
}
