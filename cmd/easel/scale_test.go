package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/queue/queuetest"
	"github.com/easelhq/easel/internal/testimages"
)

// cluster is easel api plus workers as separate processes on one data dir
// and a nats-server process of the test's own.
type cluster struct {
	nats    *queuetest.Server
	data    string
	env     []string
	api     *server
	workers []*server
}

func startCluster(t *testing.T, workers int, env ...string) *cluster {
	t.Helper()
	c := &cluster{nats: queuetest.StartServer(t), data: t.TempDir()}
	c.env = append([]string{"EASEL_QUEUE_URL=" + c.nats.URL()}, env...)
	c.api = startRole(t, "api", c.data, c.env...)
	require.NotEmpty(t, c.api.apiKey)
	for i := 0; i < workers; i++ {
		c.workers = append(c.workers, startRole(t, "worker", c.data, c.env...))
	}
	return c
}

// waitBatch polls the batch until it is done and returns its counts.
func (c *cluster) waitBatch(t *testing.T, id string, within time.Duration) map[string]any {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		counts, done := c.batchState(t, id)
		if done {
			return counts
		}
		require.True(t, time.Now().Before(deadline), "batch not done: %v", counts)
		time.Sleep(200 * time.Millisecond)
	}
}

// batchState returns the batch's counts and whether it is done.
func (c *cluster) batchState(t *testing.T, id string) (map[string]any, bool) {
	status, b := c.api.apiCall(t, "GET", "/v1/batches/"+id, nil)
	require.Equal(t, http.StatusOK, status, "%v", b)
	return b["counts"].(map[string]any), b["done"] == true
}

// TestQueueDownUploadsStillAccepted stops NATS, uploads 20 images with
// operations (all accepted), starts NATS again: all 20 succeed.
func TestQueueDownUploadsStillAccepted(t *testing.T) {
	t.Parallel()
	photo := testimages.Path(t, "faces/thumbor_Katherine_Maher_800px.jpg")
	ops := "127.0.0.1:" + strconv.Itoa(freePort(t))
	c := startCluster(t, 1, "EASEL_QUEUE_OUTBOX_INTERVAL=200ms", "EASEL_QUEUE_OUTBOX_MIN_AGE=0s", "EASEL_WORKER_METRICS_ADDR="+ops)

	c.nats.Stop()
	var ids []string
	for i := 0; i < 20; i++ {
		start := time.Now()
		status, body := c.api.uploadWith(t, photo, "", [2]string{"ops", fmt.Sprintf("w_%d,f_webp", 100+i)})
		require.Equal(t, http.StatusAccepted, status, "upload %d while the queue is down: %v", i, body)
		require.Equal(t, "accepted", field(body, "task", "state"), "committed, not yet queued")
		require.Less(t, time.Since(start), 6*time.Second, "an upload does not hang on the queue")
		ids = append(ids, field(body, "task", "id").(string))
	}
	c.nats.Start()
	for _, id := range ids {
		task := c.api.waitTask(t, id, 60*time.Second)
		require.Equal(t, "succeeded", task["state"], "%v", task)
	}

	// The worker's own health and metrics endpoint.
	worker := &server{base: "http://" + ops}
	resp, body := worker.get(t, "/readyz")
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	resp, body = worker.get(t, "/metrics")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(body), `easel_task_attempts_total{kind="render",state="succeeded"} 20`)
	require.Contains(t, string(body), `easel_task_stage_seconds_count{kind="render",stage="process"} 20`)
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestWorkersKilledMidRun runs 200 tasks on 3 worker processes, kills one
// with SIGKILL mid-run and later another: every task succeeds exactly once,
// with all its outputs stored.
func TestWorkersKilledMidRun(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("multi-process crash test")
	}
	c := startCluster(t, 3, "EASEL_QUEUE_ACK_WAIT=2s", "EASEL_WORKER_CONCURRENCY=2")

	nc, err := nats.Connect(c.nats.URL())
	require.NoError(t, err)
	defer nc.Close()
	var mu sync.Mutex
	succeeded := map[string]map[string]bool{} // task → IDs of its succeeded events
	total := 0
	sub, err := nc.Subscribe("easel.events.*.*.succeeded", func(m *nats.Msg) {
		var e easel.Event
		if json.Unmarshal(m.Data, &e) == nil {
			mu.Lock()
			// Events are published at least once: consumers de-duplicate by ID.
			if succeeded[e.TaskID] == nil {
				succeeded[e.TaskID] = map[string]bool{}
			}
			succeeded[e.TaskID][e.ID] = true
			total++
			mu.Unlock()
		}
	})
	require.NoError(t, err)
	defer sub.Unsubscribe()
	require.NoError(t, nc.Flush())

	var assets []map[string]any
	for _, f := range []string{"photos/plasma_EveningGlow_2560x1600.jpg", "photos/mate_Wood.jpg", "faces/skimage_astronaut.png", "formats/libvips_1.webp"} {
		status, a := c.api.upload(t, testimages.Path(t, f))
		require.Equal(t, http.StatusCreated, status)
		assets = append(assets, a)
	}
	var items []map[string]any
	for i := 0; i < 200; i++ {
		items = append(items, map[string]any{"asset_id": assets[i%len(assets)]["id"], "ops": []string{fmt.Sprintf("w_%d,f_jpeg", 200+i), fmt.Sprintf("w_%d,f_webp", 100+i)}})
	}
	status, body := c.api.apiCall(t, "POST", "/v1/batches", map[string]any{"items": items})
	require.Equal(t, http.StatusAccepted, status, "%v", body)
	batchID := field(body, "batch", "id").(string)

	waitEvents := func(n int) {
		require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return total >= n }, 60*time.Second, 10*time.Millisecond)
	}
	waitEvents(30)
	require.NoError(t, c.workers[0].cmd.Process.Kill()) // SIGKILL: no drain, no nak
	waitEvents(90)
	require.NoError(t, c.workers[1].cmd.Process.Kill())

	counts := c.waitBatch(t, batchID, 120*time.Second)
	require.EqualValues(t, 200, counts["succeeded"], "%v", counts)
	// No late duplicate can come: the work queue is empty, so no message is
	// left to redeliver; and every succeeded event in the events stream has
	// reached the subscription.
	waitStreamEmpty(t, c.nats.URL(), "EASEL_TASKS", 60*time.Second)
	_, published := streamState(t, c.nats.URL(), "EASEL_EVENTS", ".succeeded")
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return uint64(total) >= published }, 30*time.Second, 10*time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, succeeded, 200+2*len(assets), "the batch, and each upload's analysis and levels")
	for id, ids := range succeeded {
		require.Len(t, ids, 1, "task %s succeeded %d times", id, len(ids))
	}
	for _, id := range body["task_ids"].([]any) {
		_, task := c.api.apiCall(t, "GET", "/v1/tasks/"+id.(string), nil)
		require.Equal(t, "succeeded", task["state"])
		outputs := task["outputs"].([]any)
		require.Len(t, outputs, 2)
		for _, o := range outputs {
			o := o.(map[string]any)
			require.Equal(t, easel.VariantKey(task["asset_id"].(string), o["ops"].(string)), o["key"])
			fi, err := os.Stat(filepath.Join(c.data, "blobs", filepath.FromSlash(o["key"].(string))))
			require.NoError(t, err, "output stored")
			require.EqualValues(t, fi.Size(), o["bytes"])
		}
	}
}

// TestWorkerDrainsOnSIGTERM stops a busy worker with SIGTERM: it stops
// fetching, finishes or returns its tasks within the drain deadline, exits
// 0, and another worker completes the batch.
func TestWorkerDrainsOnSIGTERM(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1, "EASEL_WORKER_DRAIN_TIMEOUT=1s", "EASEL_WORKER_CONCURRENCY=2")
	status, a := c.api.upload(t, testimages.Path(t, "photos/lomiri16_Dragonfly_by_Bolly.jpg"))
	require.Equal(t, http.StatusCreated, status)
	var items []map[string]any
	for i := 0; i < 12; i++ {
		items = append(items, map[string]any{"asset_id": a["id"], "ops": []string{fmt.Sprintf("w_%d,f_avif", 1500+i)}})
	}
	status, body := c.api.apiCall(t, "POST", "/v1/batches", map[string]any{"items": items})
	require.Equal(t, http.StatusAccepted, status, "%v", body)
	batchID := field(body, "batch", "id").(string)
	require.Eventually(t, func() bool {
		counts, _ := c.batchState(t, batchID)
		return counts["running"] != nil
	}, 30*time.Second, 20*time.Millisecond, "a task is running")

	w := c.workers[0]
	start := time.Now()
	require.NoError(t, w.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-w.done:
		require.NoError(t, err, "exit 0 after draining")
	case <-time.After(15 * time.Second):
		t.Fatal("worker did not stop after SIGTERM")
	}
	t.Logf("worker stopped %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	counts, done := c.batchState(t, batchID)
	require.False(t, done, "the batch was not finished by the stopped worker: %v", counts)

	startRole(t, "worker", c.data, c.env...)
	// Twelve AVIF renders of a 13 MP photo on two slots: minutes on a busy
	// machine.
	counts = c.waitBatch(t, batchID, 300*time.Second)
	require.EqualValues(t, 12, counts["succeeded"], "%v", counts)
}
