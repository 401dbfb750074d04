package worker

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

// bundle is a Worker over fakes, with the one task it works on.
type bundle struct {
	w      *Worker
	queue  *fakeQueue
	tasks  *memTasks
	task   easel.Task
	stored map[string][]byte
	mu     sync.Mutex
}

func setup(t *testing.T, cfg Config, process processFunc) *bundle {
	t.Helper()
	if cfg.MaxDeliver == 0 {
		cfg.MaxDeliver = 3
	}
	if cfg.Backoff == nil {
		cfg.Backoff = []time.Duration{time.Second, 10 * time.Second}
	}
	if cfg.TaskTimeout == 0 {
		cfg.TaskTimeout = 10 * time.Second
	}
	if cfg.AckWait == 0 {
		cfg.AckWait = time.Minute
	}
	if cfg.DrainTimeout == 0 {
		cfg.DrainTimeout = 10 * time.Second
	}
	asset := easel.Asset{ID: easel.NewID(), TenantID: "tenant"}
	task := easel.Task{ID: easel.NewID(), TenantID: "tenant", AssetID: asset.ID, Kind: easel.TaskRender, Ops: []string{"w_10"},
		State: easel.TaskQueued, CallbackURL: "https://example.test/hook", UpdatedAt: time.Now()}
	b := &bundle{queue: &fakeQueue{}, tasks: newMemTasks(task), task: task, stored: map[string][]byte{}}
	b.w = New(cfg, Deps{
		Queue: b.queue,
		Tasks: b.tasks,
		Assets: assetsFunc(func(_ context.Context, id string) (easel.Asset, error) {
			if id != asset.ID {
				return easel.Asset{}, easel.Errorf(easel.CodeNotFound, "asset %s not found", id)
			}
			return asset, nil
		}),
		Blobs: putFunc(func(_ context.Context, key string, r io.Reader) error {
			data, err := io.ReadAll(r)
			b.mu.Lock()
			b.stored[key] = data
			b.mu.Unlock()
			return err
		}),
		Loader:     loaderFunc(func(context.Context, easel.Asset) ([]byte, error) { return []byte("original"), nil }),
		Processors: map[string]Processor{easel.TaskRender: process},
	})
	return b
}

func (b *bundle) message() easel.TaskMessage {
	return easel.TaskMessage{TaskID: b.task.ID, TenantID: b.task.TenantID, Kind: b.task.Kind, MessageID: b.task.MessageID()}
}

// deliver hands the task's message to the worker as delivery number attempt
// and returns how the worker ended it.
func (b *bundle) deliver(t *testing.T, attempt int) *fakeDelivery {
	t.Helper()
	d := newDelivery(attempt)
	b.w.handle(context.Background(), b.message(), d)
	return d
}

func succeed(_ context.Context, t easel.Task, a easel.Asset, original []byte) ([]Result, error) {
	return []Result{{Ops: t.Ops[0], Key: easel.VariantKey(a.ID, t.Ops[0]), Data: append([]byte("out:"), original...), Format: "png", Width: 10, Height: 5}}, nil
}

func TestSuccessStoresRecordsAnnounces(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{}, succeed)
	d := b.deliver(t, 1)
	end, _ := d.result()
	require.Equal(t, "ack", end)
	task, dead := b.tasks.get(b.task.ID)
	require.Equal(t, easel.TaskSucceeded, task.State)
	require.Equal(t, 1, task.Attempts)
	require.Empty(t, dead)
	key := easel.VariantKey(b.task.AssetID, "w_10")
	require.Equal(t, []easel.TaskOutput{{Ops: "w_10", Key: key, Format: "png", Width: 10, Height: 5, Bytes: 12}}, task.Outputs)
	require.Equal(t, []byte("out:original"), b.stored[key])
	events, callbacks := b.tasks.recorded(), b.queue.published()
	require.Equal(t, []easel.EventType{easel.EventStarted, easel.EventSucceeded}, events)
	require.Equal(t, []easel.CallbackMessage{{TaskID: b.task.ID, TenantID: "tenant", Event: easel.EventSucceeded}}, callbacks)

	// A redelivery of the finished task is acknowledged without work.
	d = b.deliver(t, 2)
	end, _ = d.result()
	require.Equal(t, "ack", end)
	require.Len(t, b.tasks.recorded(), 2, "no state change, no event")
}

func TestFailures(t *testing.T) {
	t.Parallel()
	transient := errors.New("disk on fire")
	tests := []struct {
		name      string
		err       error
		attempt   int
		wantEnd   string
		wantDelay time.Duration
		wantState easel.TaskState
		wantCode  easel.Code
		wantEvent easel.EventType
	}{
		{"transient first attempt naks with the first delay", transient, 1, "nak", time.Second, easel.TaskRetrying, easel.CodeInternal, easel.EventRetrying},
		{"transient second attempt naks with the second delay", transient, 2, "nak", 10 * time.Second, easel.TaskRetrying, easel.CodeInternal, easel.EventRetrying},
		{"transient last attempt is dead", transient, 3, "term", 0, easel.TaskDead, easel.CodeInternal, easel.EventDead},
		{"invalid argument is dead at once", easel.Errorf(easel.CodeInvalidArgument, "bad ops"), 1, "term", 0, easel.TaskDead, easel.CodeInvalidArgument, easel.EventDead},
		{"unsupported media is dead at once", easel.Errorf(easel.CodeUnsupportedMedia, "not an image"), 1, "term", 0, easel.TaskDead, easel.CodeUnsupportedMedia, easel.EventDead},
		{"too large is dead at once", easel.Errorf(easel.CodeTooLarge, "huge"), 1, "term", 0, easel.TaskDead, easel.CodeTooLarge, easel.EventDead},
		{"overloaded is retried", easel.Errorf(easel.CodeOverloaded, "busy"), 1, "nak", time.Second, easel.TaskRetrying, easel.CodeOverloaded, easel.EventRetrying},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, Config{MaxDeliver: 3}, func(context.Context, easel.Task, easel.Asset, []byte) ([]Result, error) {
				return nil, tt.err
			})
			d := b.deliver(t, tt.attempt)
			end, delay := d.result()
			require.Equal(t, tt.wantEnd, end)
			require.Equal(t, tt.wantDelay, delay)
			task, dead := b.tasks.get(b.task.ID)
			require.Equal(t, tt.wantState, task.State)
			require.NotNil(t, task.Error)
			require.Equal(t, tt.wantCode, task.Error.Code)
			require.Equal(t, stageProcess, task.Error.Stage)
			events, callbacks := b.tasks.recorded(), b.queue.published()
			require.Equal(t, []easel.EventType{easel.EventStarted, tt.wantEvent}, events)
			if tt.wantState == easel.TaskDead {
				require.Len(t, dead, 1)
				require.Equal(t, *task.Error, dead[0].Error)
				require.Equal(t, []easel.CallbackMessage{{TaskID: b.task.ID, TenantID: "tenant", Event: easel.EventDead}}, callbacks)
				require.NotNil(t, task.FinishedAt)
			} else {
				require.Empty(t, dead)
				require.Empty(t, callbacks, "no callback before the task is final")
			}
		})
	}
}

func TestBackoffLastDelayRepeats(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{MaxDeliver: 10, Backoff: []time.Duration{time.Second, 3 * time.Second}}, nil)
	for attempt, want := range map[int]time.Duration{0: time.Second, 1: time.Second, 2: 3 * time.Second, 7: 3 * time.Second} {
		require.Equal(t, want, b.w.backoff(attempt), "attempt %d", attempt)
	}
}

func TestMissingTaskIsDropped(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{}, succeed)
	d := newDelivery(1)
	b.w.handle(context.Background(), easel.TaskMessage{TaskID: easel.NewID(), Kind: easel.TaskRender}, d)
	end, _ := d.result()
	require.Equal(t, "term", end)
}

func TestOlderGenerationIsAcked(t *testing.T) {
	t.Parallel()
	processed := false
	b := setup(t, Config{}, func(ctx context.Context, t easel.Task, a easel.Asset, o []byte) ([]Result, error) {
		processed = true
		return succeed(ctx, t, a, o)
	})
	m := b.message()
	m.MessageID = b.task.ID + ".7" // not the task's current generation
	d := newDelivery(1)
	b.w.handle(context.Background(), m, d)
	end, _ := d.result()
	require.Equal(t, "ack", end)
	require.False(t, processed)
}

func TestHeartbeatKeepsTheMessage(t *testing.T) {
	t.Parallel()
	beats := make(chan struct{})
	var once sync.Once
	b := setup(t, Config{AckWait: 30 * time.Millisecond}, func(ctx context.Context, t easel.Task, a easel.Asset, o []byte) ([]Result, error) {
		select {
		case <-beats: // the processor ends only once two heartbeats went out
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return succeed(ctx, t, a, o)
	})
	d := newDelivery(1)
	d.onProgress = func(n int) {
		if n >= 2 {
			once.Do(func() { close(beats) })
		}
	}
	b.w.handle(context.Background(), b.message(), d)
	end, _ := d.result()
	require.Equal(t, "ack", end)
	d.mu.Lock()
	require.GreaterOrEqual(t, d.progress, 2)
	d.mu.Unlock()
}

// consumeOne is a ConsumeTasks that hands one message to handle and, like
// the real one, returns once ctx is done and the handler has returned.
func consumeOne(m easel.TaskMessage, d easel.Delivery, started chan<- struct{}) func(context.Context, easel.ConsumeOptions, func(context.Context, easel.TaskMessage, easel.Delivery)) error {
	return func(ctx context.Context, _ easel.ConsumeOptions, handle func(context.Context, easel.TaskMessage, easel.Delivery)) error {
		done := make(chan struct{})
		go func() {
			defer close(done)
			close(started)
			handle(ctx, m, d)
		}()
		<-ctx.Done()
		<-done
		return nil
	}
}

func TestDrain(t *testing.T) {
	t.Parallel()
	t.Run("a task that finishes within the drain timeout is acked", func(t *testing.T) {
		t.Parallel()
		release := make(chan struct{})
		b := setup(t, Config{DrainTimeout: 10 * time.Second}, func(ctx context.Context, t easel.Task, a easel.Asset, o []byte) ([]Result, error) {
			<-release
			return succeed(ctx, t, a, o)
		})
		d := newDelivery(1)
		started := make(chan struct{})
		b.queue.consume = consumeOne(b.message(), d, started)
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan error, 1)
		go func() { ran <- b.w.Run(ctx) }()
		<-started
		cancel() // SIGTERM while the task runs
		close(release)
		require.NoError(t, <-ran)
		end, _ := d.result()
		require.Equal(t, "ack", end)
		task, _ := b.tasks.get(b.task.ID)
		require.Equal(t, easel.TaskSucceeded, task.State)
	})
	t.Run("a task still running at the drain timeout goes back to the queue", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{DrainTimeout: 50 * time.Millisecond}, func(ctx context.Context, _ easel.Task, _ easel.Asset, _ []byte) ([]Result, error) {
			<-ctx.Done() // runs until cancelled
			return nil, ctx.Err()
		})
		d := newDelivery(1)
		started := make(chan struct{})
		b.queue.consume = consumeOne(b.message(), d, started)
		ctx, cancel := context.WithCancel(context.Background())
		ran := make(chan error, 1)
		go func() { ran <- b.w.Run(ctx) }()
		<-started
		cancel()
		require.NoError(t, <-ran)
		end, delay := d.result()
		require.Equal(t, "nak", end)
		require.Zero(t, delay, "given back at once, for another worker")
		task, dead := b.tasks.get(b.task.ID)
		require.Nil(t, task.Error, "not the task's fault")
		require.Empty(t, dead)
		events := b.tasks.recorded()
		require.NotContains(t, events, easel.EventRetrying)
		require.NotContains(t, events, easel.EventDead)
	})
}

func TestStoreFailureIsRetried(t *testing.T) {
	t.Parallel()
	b := setup(t, Config{}, succeed)
	b.w.blobs = putFunc(func(context.Context, string, io.Reader) error { return errors.New("disk full") })
	d := b.deliver(t, 1)
	end, _ := d.result()
	require.Equal(t, "nak", end)
	task, _ := b.tasks.get(b.task.ID)
	require.Equal(t, easel.TaskRetrying, task.State)
	require.Equal(t, stageStore, task.Error.Stage)
	require.NotContains(t, task.Error.Message, "disk full", "causes stay in the logs")
}
