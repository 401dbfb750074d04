package nats_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	natsqueue "github.com/easelhq/easel/internal/queue/nats"
	"github.com/easelhq/easel/internal/queue/queuetest"
)

// TestRegionsConsumeOnlyTheirOwn runs an eu consumer, a us consumer and one
// of both regions on one server (Debian's nats-server 2.9): each task goes
// to a consumer of its region only, a queue of both regions shares its
// concurrency between them, and a single-region consumer left over from
// before is replaced.
func TestRegionsConsumeOnlyTheirOwn(t *testing.T) {
	t.Parallel()
	srv := queuetest.StartServer(t)
	cfg := config(queuetest.Options{AckWait: 5 * time.Second, MaxDeliver: 3})
	cfg.URL = srv.URL()
	cfg.Prefix = uniquePrefix()
	t.Cleanup(func() { deleteStreams(t, srv.URL(), cfg.Prefix) })

	// A single-region installation ran first: its unfiltered consumer and
	// a task it did not take.
	single := open(t, cfg)
	require.NoError(t, single.PublishTask(context.Background(), easel.TaskMessage{TaskID: "early", TenantID: "t", Kind: "render", Region: "eu"}))

	open1 := func(regions ...string) *natsqueue.Queue {
		c := cfg
		c.Regions = regions
		return open(t, c)
	}
	eu, us := open1("eu"), open1("us")
	both := open1("eu", "us")
	require.NoError(t, both.Close())

	type seen struct {
		mu  sync.Mutex
		ids map[string]string
	}
	got := &seen{ids: map[string]string{}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for name, q := range map[string]*natsqueue.Queue{"eu": eu, "us": us} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = q.ConsumeTasks(ctx, easel.ConsumeOptions{Concurrency: 2}, func(ctx context.Context, m easel.TaskMessage, d easel.Delivery) {
				got.mu.Lock()
				got.ids[m.TaskID] = name + "<-" + m.Region
				got.mu.Unlock()
				_ = d.Ack(ctx)
			})
		}()
	}
	want := map[string]string{"early": "eu<-eu"}
	for i, r := range []string{"eu", "us", "eu", "us", "us"} {
		id := "t" + string(rune('a'+i))
		require.NoError(t, eu.PublishTask(context.Background(), easel.TaskMessage{TaskID: id, TenantID: "t", Kind: "render", Region: r}))
		want[id] = r + "<-" + r
	}
	require.Eventually(t, func() bool {
		got.mu.Lock()
		defer got.mu.Unlock()
		return len(got.ids) == len(want)
	}, 15*time.Second, 50*time.Millisecond)
	cancel()
	wg.Wait()
	require.Equal(t, want, got.ids)

	// One queue consuming both regions, with one slot between them.
	bothQ := open1("eu", "us")
	for i, r := range []string{"eu", "us", "eu", "us"} {
		require.NoError(t, bothQ.PublishTask(context.Background(), easel.TaskMessage{TaskID: "b" + string(rune('a'+i)), TenantID: "t", Kind: "render", Region: r}))
	}
	var mu sync.Mutex
	running, peak, n := 0, 0, 0
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = bothQ.ConsumeTasks(ctx, easel.ConsumeOptions{Concurrency: 1}, func(ctx context.Context, m easel.TaskMessage, d easel.Delivery) {
			mu.Lock()
			running++
			peak = max(peak, running)
			mu.Unlock()
			time.Sleep(50 * time.Millisecond)
			mu.Lock()
			running--
			n++
			mu.Unlock()
			_ = d.Ack(ctx)
		})
	}()
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return n == 4 }, 15*time.Second, 50*time.Millisecond)
	cancel()
	<-done
	require.Equal(t, 1, peak, "the regions' loops share the concurrency")
}

func TestRegionsValidated(t *testing.T) {
	cfg := natsqueue.NewDefaultConfig()
	cfg.EmbeddedDir = t.TempDir()
	cfg.Regions = []string{"eu", "bad.region"}
	require.ErrorContains(t, cfg.Validate(), `region "bad.region"`)
}
