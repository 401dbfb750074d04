package nats_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	natsqueue "github.com/easelhq/easel/internal/queue/nats"
	"github.com/easelhq/easel/internal/queue/queuetest"
)

// TestUndecodableTerminated: a message that is not a task is terminated,
// never handed to the handler, and does not stop the consumer.
func TestUndecodableTerminated(t *testing.T) {
	t.Parallel()
	srv := queuetest.StartServer(t)
	cfg := natsqueue.NewDefaultConfig()
	cfg.URL, cfg.AckWait = srv.URL(), time.Second
	q := open(t, cfg)
	ctx := context.Background()

	nc, err := nats.Connect(srv.URL())
	require.NoError(t, err)
	defer nc.Close()
	_, err = nc.Request("easel.tasks.default.render", []byte("{not json"), 2*time.Second)
	require.NoError(t, err) // the stream's ack
	require.NoError(t, q.PublishTask(ctx, easel.TaskMessage{TaskID: "ok1", TenantID: "n1", Kind: "render"}))

	got := make(chan string, 10)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_ = q.ConsumeTasks(cctx, easel.ConsumeOptions{Concurrency: 1}, func(ctx context.Context, m easel.TaskMessage, d easel.Delivery) {
			_ = d.Ack(ctx)
			got <- m.TaskID
		})
	}()
	require.Equal(t, "ok1", receiveID(t, got))
	select {
	case id := <-got:
		t.Fatalf("unexpected delivery %q", id)
	case <-time.After(1500 * time.Millisecond): // past AckWait: terminated, not redelivered
	}
}

// TestSlowEventReader: a reader that does not read loses events beyond the
// buffer, and the connection is not blocked.
func TestSlowEventReader(t *testing.T) {
	t.Parallel()
	cfg := natsqueue.NewDefaultConfig()
	cfg.EmbeddedDir = t.TempDir()
	q := open(t, cfg)
	ctx := context.Background()
	events, cancel, err := q.SubscribeEvents(ctx, "n1", "")
	require.NoError(t, err)
	defer cancel()
	const n = 400
	for i := range n {
		require.NoError(t, q.PublishEvent(ctx, easel.Event{ID: "t" + strconv.Itoa(i) + ".0.0.queued", Type: easel.EventQueued, TenantID: "n1", TaskID: "t" + strconv.Itoa(i)}))
	}
	require.NoError(t, q.Ping(ctx)) // not blocked
	count := 0
	for {
		select {
		case <-events:
			count++
			continue
		case <-time.After(300 * time.Millisecond):
		}
		break
	}
	require.Greater(t, count, 0)
	require.Less(t, count, n)
}
