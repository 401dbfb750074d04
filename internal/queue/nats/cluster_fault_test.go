package nats_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/queue/queuetest"
)

// TestClusterNodeKilled: while tasks flow (300 published, consumed and
// acked by another queue), the node that leads the tasks stream is killed
// with SIGKILL and restarted 3s later. Every task is delivered and acked,
// none is lost, and the stream stores no second copy of a task (publish
// retries carry the task's Nats-Msg-Id); a task is delivered again only
// when its ack was lost in the failover.
func TestClusterNodeKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("three nats-server processes")
	}
	t.Parallel()
	const n, killAt, downFor = 300, 100, 3 * time.Second
	c := queuetest.StartCluster(t)
	cfg := clusterConfig(c.URLs())
	cfg.AckWait = 5 * time.Second
	pub, work := open(t, cfg), open(t, cfg) // an API and a worker process
	ctx := context.Background()
	tasksStream := strings.ToUpper(cfg.Prefix) + "_TASKS"

	js := jetStream(t, c.URLs())
	info, err := js.Stream(ctx, tasksStream)
	require.NoError(t, err)
	victim := c.Index(info.CachedInfo().Cluster.Leader)
	require.GreaterOrEqual(t, victim, 0, "tasks stream leader %q", info.CachedInfo().Cluster.Leader)

	var mu sync.Mutex
	firsts := map[string]int{} // deliveries with attempt 1: more than one is a stored copy
	deliveries := map[string]int{}
	ackErrs := 0
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- work.ConsumeTasks(cctx, easel.ConsumeOptions{Concurrency: 4, Prefetch: 4},
			func(ctx context.Context, m easel.TaskMessage, d easel.Delivery) {
				time.Sleep(5 * time.Millisecond)
				err := d.Ack(ctx)
				mu.Lock()
				defer mu.Unlock()
				deliveries[m.TaskID]++
				if d.Attempt() == 1 {
					firsts[m.TaskID]++
				}
				if err != nil {
					ackErrs++
				}
			})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(20 * time.Second):
			t.Error("ConsumeTasks did not return")
		}
	})

	// The publisher retries a failed publish with the same message ID, as
	// the task outbox does.
	var (
		failed     int
		maxLatency time.Duration
		stalled    time.Duration // publishes slower than 100ms, summed
		killedAt   time.Time
		recovered  time.Duration // from the kill to the first publish acked after it
		restarted  = make(chan struct{})
	)
	for i := range n {
		if i == killAt {
			killedAt = time.Now()
			c.Stop(victim, syscall.SIGKILL)
			go func() {
				defer close(restarted)
				time.Sleep(downFor)
				c.Restart(victim)
			}()
		}
		id := fmt.Sprintf("k%04d", i)
		m := easel.TaskMessage{TaskID: id, TenantID: "ten1", Kind: easel.TaskRender, MessageID: id}
		start := time.Now()
		for {
			err := pub.PublishTask(ctx, m)
			if err == nil {
				break
			}
			failed++
			t.Logf("publish of %s failed %v after the kill: %v", id, time.Since(killedAt).Round(time.Millisecond), err)
			require.Less(t, time.Since(start), 60*time.Second, "publish of %s never succeeded: %v", id, err)
			time.Sleep(200 * time.Millisecond)
		}
		d := time.Since(start)
		if i == killAt {
			recovered = time.Since(killedAt)
		}
		maxLatency = max(maxLatency, d)
		if d > 100*time.Millisecond {
			stalled += d
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case <-restarted:
	case <-time.After(90 * time.Second):
		t.Fatal("killed node not restarted")
	}

	// Every task delivered; the stream empty and nothing pending: all acked.
	require.Eventually(t, func() bool {
		mu.Lock()
		got := len(deliveries)
		mu.Unlock()
		if got < n {
			return false
		}
		info, err := js.Stream(ctx, tasksStream)
		if err != nil {
			return false
		}
		ci, err := js.Consumer(ctx, tasksStream, "workers")
		if err != nil {
			return false
		}
		return info.CachedInfo().State.Msgs == 0 && ci.CachedInfo().NumPending == 0 && ci.CachedInfo().NumAckPending == 0
	}, 90*time.Second, 250*time.Millisecond, "not every task was delivered and acked")
	time.Sleep(cfg.AckWait + time.Second) // late redeliveries

	// Within the duplicate window the stream, led by whichever node now,
	// still drops every task published again with its ID, those before
	// the kill included.
	for i := range n {
		id := fmt.Sprintf("k%04d", i)
		ack, err := js.Publish(ctx, cfg.Prefix+".tasks.default.render", []byte(`{}`), jetstream.WithMsgID(id))
		require.NoError(t, err)
		require.True(t, ack.Duplicate, "task %s stored again within the duplicate window", id)
	}

	mu.Lock()
	defer mu.Unlock()
	total, again, copies := 0, 0, 0
	for id, k := range deliveries {
		total += k
		again += k - 1
		if firsts[id] > 1 {
			copies++
		}
	}
	t.Logf("killed %s (tasks stream leader) at task %d for %v: %d tasks, %d distinct delivered, %d deliveries, "+
		"%d delivered again, %d stored twice, %d failed acks, %d failed publishes, first publish acked %v after the kill, "+
		"slowest publish %v, publishes over 100ms %v in all",
		c.Name(victim), killAt, downFor, n, len(deliveries), total, again, copies, ackErrs, failed,
		recovered.Round(time.Millisecond), maxLatency.Round(time.Millisecond), stalled.Round(time.Millisecond))
	require.Len(t, deliveries, n, "tasks lost")
	require.Zero(t, copies, "a task was stored twice: the de-duplication window did not hold")
	require.LessOrEqual(t, again, ackErrs+4*4, "more redeliveries than failed acks and in-flight tasks")
}
