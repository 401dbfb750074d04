package nats_test

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	natsqueue "github.com/easelhq/easel/internal/queue/nats"
	"github.com/easelhq/easel/internal/queue/queuetest"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	valid := natsqueue.NewDefaultConfig()
	valid.EmbeddedDir = "/tmp/x"
	tests := []struct {
		name   string
		change func(*natsqueue.Config)
		ok     bool
	}{
		{"defaults with a dir", func(*natsqueue.Config) {}, true},
		{"external", func(c *natsqueue.Config) { c.EmbeddedDir, c.URL = "", "nats://a:4222,nats://b:4222" }, true},
		{"no dir no url", func(c *natsqueue.Config) { c.EmbeddedDir = "" }, false},
		{"dotted prefix", func(c *natsqueue.Config) { c.Prefix = "a.b" }, false},
		{"empty prefix", func(c *natsqueue.Config) { c.Prefix = "" }, false},
		{"port", func(c *natsqueue.Config) { c.EmbeddedPort = -2 }, false},
		{"ack wait", func(c *natsqueue.Config) { c.AckWait = 0 }, false},
		{"max deliver", func(c *natsqueue.Config) { c.MaxDeliver = 0 }, false},
		{"callback max deliver", func(c *natsqueue.Config) { c.CallbackMaxDeliver = 0 }, false},
		{"window over age", func(c *natsqueue.Config) { c.EventsMaxAge = time.Minute }, false},
		{"three replicas on a cluster", func(c *natsqueue.Config) { c.EmbeddedDir, c.URL, c.Replicas = "", "nats://a:4222", 3 }, true},
		{"replicas on the embedded server", func(c *natsqueue.Config) { c.Replicas = 3 }, false},
		{"no replicas", func(c *natsqueue.Config) { c.EmbeddedDir, c.URL, c.Replicas = "", "nats://a:4222", 0 }, false},
		{"too many replicas", func(c *natsqueue.Config) { c.EmbeddedDir, c.URL, c.Replicas = "", "nats://a:4222", 6 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid
			tt.change(&c)
			if tt.ok {
				require.NoError(t, c.Validate())
			} else {
				require.Error(t, c.Validate())
			}
		})
	}
}

// TestEmbeddedDurable: a message published before Close is delivered by a
// queue reopened on the same directory, and Close is idempotent.
func TestEmbeddedDurable(t *testing.T) {
	t.Parallel()
	cfg := natsqueue.NewDefaultConfig()
	cfg.EmbeddedDir = t.TempDir()
	ctx := context.Background()
	q, err := natsqueue.Open(ctx, cfg, testLogger(t))
	require.NoError(t, err)
	require.NoError(t, q.PublishTask(ctx, easel.TaskMessage{TaskID: "t1", TenantID: "n1", Kind: "render"}))
	require.NoError(t, q.Close())
	require.NoError(t, q.Close())
	require.Error(t, q.Ping(ctx))
	require.Error(t, q.PublishTask(ctx, easel.TaskMessage{TaskID: "t2", TenantID: "n1", Kind: "render"}))

	q = open(t, cfg)
	got := make(chan easel.TaskMessage, 1)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_ = q.ConsumeTasks(cctx, easel.ConsumeOptions{Concurrency: 1}, func(ctx context.Context, m easel.TaskMessage, d easel.Delivery) {
			_ = d.Ack(ctx)
			got <- m
		})
	}()
	select {
	case m := <-got:
		require.Equal(t, "t1", m.TaskID)
	case <-time.After(5 * time.Second):
		t.Fatal("message lost across a restart of the embedded server")
	}
}

// TestEmbeddedPort: with a port, the embedded server serves other clients.
func TestEmbeddedPort(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())

	cfg := natsqueue.NewDefaultConfig()
	cfg.EmbeddedDir, cfg.EmbeddedPort = t.TempDir(), port
	q := open(t, cfg)
	require.NoError(t, q.Ping(context.Background()))

	cfg2 := natsqueue.NewDefaultConfig()
	cfg2.URL = "nats://127.0.0.1:" + strconv.Itoa(port)
	q2 := open(t, cfg2)
	require.NoError(t, q2.Ping(context.Background()))
}

// TestOpenFailsFast: no server, no hang.
func TestOpenFailsFast(t *testing.T) {
	t.Parallel()
	srv := queuetest.StartServer(t)
	srv.Stop()
	cfg := natsqueue.NewDefaultConfig()
	cfg.URL, cfg.ConnectTimeout = srv.URL(), time.Second
	start := time.Now()
	_, err := natsqueue.Open(context.Background(), cfg, testLogger(t))
	require.Error(t, err)
	require.Less(t, time.Since(start), 3*time.Second)
	require.Equal(t, easel.CodeInternal, easel.ErrorCode(err))
}
