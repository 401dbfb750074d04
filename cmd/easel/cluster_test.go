package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/blob/s3/s3test"
	"github.com/easelhq/easel/internal/meta/postgres/pgtest"
	"github.com/easelhq/easel/internal/queue/queuetest"
)

// clusterUploads is how many uploads TestCluster makes:
// EASEL_TEST_CLUSTER_UPLOADS, 1,000 by default.
func clusterUploads(t *testing.T) int {
	n := 1000
	if v := os.Getenv("EASEL_TEST_CLUSTER_UPLOADS"); v != "" {
		var err error
		n, err = strconv.Atoi(v)
		require.NoError(t, err, "EASEL_TEST_CLUSTER_UPLOADS")
		require.Positive(t, n, "EASEL_TEST_CLUSTER_UPLOADS")
	}
	return n
}

// clusterJPEG is a small JPEG that no other i gives.
func clusterJPEG(t *testing.T, i int) []byte {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	img := image.NewRGBA(image.Rect(0, 0, 160, 120))
	c0 := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
	for y := 0; y < 120; y++ {
		for x := 0; x < 160; x++ {
			img.Set(x, y, color.RGBA{c0.R + uint8(x), c0.G + uint8(y), c0.B + uint8(x^y), 255})
		}
	}
	for k := 0; k < 32; k++ { // a few dots: no two images alike
		img.Set(r.IntN(160), r.IntN(120), color.RGBA{uint8(i), uint8(i >> 8), 0, 255})
	}
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}))
	return b.Bytes()
}

// acked is an upload the cluster acknowledged.
type acked struct {
	asset, sha, task string
	attempts         int
}

// TestCluster is the cluster test of `make test-cluster`: on 127.0.0.1,
// two `easel api` behind varnishd (round robin), three `easel worker`, a
// three-node NATS cluster (streams with three replicas), PostgreSQL, and
// two versitygw origins (primary and secondary). 16 clients make 1,000
// uploads with operations (EASEL_TEST_CLUSTER_UPLOADS) while one worker is
// killed with SIGKILL, a NATS node is stopped and started again, the
// primary S3 is stopped for 10 s and PostgreSQL is restarted. Afterwards
// every acknowledged upload has its original on an origin and, after
// reconciliation, on both; every task succeeded, with exactly one
// succeeded event on the events stream; every output renders through
// Varnish. It prints these counts.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("the cluster test takes minutes")
	}
	t.Parallel()
	varnishdPath(t)
	n := clusterUploads(t)
	start := time.Now()
	elapsed := func() string { return time.Since(start).Round(100 * time.Millisecond).String() }

	pg := pgtest.Start(t)
	if !pg.Managed() && os.Getenv("CI") == "true" {
		t.Fatal("the cluster test restarts PostgreSQL: unset EASEL_TEST_POSTGRES_URL")
	}
	nc := queuetest.StartCluster(t)
	primary, secondary := s3test.Start(t), s3test.Start(t)
	pBucket, sBucket := primary.NewBucket(), secondary.NewBucket()
	env := []string{
		"EASEL_QUEUE_URL=" + nc.URLs(), "EASEL_QUEUE_REPLICAS=3",
		"EASEL_QUEUE_ACK_WAIT=10s", "EASEL_QUEUE_OUTBOX_INTERVAL=1s", "EASEL_QUEUE_OUTBOX_MIN_AGE=2s",
		"EASEL_META_BACKEND=postgres", "EASEL_META_POSTGRES_URL=" + pg.NewSchema(t),
		"EASEL_BLOB_BACKEND=s3", "EASEL_BLOB_S3_ENDPOINT=" + primary.Endpoint, "EASEL_BLOB_S3_BUCKET=" + pBucket,
		"EASEL_BLOB_S3_ACCESS_KEY=" + primary.AccessKey, "EASEL_BLOB_S3_SECRET_KEY=" + primary.SecretKey,
		"EASEL_BLOB_S3_PATH_STYLE=true", "EASEL_BLOB_S3_TIMEOUT=5s",
		"EASEL_BLOB_SECONDARY_BACKEND=s3", "EASEL_BLOB_SECONDARY_S3_ENDPOINT=" + secondary.Endpoint,
		"EASEL_BLOB_SECONDARY_S3_BUCKET=" + sBucket, "EASEL_BLOB_SECONDARY_S3_ACCESS_KEY=" + secondary.AccessKey,
		"EASEL_BLOB_SECONDARY_S3_SECRET_KEY=" + secondary.SecretKey, "EASEL_BLOB_SECONDARY_S3_PATH_STYLE=true",
		"EASEL_BLOB_SECONDARY_S3_TIMEOUT=5s", "EASEL_BLOB_SECONDARY_PRIMARY_TIMEOUT=3s", "EASEL_BLOB_SECONDARY_SYNC_INTERVAL=2s",
		// One render task per upload: the analysis and the levels are
		// tested elsewhere and would triple the work of two cores.
		"EASEL_VISION_ANALYZE_UPLOADS=false", "EASEL_RENDER_LEVELS=", "EASEL_WORKER_CONCURRENCY=4",
	}
	api1 := startRole(t, "api", t.TempDir(), env...)
	require.NotEmpty(t, api1.apiKey)
	api2 := startRole(t, "api", t.TempDir(), env...)
	api2.apiKey = api1.apiKey
	var workers []*server
	for range 3 {
		workers = append(workers, startRole(t, "worker", t.TempDir(), env...))
	}
	front := startVarnish(t, freePort(t), strings.TrimPrefix(api1.base, "http://"), strings.TrimPrefix(api2.base, "http://"))
	key := api1.apiKey
	t.Logf("cluster up after %s", elapsed())

	images := make([][]byte, n)
	for i := range images {
		images[i] = clusterJPEG(t, i)
	}

	// Faults, each when enough uploads were acknowledged.
	var done atomic.Int64
	uploadsOver := make(chan struct{})
	at := func(frac float64) {
		for done.Load() < int64(frac*float64(n)) {
			select {
			case <-uploadsOver:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	var faults sync.WaitGroup
	var faultLog sync.Mutex
	logFault := func(what string) {
		faultLog.Lock()
		defer faultLog.Unlock()
		fmt.Printf("cluster: %-42s at %s, %d/%d uploads acknowledged\n", what, elapsed(), done.Load(), n)
	}
	fault := func(frac float64, f func()) {
		faults.Add(1)
		go func() { defer faults.Done(); at(frac); f() }()
	}
	fault(0.05, func() {
		require.NoError(t, workers[0].cmd.Process.Kill())
		logFault("worker 1 killed (SIGKILL)")
	})
	fault(0.10, func() {
		primary.Stop()
		logFault("primary S3 stopped")
		time.Sleep(10 * time.Second)
		primary.Restart()
		logFault("primary S3 started again")
	})
	fault(0.20, func() {
		nc.Stop(1, syscall.SIGTERM)
		logFault("NATS node 2 stopped")
		time.Sleep(5 * time.Second)
		nc.Restart(1)
		logFault("NATS node 2 started again")
	})
	fault(0.50, func() {
		if !pg.Managed() {
			logFault("PostgreSQL not ours: not restarted")
			return
		}
		pg.Stop()
		logFault("PostgreSQL stopped")
		pg.Start()
		logFault("PostgreSQL started again")
	})

	// 16 clients upload through Varnish, each upload retried with its
	// Idempotency-Key until acknowledged.
	results := make([]acked, n)
	next := make(chan int)
	go func() {
		for i := range n {
			next <- i
		}
		close(next)
	}()
	var retried atomic.Int64
	var clients sync.WaitGroup
	client := &http.Client{Timeout: 60 * time.Second}
	for range 16 {
		clients.Add(1)
		go func() {
			defer clients.Done()
			for i := range next {
				r, err := uploadUntilAcked(client, front, key, i, images[i], 3*time.Minute)
				if err != nil {
					t.Errorf("upload %d: %v", i, err)
					continue
				}
				retried.Add(int64(r.attempts - 1))
				results[i] = r
				done.Add(1)
			}
		}()
	}
	clients.Wait()
	close(uploadsOver)
	fmt.Printf("cluster: %d uploads acknowledged in %s (%d retries)\n", done.Load(), elapsed(), retried.Load())
	faults.Wait()
	require.False(t, t.Failed())
	require.EqualValues(t, n, done.Load())

	// Every acknowledged upload names its task, a replay (a retry after a
	// first attempt that failed past the asset) too: the task is named by
	// the Idempotency-Key and made once.
	for i, r := range results {
		require.NotEmpty(t, r.task, "upload %d (asset %s) was acknowledged without its task", i, r.asset)
	}

	// Every task succeeds.
	outputs := make([]string, n)
	forEach(t, n, func(i int) error {
		deadline := time.Now().Add(4 * time.Minute)
		for {
			task, err := getJSON(client, api1.base+"/v1/tasks/"+results[i].task+"?wait=20s", key)
			if err == nil && (task["state"] == "succeeded" || task["state"] == "dead") {
				if task["state"] != "succeeded" {
					return fmt.Errorf("task %s: %v", results[i].task, task)
				}
				outputs[i] = task["outputs"].([]any)[0].(map[string]any)["url"].(string)
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("task %s not final: %v %v", results[i].task, task, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
	fmt.Printf("cluster: %d tasks succeeded by %s\n", n, elapsed())

	// Exactly one succeeded event per task on the events stream.
	succeeded := succeededEvents(t, nc.URLs(), n, results)
	for _, r := range results {
		require.Equal(t, 1, succeeded[r.task], "succeeded events of task %s", r.task)
	}
	fmt.Printf("cluster: %d tasks with exactly one succeeded event (%d events)\n", len(results), len(succeeded))

	// Originals: on an origin at once, on both after reconciliation.
	on := func(s *s3test.Server, bucket, sha string) bool {
		_, err := os.Stat(filepath.Join(s.Dir, bucket, filepath.FromSlash(easel.OriginalKey(sha))))
		return err == nil
	}
	onOne, onlySecondary := 0, 0
	for _, r := range results {
		p, s := on(primary, pBucket, r.sha), on(secondary, sBucket, r.sha)
		require.True(t, p || s, "original of asset %s on no origin", r.asset)
		onOne++
		if s && !p {
			onlySecondary++
		}
	}
	fmt.Printf("cluster: %d originals on an origin (%d only on the secondary, written while the primary was down)\n", onOne, onlySecondary)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		both := 0
		for _, r := range results {
			if on(primary, pBucket, r.sha) && on(secondary, sBucket, r.sha) {
				both++
			}
		}
		if both == n {
			fmt.Printf("cluster: %d originals on both origins after reconciliation, by %s\n", both, elapsed())
			break
		}
		require.True(t, time.Now().Before(deadline), "after reconciliation only %d of %d originals are on both origins", both, n)
		time.Sleep(time.Second)
	}

	// Every output renders through Varnish.
	forEach(t, n, func(i int) error {
		resp, err := client.Get(front + outputs[i])
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || len(b) == 0 || resp.Header.Get("Content-Type") != "image/webp" {
			return fmt.Errorf("%s: %d %s %q", outputs[i], resp.StatusCode, resp.Header.Get("Content-Type"), b[:min(len(b), 200)])
		}
		return nil
	})
	fmt.Printf("cluster: %d outputs rendered through Varnish; done in %s\n", n, elapsed())
}

// uploadUntilAcked posts one image with operations until the cluster
// acknowledges it (a 2xx with the asset), retrying with the same
// Idempotency-Key for at most within.
func uploadUntilAcked(client *http.Client, base, key string, i int, img []byte, within time.Duration) (acked, error) {
	deadline := time.Now().Add(within)
	var last string
	for attempt := 1; ; attempt++ {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", fmt.Sprintf("cluster-%d.jpg", i))
		_, _ = fw.Write(img)
		_ = mw.WriteField("ops", "w_64,f_webp")
		_ = mw.Close()
		req, _ := http.NewRequest("POST", base+"/v1/assets", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Idempotency-Key", fmt.Sprintf("cluster-upload-%d", i))
		resp, err := client.Do(req)
		if err == nil {
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var m map[string]any
			if resp.StatusCode/100 == 2 && json.Unmarshal(raw, &m) == nil {
				asset := m
				r := acked{attempts: attempt}
				if task, ok := m["task"].(map[string]any); ok {
					asset = m["asset"].(map[string]any)
					r.task, _ = task["id"].(string)
				}
				r.asset, _ = asset["id"].(string)
				r.sha, _ = asset["sha256"].(string)
				if r.asset == "" || r.sha == "" {
					return r, fmt.Errorf("acknowledged without an asset: %s", raw)
				}
				return r, nil
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, raw)
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return acked{}, fmt.Errorf("not acknowledged after %d attempts: %s", attempt, last)
		}
		time.Sleep(time.Duration(min(attempt, 8)) * 250 * time.Millisecond)
	}
}

// forEach runs f for 0..n-1 on 16 goroutines and fails the test with the
// errors.
func forEach(t *testing.T, n int, f func(i int) error) {
	t.Helper()
	next := make(chan int)
	go func() {
		for i := range n {
			next <- i
		}
		close(next)
	}()
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	require.Empty(t, errs, "%d failed", len(errs))
}

func getJSON(client *http.Client, url, key string) (map[string]any, error) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusAccepted {
		return m, fmt.Errorf("status %d", resp.StatusCode)
	}
	return m, nil
}

// succeededEvents reads the events stream's succeeded events, once every
// task has one (the relay publishes them from the outbox), and counts them
// by task.
func succeededEvents(t *testing.T, urls string, n int, results []acked) map[string]int {
	t.Helper()
	conn, err := nats.Connect(urls, nats.Timeout(5*time.Second))
	require.NoError(t, err)
	defer conn.Close()
	js, err := jetstream.New(conn)
	require.NoError(t, err)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		counts := readSucceeded(t, js)
		missing := 0
		for _, r := range results {
			if counts[r.task] == 0 {
				missing++
			}
		}
		if missing == 0 {
			return counts
		}
		require.True(t, time.Now().Before(deadline), "%d of %d tasks have no succeeded event", missing, n)
		time.Sleep(time.Second)
	}
}

func readSucceeded(t *testing.T, js jetstream.JetStream) map[string]int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, "EASEL_EVENTS", jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{"easel.events.*.*.succeeded"},
	})
	require.NoError(t, err)
	info, err := cons.Info(ctx)
	require.NoError(t, err)
	counts := map[string]int{}
	left := info.NumPending
	for left > 0 {
		batch, err := cons.Fetch(int(min(left, 500)), jetstream.FetchMaxWait(5*time.Second))
		require.NoError(t, err)
		got := 0
		for msg := range batch.Messages() {
			var e easel.Event
			require.NoError(t, json.Unmarshal(msg.Data(), &e))
			counts[e.TaskID]++
			got++
		}
		require.NoError(t, batch.Error())
		require.Positive(t, got, "events stream: %d pending but none fetched", left)
		left -= uint64(got)
	}
	return counts
}
