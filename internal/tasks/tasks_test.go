package tasks

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/meta/sqlite"
	"github.com/easelhq/easel/transform"
)

// fakeQueue is an easel.Queue whose PublishTask is a function; it records
// task messages.
type fakeQueue struct {
	easel.Queue // the methods the use case must not call panic
	publish     func(m easel.TaskMessage) error

	mu       sync.Mutex
	messages []easel.TaskMessage
	traces   []trace.SpanContext // of each published message's context
}

func (q *fakeQueue) PublishTask(ctx context.Context, m easel.TaskMessage) error {
	if err := q.publish(m); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.messages = append(q.messages, m)
	q.traces = append(q.traces, trace.SpanContextFromContext(ctx))
	return nil
}

// signerFunc adapts a function to Signer.
type signerFunc func(ctx context.Context, tenantID, ops, assetID, ext string) (string, error)

func (f signerFunc) SignPath(ctx context.Context, tenantID, ops, assetID, ext string) (string, error) {
	return f(ctx, tenantID, ops, assetID, ext)
}

type bundle struct {
	tasks   *Tasks
	batches *Batches
	store   *sqlite.Store
	queue   *fakeQueue
	tenant  string
	asset   string
	checked []string // callback URLs checked
}

func setup(t *testing.T) *bundle {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "easel.db"), BusyTimeout: 5 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	tenant := easel.Tenant{ID: easel.NewID(), Name: "t", CreatedAt: time.Now()}
	require.NoError(t, store.CreateTenant(ctx, tenant))
	asset := easel.Asset{ID: easel.NewID(), TenantID: tenant.ID, SHA256: strings.Repeat("a", 64), Format: "png", Width: 1, Height: 1, Pages: 1, Bytes: 1, CreatedAt: time.Now()}
	require.NoError(t, store.CreateAsset(ctx, asset))
	b := &bundle{store: store, queue: &fakeQueue{publish: func(easel.TaskMessage) error { return nil }}, tenant: tenant.ID, asset: asset.ID}
	b.tasks = New(Config{
		Presets: map[string]transform.Options{"small": {Width: 10, Format: transform.FormatPNG}},
		MaxOps:  3, MaxBatch: 4,
		CheckCallbackURL: func(u string) error {
			b.checked = append(b.checked, u)
			if strings.Contains(u, "127.0.0.1") {
				return easel.Errorf(easel.CodeInvalidArgument, "callback_url: loopback")
			}
			return nil
		},
		OutboxInterval: time.Hour,
	}, store, store, b.queue, signerFunc(func(_ context.Context, _, ops, assetID, _ string) (string, error) {
		return "/i/sig/" + ops + "/" + assetID, nil
	}), slog.New(slog.DiscardHandler))
	b.batches = NewBatches(b.tasks)
	return b
}

func TestSubmit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		req      func(b *bundle) Request
		wantCode easel.Code
		wantOps  []string
	}{
		{"canonical operations", func(b *bundle) Request { return Request{AssetID: b.asset, Ops: []string{"f_png,w_20", "t_small"}} }, "", []string{"w_20,f_png", "w_10,f_png"}},
		{"no operations", func(b *bundle) Request { return Request{AssetID: b.asset} }, easel.CodeInvalidArgument, nil},
		{"too many operations", func(b *bundle) Request { return Request{AssetID: b.asset, Ops: []string{"w_1", "w_2", "w_3", "w_4"}} }, easel.CodeInvalidArgument, nil},
		{"f_auto", func(b *bundle) Request { return Request{AssetID: b.asset, Ops: []string{"w_1,f_auto"}} }, easel.CodeInvalidArgument, nil},
		{"the original", func(b *bundle) Request { return Request{AssetID: b.asset, Ops: []string{"-"}} }, easel.CodeInvalidArgument, nil},
		{"bad region", func(b *bundle) Request { return Request{AssetID: b.asset, Ops: []string{"w_1"}, Region: "EU!"} }, easel.CodeInvalidArgument, nil},
		{"refused callback", func(b *bundle) Request {
			return Request{AssetID: b.asset, Ops: []string{"w_1"}, CallbackURL: "http://127.0.0.1/hook"}
		}, easel.CodeInvalidArgument, nil},
		{"unknown asset", func(b *bundle) Request { return Request{AssetID: easel.NewID(), Ops: []string{"w_1"}} }, easel.CodeNotFound, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			v, err := b.tasks.Submit(context.Background(), b.tenant, SubmitRequest{Task: tt.req(b)})
			require.Equal(t, tt.wantCode, easel.ErrorCode(err), "%v", err)
			if tt.wantCode != "" {
				require.Empty(t, b.queue.messages, "nothing published")
				return
			}
			require.Equal(t, tt.wantOps, v.Ops)
			require.Equal(t, easel.TaskQueued, v.State)
			require.Equal(t, []easel.TaskMessage{{TaskID: v.ID, TenantID: b.tenant, Kind: easel.TaskRender, MessageID: v.ID}}, b.queue.messages)
			// The store recorded the task's events with its states (the
			// event outbox): accepted, then queued.
			events, err := b.store.UnpublishedEvents(context.Background(), 10, time.Now())
			require.NoError(t, err)
			require.Len(t, events, 2)
			require.Equal(t, []easel.EventType{easel.EventAccepted, easel.EventQueued}, []easel.EventType{events[0].Type, events[1].Type})
			stored, err := b.store.GetTask(context.Background(), v.ID)
			require.NoError(t, err)
			require.Equal(t, easel.TaskQueued, stored.State)
		})
	}
}

func TestSubmitWhileTheQueueIsDownThenRelay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	down := true
	b.queue.publish = func(easel.TaskMessage) error {
		if down {
			return errors.New("queue down")
		}
		return nil
	}
	v, err := b.tasks.Submit(ctx, b.tenant, SubmitRequest{Task: Request{AssetID: b.asset, Ops: []string{"w_1"}}})
	require.NoError(t, err, "accepted although the queue is down")
	require.Equal(t, easel.TaskAccepted, v.State)

	down = false
	b.tasks.relay(ctx)
	stored, err := b.store.GetTask(ctx, v.ID)
	require.NoError(t, err)
	require.Equal(t, easel.TaskQueued, stored.State)
	require.Len(t, b.queue.messages, 1)
}

// TestRelayKeepsTheTrace: a task the outbox relay publishes later is
// published in the trace of the request that submitted it.
func TestRelayKeepsTheTrace(t *testing.T) {
	t.Parallel()
	b := setup(t)
	down := true
	b.queue.publish = func(easel.TaskMessage) error {
		if down {
			return errors.New("queue down")
		}
		return nil
	}
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
	v, err := b.tasks.Submit(trace.ContextWithSpanContext(context.Background(), sc), b.tenant,
		SubmitRequest{Task: Request{AssetID: b.asset, Ops: []string{"w_1"}}})
	require.NoError(t, err)
	require.Equal(t, easel.TaskAccepted, v.State)

	down = false
	b.tasks.relay(context.Background())
	require.Len(t, b.queue.traces, 1)
	require.Equal(t, tid, b.queue.traces[0].TraceID())
	require.Equal(t, sid, b.queue.traces[0].SpanID())
	_, kept := b.tasks.traces.take(v.ID)
	require.False(t, kept, "taken once published")
}

func TestBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	res, err := b.batches.Submit(ctx, b.tenant, BatchRequest{
		Items:       []Request{{AssetID: b.asset, Ops: []string{"w_1"}}, {AssetID: b.asset, Ops: []string{"w_2"}, CallbackURL: "https://own.test/"}},
		CallbackURL: "https://default.test/",
	})
	require.NoError(t, err)
	require.Len(t, res.TaskIDs, 2)
	require.Equal(t, map[easel.TaskState]int{easel.TaskQueued: 2}, res.Batch.Counts)
	require.Equal(t, []string{"https://default.test/", "https://own.test/"}, b.checked, "each item checked once, the default filled in")
	first, err := b.store.GetTask(ctx, res.TaskIDs[0])
	require.NoError(t, err)
	require.Equal(t, "https://default.test/", first.CallbackURL)
	require.Equal(t, res.Batch.ID, first.BatchID)

	got, err := b.batches.Get(ctx, b.tenant, res.Batch.ID)
	require.NoError(t, err)
	require.Equal(t, 2, got.Total)
	require.False(t, got.Done)
	_, err = b.batches.Get(ctx, easel.NewID(), res.Batch.ID)
	require.Equal(t, easel.CodeNotFound, easel.ErrorCode(err), "another tenant's batch")

	for name, req := range map[string]BatchRequest{
		"empty":         {},
		"too many":      {Items: make([]Request, 5)},
		"invalid item":  {Items: []Request{{AssetID: b.asset, Ops: []string{"w_1"}}, {AssetID: b.asset, Ops: []string{"nope_1"}}}},
		"missing asset": {Items: []Request{{AssetID: b.asset, Ops: []string{"w_1"}}, {AssetID: easel.NewID(), Ops: []string{"w_1"}}}},
	} {
		before := len(b.queue.messages)
		_, err := b.batches.Submit(ctx, b.tenant, req)
		require.Error(t, err, name)
		require.Len(t, b.queue.messages, before, "%s: nothing published", name)
		if strings.HasPrefix(name, "invalid") || strings.HasPrefix(name, "missing") {
			require.Contains(t, easel.ErrorMessage(err), "items[1]", name)
		}
	}
}

func TestViewAndRetry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	v, err := b.tasks.Submit(ctx, b.tenant, SubmitRequest{Task: Request{AssetID: b.asset, Ops: []string{"w_1"}}})
	require.NoError(t, err)
	_, err = b.tasks.Retry(ctx, b.tenant, v.ID)
	require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err), "only a dead task can be retried")

	dead := v.Task
	now := time.Now().UTC()
	dead.State, dead.Attempts, dead.FinishedAt = easel.TaskDead, 5, &now
	dead.Error = &easel.TaskError{Stage: "process", Code: easel.CodeInternal, Message: "boom"}
	dead.Outputs = []easel.TaskOutput{{Ops: "w_1", Key: "k"}}
	ok, err := b.store.UpdateTask(ctx, dead, easel.TaskQueued)
	require.NoError(t, err)
	require.True(t, ok)

	got, err := b.tasks.Get(ctx, b.tenant, v.ID)
	require.NoError(t, err)
	require.Equal(t, []OutputView{{TaskOutput: easel.TaskOutput{Ops: "w_1", Key: "k"}, URL: "/i/sig/w_1/" + b.asset}}, got.Outputs)
	_, err = b.tasks.Get(ctx, easel.NewID(), v.ID)
	require.Equal(t, easel.CodeNotFound, easel.ErrorCode(err), "another tenant's task")

	retried, err := b.tasks.Retry(ctx, b.tenant, v.ID)
	require.NoError(t, err)
	require.Equal(t, easel.TaskQueued, retried.State)
	require.Zero(t, retried.Attempts)
	require.Nil(t, retried.Error)
	require.Equal(t, v.ID+".1", b.queue.messages[len(b.queue.messages)-1].MessageID, "a new generation, not a duplicate")
}
