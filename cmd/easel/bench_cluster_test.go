package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/blob/s3/s3test"
	"github.com/easelhq/easel/internal/keys"
	"github.com/easelhq/easel/internal/meta/postgres"
	"github.com/easelhq/easel/internal/meta/postgres/pgtest"
	"github.com/easelhq/easel/internal/meta/sqlite"
	natsq "github.com/easelhq/easel/internal/queue/nats"
	"github.com/easelhq/easel/internal/queue/queuetest"
	"github.com/easelhq/easel/internal/queue/relay"
	"github.com/easelhq/easel/internal/tasks"
	"github.com/easelhq/easel/internal/testimages"
	"github.com/easelhq/easel/internal/worker"
)

// benchStore is a metadata store the no-op rig runs on.
type benchStore interface {
	easel.MetaStore
	easel.TaskStore
	easel.EventOutbox
	Close() error
}

// noopProc does nothing: what is left is the queue, the task store and
// the worker's bookkeeping.
type noopProc struct{}

func (noopProc) Process(context.Context, easel.Task, easel.Asset, []byte) ([]worker.Result, error) {
	return nil, nil
}

func (noopProc) LoadOriginal(context.Context, easel.Asset) ([]byte, error) { return nil, nil }

// noopRig is an API side (task service, its store, queue and event relay)
// and k workers, each with a store, a queue connection and a relay of its
// own, as k worker processes would have, all in this process.
type noopRig struct {
	meta    benchStore
	queue   *natsq.Queue
	tasks   *tasks.Tasks
	batches *tasks.Batches
	tenant  string
	asset   string
	stop    func()
}

func newNoopRig(b *testing.B, natsURL string, open func() (benchStore, error), workers int) *noopRig {
	b.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	prefix := uniqueBenchPrefix()
	openQueue := func() *natsq.Queue {
		qc := natsq.NewDefaultConfig()
		qc.URL, qc.Prefix = natsURL, prefix
		q, err := natsq.Open(ctx, qc, log)
		if err != nil {
			b.Fatal(err)
		}
		return q
	}
	meta, err := open()
	if err != nil {
		b.Fatal(err)
	}
	q := openQueue()
	ks := keys.New(meta, keys.Config{})
	if _, err := ks.Bootstrap(ctx); err != nil {
		b.Fatal(err)
	}
	tenant, err := ks.DefaultTenant(ctx)
	if err != nil {
		b.Fatal(err)
	}
	asset := easel.Asset{ID: easel.NewID(), TenantID: tenant.ID, SHA256: strings.Repeat("0", 64), Format: "jpeg",
		Width: 1, Height: 1, Pages: 1, Bytes: 1, CreatedAt: time.Now().UTC()}
	if err := meta.CreateAsset(ctx, asset); err != nil {
		b.Fatal(err)
	}
	r := &noopRig{meta: meta, queue: q, tenant: tenant.ID, asset: asset.ID}
	r.tasks = tasks.New(tasks.Config{OutboxInterval: time.Hour, MaxBatch: 1000}, meta, meta, q, ks, log)
	r.batches = tasks.NewBatches(r.tasks)
	rctx, cancel := context.WithCancel(ctx)
	var stops []func()
	runRelay := func(store benchStore, q *natsq.Queue) {
		done := make(chan struct{})
		go func() { _ = relay.New(relay.NewDefaultConfig(), store, q, log).Run(rctx); close(done) }()
		stops = append(stops, func() { <-done })
	}
	runRelay(meta, q)
	for range workers {
		store, err := open()
		if err != nil {
			b.Fatal(err)
		}
		wq := openQueue()
		w := worker.New(worker.Config{
			Concurrency: 64, Prefetch: 64, AckWait: 30 * time.Second, MaxDeliver: 5, Backoff: []time.Duration{time.Second},
			TaskTimeout: time.Minute, DrainTimeout: 10 * time.Second,
		}, worker.Deps{Queue: wq, Tasks: store, Assets: store, Loader: noopProc{},
			Processors: map[string]worker.Processor{easel.TaskRender: noopProc{}}, Log: log})
		done := make(chan struct{})
		go func() { _ = w.Run(rctx); close(done) }()
		runRelay(store, wq)
		stops = append(stops, func() { <-done; _ = wq.Close(); _ = store.Close() })
	}
	r.stop = func() {
		cancel()
		for _, s := range stops {
			s()
		}
		_ = q.Close()
		_ = meta.Close()
	}
	return r
}

var benchPrefixes atomic.Int64

func uniqueBenchPrefix() string {
	return fmt.Sprintf("bench%d_%d", time.Now().UnixNano()%1e6, benchPrefixes.Add(1))
}

// overhead submits n tasks one at a time and measures submission to the
// succeeded event, minus the processing time the worker recorded.
func (r *noopRig) overhead(b *testing.B, n int) (p50, p99 time.Duration) {
	ctx := context.Background()
	events, cancel, err := r.queue.SubscribeEvents(ctx, r.tenant, "")
	if err != nil {
		b.Fatal(err)
	}
	defer cancel()
	var lat []time.Duration
	for range n {
		start := time.Now()
		v, err := r.tasks.Submit(ctx, r.tenant, tasks.SubmitRequest{Task: tasks.Request{AssetID: r.asset, Ops: []string{"w_10"}}})
		if err != nil {
			b.Fatal(err)
		}
		for e := range events {
			if e.TaskID == v.ID && e.Type == easel.EventSucceeded {
				break
			}
		}
		took := time.Since(start)
		t, err := r.meta.GetTask(ctx, v.ID)
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, took-time.Duration(t.Timings.Process))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat[len(lat)/2], lat[len(lat)*99/100]
}

// throughput submits n no-op tasks in batches of 1000 and returns tasks/s
// from the first submission to the last succeeded event, and this
// process's CPU time per task.
func (r *noopRig) throughput(b *testing.B, n int) (perSec float64, cpu time.Duration) {
	ctx := context.Background()
	events, cancel, err := r.queue.SubscribeEvents(ctx, r.tenant, "")
	if err != nil {
		b.Fatal(err)
	}
	defer cancel()
	var done atomic.Int64
	finished := make(chan struct{})
	go func() {
		for e := range events {
			if e.Type == easel.EventSucceeded && done.Add(1) == int64(n) {
				close(finished)
				return
			}
		}
	}()
	cpu0 := processCPU()
	start := time.Now()
	for sent := 0; sent < n; sent += 1000 {
		reqs := make([]tasks.Request, min(1000, n-sent))
		for i := range reqs {
			reqs[i] = tasks.Request{AssetID: r.asset, Ops: []string{"w_10"}}
		}
		if _, err := r.batches.Submit(ctx, r.tenant, tasks.BatchRequest{Items: reqs}); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-finished:
	case <-time.After(5 * time.Minute):
		b.Fatalf("only %d of %d no-op tasks succeeded", done.Load(), n)
	}
	took := time.Since(start)
	return float64(n) / took.Seconds(), (processCPU() - cpu0) / time.Duration(n)
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadavg() string {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil {
		return "?"
	}
	return fmt.Sprintf("%.1f", float64(si.Loads[0])/65536)
}

// BenchmarkClusterTasks measures no-op tasks on PostgreSQL against SQLite
// (same run, A B A B, three workers each on a nats-server process): queue
// overhead p50/p99 and tasks/s; then tasks/s and CPU per task with 1, 2
// and 3 workers on PostgreSQL.
func BenchmarkClusterTasks(b *testing.B) {
	nats := queuetest.StartServer(b)
	pg := pgtest.Start(b)
	openPG := func(url string) func() (benchStore, error) {
		return func() (benchStore, error) {
			return postgres.Open(context.Background(), postgres.NewDefaultConfig(url))
		}
	}
	openSQLite := func(path string) func() (benchStore, error) {
		return func() (benchStore, error) {
			return sqlite.Open(context.Background(), sqlite.Config{Path: path, BusyTimeout: 5 * time.Second})
		}
	}
	overheadN, throughputN := 200, 5000
	if v, err := strconv.Atoi(os.Getenv("EASEL_TEST_BENCH_TASKS")); err == nil && v >= 1000 {
		throughputN = v // fewer for a profile run
	}
	type result struct {
		name     string
		p50, p99 time.Duration
		rate     float64
		cpu      time.Duration
		load     string
	}
	var results []result
	for round := range 2 {
		for _, backend := range []string{"sqlite", "postgres"} {
			open := openSQLite(filepath.Join(b.TempDir(), "easel.db"))
			if backend == "postgres" {
				open = openPG(pg.NewSchema(b))
			}
			rig := newNoopRig(b, nats.URL(), open, 3)
			p50, p99 := rig.overhead(b, overheadN)
			rate, cpu := rig.throughput(b, throughputN)
			rig.stop()
			results = append(results, result{fmt.Sprintf("%s (round %d)", backend, round+1), p50, p99, rate, cpu, loadavg()})
			r := results[len(results)-1]
			b.Logf("%s: overhead p50 %.2f ms p99 %.2f ms, %.0f tasks/s, %.0f µs CPU/task, load %s", r.name, ms(r.p50), ms(r.p99), r.rate, float64(r.cpu)/1e3, r.load)
		}
	}
	fmt.Printf("\nNo-op tasks, 3 in-process workers (concurrency 64, prefetch 64 each), nats-server %s: overhead of %d tasks one at a time, throughput of %d in batches of 1000\n\n",
		"(Debian)", overheadN, throughputN)
	fmt.Printf("| store | overhead p50 | overhead p99 | tasks/s | CPU/task (this process) | load avg |\n|---|---|---|---|---|---|\n")
	for _, r := range results {
		fmt.Printf("| %s | %.2f ms | %.2f ms | %.0f | %.0f µs | %s |\n", r.name, ms(r.p50), ms(r.p99), r.rate, float64(r.cpu)/1e3, r.load)
	}

	fmt.Printf("\nNo-op tasks on PostgreSQL by number of workers (%d tasks each)\n\n| workers | tasks/s | CPU/task (this process) | load avg |\n|---|---|---|---|\n", throughputN)
	for _, k := range []int{1, 2, 3} {
		rig := newNoopRig(b, nats.URL(), openPG(pg.NewSchema(b)), k)
		rate, cpu := rig.throughput(b, throughputN)
		rig.stop()
		fmt.Printf("| %d | %.0f | %.0f µs | %s |\n", k, rate, float64(cpu)/1e3, loadavg())
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkClusterRender measures, in one run, the uncached 300 px render
// of a 4 MP JPEG with the original on S3 (versitygw) against the local
// folder (two `easel serve`, render cache, stored variants and levels off,
// requests alternated A B A B), and cached hits through Varnish in front
// of the local one (wrk when installed).
func BenchmarkClusterRender(b *testing.B) {
	benchRender(b)
}

func benchRender(b *testing.B) {
	photo := testimages.Path(b, "photos/plasma_ColorfulCups_2560x1600.jpg")
	s3 := s3test.Start(b)
	bucket := s3.NewBucket()
	env := []string{"EASEL_RENDER_CACHE_BYTES=0", "EASEL_RENDER_STORE_VARIANTS=false", "EASEL_RENDER_LEVELS=",
		"EASEL_VISION_ANALYZE_UPLOADS=false", "EASEL_RENDER_CONCURRENCY=1"}
	local := startRole(b, "serve", b.TempDir(), env...)
	remote := startRole(b, "serve", b.TempDir(), append(env,
		"EASEL_BLOB_BACKEND=s3", "EASEL_BLOB_S3_ENDPOINT="+s3.Endpoint, "EASEL_BLOB_S3_BUCKET="+bucket,
		"EASEL_BLOB_S3_ACCESS_KEY="+s3.AccessKey, "EASEL_BLOB_S3_SECRET_KEY="+s3.SecretKey, "EASEL_BLOB_S3_PATH_STYLE=true")...)
	paths := map[*server]string{}
	for _, s := range []*server{local, remote} {
		status, body := s.upload(b, photo)
		require.Equal(b, 201, status, "%v", body)
		paths[s] = s.easel(b, "url", "sign", "--data", s.data, body["id"].(string), "w_300,f_jpeg")
	}
	render := func(s *server) time.Duration {
		start := time.Now()
		resp, body := s.get(b, paths[s])
		require.Equal(b, 200, resp.StatusCode, "%s", body)
		require.NotEqual(b, "memory", resp.Header.Get("X-Easel-Cache"))
		return time.Since(start)
	}
	for range 3 { // warm-up
		render(local)
		render(remote)
	}
	var lat [2][]time.Duration
	for range 10 {
		for i, s := range []*server{local, remote} {
			for range 4 {
				lat[i] = append(lat[i], render(s))
			}
		}
	}
	med := func(d []time.Duration) time.Duration {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return d[len(d)/2]
	}
	mLocal, mS3 := med(lat[0]), med(lat[1])
	fmt.Printf("\nUncached 300 px JPEG of a 4 MP JPEG (plasma_ColorfulCups 2560x1600), original read each time; %d requests each, alternated in rounds of 4 (load avg %s)\n\n",
		len(lat[0]), loadavg())
	fmt.Printf("| original on | median | \n|---|---|\n| local folder | %.1f ms |\n| S3 (versitygw, 127.0.0.1) | %.1f ms |\n| ratio S3 / local | %.2f× |\n",
		ms(mLocal), ms(mS3), float64(mS3)/float64(mLocal))

	// Cached hits through Varnish in front of the local serve.
	front := startVarnish(b, freePort(b), strings.TrimPrefix(local.base, "http://"))
	resp, _ := http.Get(front + paths[local])
	resp.Body.Close()
	resp, _ = http.Get(front + paths[local])
	resp.Body.Close()
	require.Contains(b, resp.Header.Get("X-Cache"), "HIT")
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		b.Skip("wrk not installed (make deps-bench)")
	}
	out, err := exec.Command(wrk, "-t2", "-c16", "-d5s", front+paths[local]).CombinedOutput()
	require.NoError(b, err, "%s", out)
	m := regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`).FindSubmatch(out)
	require.NotNil(b, m, "%s", out)
	fmt.Printf("\nCached hits through Varnish (wrk -t2 -c16 -d5s, one URL): %s req/s (load avg %s)\n", m[1], loadavg())
}
