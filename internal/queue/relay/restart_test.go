package relay_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/meta/sqlite"
	natsqueue "github.com/easelhq/easel/internal/queue/nats"
	"github.com/easelhq/easel/internal/queue/queuetest"
	"github.com/easelhq/easel/internal/queue/relay"
)

// TestEventsSurviveANATSRestart is the regression test of issue 7 A5: of
// 300 tasks moved through their states while NATS was stopped and started
// again, some events never reached the events stream. Now every state
// change is on the stream exactly once (the stream drops the copies a
// relay may publish again), with its ID in the payload and the header.
func TestEventsSurviveANATSRestart(t *testing.T) {
	t.Parallel()
	srv := queuetest.StartServer(t)
	qc := natsqueue.NewDefaultConfig()
	qc.URL, qc.Prefix = srv.URL(), "r"+strings.ToLower(easel.NewID()[20:])
	qc.RequestTimeout = time.Second
	q, err := natsqueue.Open(t.Context(), qc, quiet())
	require.NoError(t, err)
	t.Cleanup(func() { _ = q.Close() })
	store, err := sqlite.Open(t.Context(), sqlite.Config{Path: filepath.Join(t.TempDir(), "meta.db")})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })

	rc := relay.NewDefaultConfig()
	rc.MinBackoff, rc.MaxBackoff = 50*time.Millisecond, 300*time.Millisecond
	r := relay.New(rc, store, q, quiet())
	ctx, cancel := context.WithCancel(context.Background())
	relayDone := make(chan error, 1)
	go func() { relayDone <- r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-relayDone })

	now := time.Now().UTC()
	tenant := easel.Tenant{ID: easel.NewID(), Name: "acme", CreatedAt: now}
	require.NoError(t, store.CreateTenant(ctx, tenant))
	const n = 300
	b := easel.Batch{ID: easel.NewID(), TenantID: tenant.ID, Total: n, CreatedAt: now}
	tasks := make([]easel.Task, n)
	for i := range tasks {
		tasks[i] = easel.Task{ID: easel.NewID(), TenantID: tenant.ID, AssetID: easel.NewID(), BatchID: b.ID,
			Kind: easel.TaskRender, Ops: []string{"w_10"}, State: easel.TaskAccepted, CreatedAt: now, UpdatedAt: now}
	}
	require.NoError(t, store.CreateTasks(ctx, &b, tasks))

	// Move every task to succeeded as the API and a worker would; stop
	// NATS after a third of them and start it again after two thirds.
	want := map[string]bool{}
	for _, tk := range tasks {
		want[easel.TaskEvent(tk).ID] = true
	}
	for i := range tasks {
		switch i {
		case n / 3:
			srv.Stop()
		case 2 * n / 3:
			srv.Start()
		}
		tk := &tasks[i]
		for _, step := range []struct {
			state    easel.TaskState
			attempts int
			from     easel.TaskState
		}{{easel.TaskQueued, 0, easel.TaskAccepted}, {easel.TaskRunning, 1, easel.TaskQueued}, {easel.TaskSucceeded, 1, easel.TaskRunning}} {
			tk.State, tk.Attempts, tk.UpdatedAt = step.state, step.attempts, time.Now().UTC()
			ok, err := store.UpdateTask(ctx, *tk, step.from)
			require.NoError(t, err)
			require.True(t, ok)
			want[easel.TaskEvent(*tk).ID] = true
		}
		time.Sleep(2 * time.Millisecond)
	}
	require.Len(t, want, 4*n)

	require.Eventually(t, func() bool {
		left, err := store.UnpublishedEvents(ctx, 10, time.Now().Add(time.Hour))
		return err == nil && len(left) == 0
	}, 30*time.Second, 50*time.Millisecond, "the outbox does not drain after NATS came back")

	// Read the whole events stream.
	nc, err := nats.Connect(srv.URL())
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	cons, err := js.OrderedConsumer(ctx, strings.ToUpper(qc.Prefix)+"_EVENTS", jetstream.OrderedConsumerConfig{})
	require.NoError(t, err)
	got := map[string]int{}
	order := map[string][]easel.EventType{}
	for total := 0; total < 4*n; {
		batch, err := cons.Fetch(4*n-total, jetstream.FetchMaxWait(5*time.Second))
		require.NoError(t, err)
		k := 0
		for m := range batch.Messages() {
			var e easel.Event
			require.NoError(t, json.Unmarshal(m.Data(), &e))
			require.Equal(t, e.ID, m.Headers().Get(jetstream.MsgIDHeader))
			got[e.ID]++
			order[e.TaskID] = append(order[e.TaskID], e.Type)
			k++
		}
		require.NoError(t, batch.Error())
		require.NotZero(t, k, "the stream holds %d of %d events", total, 4*n)
		total += k
	}
	info, err := cons.Info(ctx)
	require.NoError(t, err)
	require.Zero(t, info.NumPending, "more events than state changes")
	for id := range want {
		require.Equal(t, 1, got[id], "event %s", id)
	}
	require.Len(t, got, 4*n)
	for id, types := range order {
		require.Equal(t, []easel.EventType{easel.EventAccepted, easel.EventQueued, easel.EventStarted, easel.EventSucceeded}, types, id)
	}
}
