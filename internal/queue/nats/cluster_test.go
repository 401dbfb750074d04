package nats_test

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	natsqueue "github.com/easelhq/easel/internal/queue/nats"
	"github.com/easelhq/easel/internal/queue/queuetest"
)

// TestCluster runs the conformance suite against a three-node JetStream
// cluster (nats-server v2.15) with every stream on three replicas, the
// queue given all three URLs.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("three nats-server processes")
	}
	t.Parallel()
	c := queuetest.StartCluster(t)
	urls := c.URLs()
	queuetest.Run(t, func(t *testing.T, o queuetest.Options) (easel.Queue, func() easel.Queue) {
		cfg := clusterConfig(urls)
		cfg.AckWait, cfg.CallbackAckWait = o.AckWait, o.AckWait
		cfg.MaxDeliver, cfg.CallbackMaxDeliver = o.MaxDeliver, o.MaxDeliver
		t.Cleanup(func() { deleteStreams(t, urls, cfg.Prefix) })
		return open(t, cfg), func() easel.Queue { return open(t, cfg) }
	})
}

// TestClusterReplicas: the streams a queue creates with Replicas 3 have a
// leader and two current followers, on three distinct servers.
func TestClusterReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("three nats-server processes")
	}
	t.Parallel()
	c := queuetest.StartCluster(t)
	cfg := clusterConfig(c.URLs())
	open(t, cfg)

	js := jetStream(t, c.URL(1))
	for _, s := range []string{"TASKS", "EVENTS", "CALLBACKS"} {
		name := strings.ToUpper(cfg.Prefix) + "_" + s
		require.Eventually(t, func() bool {
			info, err := js.Stream(context.Background(), name)
			if err != nil { // a busy cluster may answer late
				t.Logf("stream info %s: %v", name, err)
				return false
			}
			ci := info.CachedInfo()
			require.Equal(t, 3, ci.Config.Replicas, name)
			require.NotNil(t, ci.Cluster, name)
			if ci.Cluster.Leader == "" || len(ci.Cluster.Replicas) != 2 {
				return false
			}
			servers := map[string]bool{ci.Cluster.Leader: true}
			for _, p := range ci.Cluster.Replicas {
				if !p.Current || p.Offline {
					return false
				}
				servers[p.Name] = true
			}
			t.Logf("%s: leader %s, replicas %s and %s", name, ci.Cluster.Leader, ci.Cluster.Replicas[0].Name, ci.Cluster.Replicas[1].Name)
			return len(servers) == 3
		}, 15*time.Second, 200*time.Millisecond, "%s is not on three current servers", name)
	}
	for _, cons := range [][2]string{{"TASKS", "workers"}, {"CALLBACKS", "callbacks"}} {
		stream := strings.ToUpper(cfg.Prefix) + "_" + cons[0]
		require.Eventually(t, func() bool {
			ci, err := js.Consumer(context.Background(), stream, cons[1])
			if err != nil {
				t.Logf("consumer info %s: %v", cons[1], err)
				return false
			}
			info := ci.CachedInfo()
			return info.Cluster != nil && info.Cluster.Leader != "" && len(info.Cluster.Replicas) == 2
		}, 15*time.Second, 200*time.Millisecond, "consumer %s of %s is not on three servers", cons[1], stream)
	}
}

// TestClusterNodeDown: a queue given the URLs of a cluster whose first
// node is down opens on the others (on streams that exist: an R3 stream
// cannot be created on two nodes), and keeps working when the node it is
// connected to stops (SIGTERM) after the first node came back.
func TestClusterNodeDown(t *testing.T) {
	if testing.Short() {
		t.Skip("three nats-server processes")
	}
	t.Parallel()
	c := queuetest.StartCluster(t)
	cfg := clusterConfig(c.URLs())
	require.NoError(t, open(t, cfg).Close()) // creates the streams
	c.Stop(0, syscall.SIGTERM)
	q := open(t, cfg)
	require.NotEqual(t, c.Name(0), q.ConnectedServer())
	ctx := context.Background()

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
		case <-time.After(20 * time.Second):
			t.Error("ConsumeTasks did not return")
		}
	})
	publishEventually := func(id string) {
		t.Helper()
		require.Eventually(t, func() bool {
			return q.PublishTask(ctx, easel.TaskMessage{TaskID: id, TenantID: "n1", Kind: "render", MessageID: id}) == nil
		}, 60*time.Second, 100*time.Millisecond, "publish %s", id)
		require.Equal(t, id, receiveIDWithin(t, got, 60*time.Second))
	}
	publishEventually("two-up")
	require.NoError(t, q.Ping(ctx))

	c.Restart(0)
	publishEventually("three-up")
	// Stop the node the queue is connected to: it fails over to another.
	connected := q.ConnectedServer()
	require.GreaterOrEqual(t, c.Index(connected), 0, "connected to %q", connected)
	c.Stop(c.Index(connected), syscall.SIGTERM)
	publishEventually("after-failover")
	require.NotEqual(t, connected, q.ConnectedServer())
}

// receiveIDWithin is receiveID with a longer wait, for elections.
func receiveIDWithin(t *testing.T, ch <-chan string, d time.Duration) string {
	t.Helper()
	select {
	case id := <-ch:
		return id
	case <-time.After(d):
		t.Fatal("no delivery")
		return ""
	}
}

// clusterConfig is a queue on a prefix of its own with three replicas on
// the cluster at urls. Opening waits up to 30s (placing three R3 streams on
// a busy machine takes seconds); a call waits up to 10s, which spans most
// leader elections (4s to 9s).
func clusterConfig(urls string) natsqueue.Config {
	cfg := natsqueue.NewDefaultConfig()
	cfg.URL, cfg.Prefix, cfg.Replicas = urls, uniquePrefix(), 3
	cfg.ConnectTimeout, cfg.RequestTimeout = 30*time.Second, 10*time.Second
	return cfg
}

// jetStream connects to url for the rest of the test.
func jetStream(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url, nats.Timeout(5*time.Second), nats.MaxReconnects(-1))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc, jetstream.WithDefaultTimeout(10*time.Second))
	require.NoError(t, err)
	return js
}
