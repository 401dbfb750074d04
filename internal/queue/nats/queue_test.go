package nats_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	natsqueue "github.com/easelhq/easel/internal/queue/nats"
	"github.com/easelhq/easel/internal/queue/queuetest"
)

func testLogger(t *testing.T) *slog.Logger {
	w := &tWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// tWriter sends log lines to t.Log until the test's cleanup, and drops
// those of goroutines that outlive it.
type tWriter struct {
	t    *testing.T
	mu   sync.Mutex
	done bool
}

func (w *tWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

// config returns a config for o with the rest at the defaults.
func config(o queuetest.Options) natsqueue.Config {
	cfg := natsqueue.NewDefaultConfig()
	cfg.AckWait, cfg.CallbackAckWait = o.AckWait, o.AckWait
	cfg.MaxDeliver, cfg.CallbackMaxDeliver = o.MaxDeliver, o.MaxDeliver
	cfg.RequestTimeout = 3 * time.Second
	return cfg
}

func open(t *testing.T, cfg natsqueue.Config) *natsqueue.Queue {
	t.Helper()
	q, err := natsqueue.Open(context.Background(), cfg, testLogger(t))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, q.Close()) })
	return q
}

func TestEmbedded(t *testing.T) {
	t.Parallel()
	queuetest.Run(t, func(t *testing.T, o queuetest.Options) (easel.Queue, func() easel.Queue) {
		cfg := config(o)
		cfg.EmbeddedDir = t.TempDir()
		return open(t, cfg), nil
	})
}

func TestExternalProcess(t *testing.T) {
	t.Parallel()
	srv := queuetest.StartServer(t)
	queuetest.Run(t, externalOpener(srv.URL()))
}

// TestSharedServer runs the suite against the server of env
// EASEL_TEST_NATS_URL (in CI, nats://127.0.0.1:4222 by default).
func TestSharedServer(t *testing.T) {
	t.Parallel()
	url := os.Getenv("EASEL_TEST_NATS_URL")
	if url == "" && os.Getenv("CI") == "true" {
		url = "nats://127.0.0.1:4222"
	}
	if url == "" {
		t.Skip("EASEL_TEST_NATS_URL not set")
	}
	nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
	if err != nil {
		queuetest.SkipOrFail(t, "shared NATS server %s unreachable: %v", url, err)
	}
	nc.Close()
	queuetest.Run(t, externalOpener(url))
}

// externalOpener opens queues on the server at url, each test on a prefix
// of its own whose streams it deletes at the end.
func externalOpener(url string) queuetest.OpenFunc {
	return func(t *testing.T, o queuetest.Options) (easel.Queue, func() easel.Queue) {
		cfg := config(o)
		cfg.URL = url
		cfg.Prefix = uniquePrefix()
		t.Cleanup(func() { deleteStreams(t, url, cfg.Prefix) })
		return open(t, cfg), func() easel.Queue { return open(t, cfg) }
	}
}

func uniquePrefix() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return "t" + hex.EncodeToString(b)
}

func deleteStreams(t *testing.T, url, prefix string) {
	nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
	if err != nil {
		t.Logf("delete streams of %s: %v", prefix, err)
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range []string{"TASKS", "EVENTS", "CALLBACKS"} {
		if err := js.DeleteStream(ctx, strings.ToUpper(prefix)+"_"+s); err != nil {
			t.Logf("delete stream: %v", err)
		}
	}
}
