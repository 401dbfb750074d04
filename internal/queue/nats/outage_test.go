package nats_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	natsqueue "github.com/easelhq/easel/internal/queue/nats"
	"github.com/easelhq/easel/internal/queue/queuetest"
)

// TestOutage: a queue survives its server stopping and coming back on the
// same store (streams kept) or a fresh one (streams lost and recreated),
// without being reopened.
func TestOutage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		fresh bool
	}{{"same store", false}, {"fresh store", true}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testOutage(t, tt.fresh)
		})
	}
}

func testOutage(t *testing.T, fresh bool) {
	srv := queuetest.StartServer(t)
	cfg := natsqueue.NewDefaultConfig()
	cfg.URL = srv.URL()
	cfg.AckWait = 2 * time.Second
	cfg.RequestTimeout = 2 * time.Second
	q := open(t, cfg)
	ctx := context.Background()
	task := func(id string) easel.TaskMessage {
		return easel.TaskMessage{TaskID: id, TenantID: "n1", Kind: "render", MessageID: id}
	}

	got := make(chan string, 10)
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- q.ConsumeTasks(cctx, easel.ConsumeOptions{Concurrency: 2}, func(ctx context.Context, m easel.TaskMessage, d easel.Delivery) {
			if err := d.Ack(ctx); err != nil {
				t.Errorf("ack: %v", err)
			}
			got <- m.TaskID
		})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(10 * time.Second):
			t.Error("ConsumeTasks did not return")
		}
	})
	require.NoError(t, q.PublishTask(ctx, task("before")))
	require.Equal(t, "before", receiveID(t, got))

	srv.Stop()
	start := time.Now()
	err := q.PublishTask(ctx, task("during"))
	require.Error(t, err)
	require.Less(t, time.Since(start), 5*time.Second, "publish hung during the outage")
	require.Equal(t, easel.CodeInternal, easel.ErrorCode(err))
	require.Equal(t, "queue unavailable", easel.ErrorMessage(err))
	require.Error(t, q.Ping(ctx))

	if fresh {
		srv.WipeStore()
	}
	srv.Start()
	require.Eventually(t, func() bool {
		return q.PublishTask(ctx, task("after")) == nil
	}, 15*time.Second, 100*time.Millisecond, "publish does not work again after the server came back")
	require.NoError(t, q.Ping(ctx))
	require.Equal(t, "after", receiveID(t, got))
}

func receiveID(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case id := <-ch:
		return id
	case <-time.After(15 * time.Second):
		t.Fatal("no delivery")
		return ""
	}
}

// TestStreamsDeleted: streams deleted under a connected queue are recreated
// by the next publish, and a consumer deleted under it by the consume loop.
// (Deleting them while a consumer runs is not tested: nats-server 2.9 may
// fail a stream recreated while its deletion is still under way.)
func TestStreamsDeleted(t *testing.T) {
	t.Parallel()
	srv := queuetest.StartServer(t)
	cfg := natsqueue.NewDefaultConfig()
	cfg.URL = srv.URL()
	cfg.Prefix = uniquePrefix()
	q := open(t, cfg)
	ctx := context.Background()

	deleteStreams(t, srv.URL(), cfg.Prefix)
	require.NoError(t, q.PublishTask(ctx, easel.TaskMessage{TaskID: "x1", TenantID: "n1", Kind: "render"}))
	require.NoError(t, q.PublishEvent(ctx, easel.Event{ID: "x1.0.0.queued", Type: easel.EventQueued, TaskID: "x1", TenantID: "n1"}))

	nc, err := nats.Connect(srv.URL())
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	require.NoError(t, js.DeleteConsumer(ctx, strings.ToUpper(cfg.Prefix)+"_TASKS", "workers"))

	got := make(chan string, 10)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_ = q.ConsumeTasks(cctx, easel.ConsumeOptions{Concurrency: 1}, func(ctx context.Context, m easel.TaskMessage, d easel.Delivery) {
			_ = d.Ack(ctx)
			got <- m.TaskID
		})
	}()
	require.Equal(t, "x1", receiveID(t, got))
}

// TestReplicas: the streams are created with the configured replicas; a
// single server cannot keep three, and says so at Open.
func TestReplicas(t *testing.T) {
	t.Parallel()
	srv := queuetest.StartServer(t)
	cfg := natsqueue.NewDefaultConfig()
	cfg.URL, cfg.Prefix = srv.URL(), uniquePrefix()
	open(t, cfg)
	nc, err := nats.Connect(srv.URL())
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	for _, name := range []string{"_TASKS", "_EVENTS", "_CALLBACKS"} {
		st, err := js.Stream(context.Background(), strings.ToUpper(cfg.Prefix)+name)
		require.NoError(t, err)
		require.Equal(t, 1, st.CachedInfo().Config.Replicas, name)
	}

	cfg.Prefix, cfg.Replicas, cfg.ConnectTimeout = uniquePrefix(), 3, 3*time.Second
	_, err = natsqueue.Open(context.Background(), cfg, nil)
	require.Error(t, err)
	require.Contains(t, err.Error(), "replicas")
}
