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
		cfg := config(o)
		cfg.URL, cfg.Prefix, cfg.Replicas = urls, uniquePrefix(), 3
		// Creating three R3 streams waits for the cluster to place them.
		cfg.ConnectTimeout, cfg.RequestTimeout = 20*time.Second, 10*time.Second
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
	cfg := natsqueue.NewDefaultConfig()
	cfg.URL, cfg.Prefix, cfg.Replicas = c.URLs(), uniquePrefix(), 3
	open(t, cfg)

	js := jetStream(t, c.URL(1))
	for _, s := range []string{"TASKS", "EVENTS", "CALLBACKS"} {
		name := strings.ToUpper(cfg.Prefix) + "_" + s
		require.Eventually(t, func() bool {
			info, err := js.Stream(context.Background(), name)
			require.NoError(t, err)
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
}

// jetStream connects to url for the rest of the test.
func jetStream(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url, nats.Timeout(5*time.Second), nats.MaxReconnects(-1))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return js
}
