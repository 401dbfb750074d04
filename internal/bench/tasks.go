package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/keys"
	"github.com/easelhq/easel/internal/meta/sqlite"
	natsq "github.com/easelhq/easel/internal/queue/nats"
	"github.com/easelhq/easel/internal/queue/relay"
	"github.com/easelhq/easel/internal/tasks"
	"github.com/easelhq/easel/internal/worker"
)

// noop is a Processor that does nothing: what is left is the cost of the
// queue, the task store and the worker's bookkeeping.
type noop struct{}

func (noop) Process(context.Context, easel.Task, easel.Asset, []byte) ([]worker.Result, error) {
	return nil, nil
}

func (noop) LoadOriginal(context.Context, easel.Asset) ([]byte, error) { return nil, nil }

// taskRig is an in-process embedded queue, SQLite store, task service and
// worker with the no-op processor.
type taskRig struct {
	dir     string
	meta    *sqlite.Store
	queue   *natsq.Queue
	tasks   *tasks.Tasks
	batches *tasks.Batches
	tenant  string
	asset   string
	stop    func()
}

func newTaskRig(ctx context.Context) (*taskRig, error) {
	dir, err := os.MkdirTemp("", "easel-bench-tasks")
	if err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	meta, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, "easel.db"), BusyTimeout: 5 * time.Second})
	if err != nil {
		return nil, err
	}
	qc := natsq.NewDefaultConfig()
	qc.EmbeddedDir = filepath.Join(dir, "nats")
	q, err := natsq.Open(ctx, qc, log)
	if err != nil {
		return nil, err
	}
	ks := keys.New(meta, keys.Config{})
	if _, err := ks.Bootstrap(ctx); err != nil {
		return nil, err
	}
	tenant, err := ks.DefaultTenant(ctx)
	if err != nil {
		return nil, err
	}
	asset := easel.Asset{ID: easel.NewID(), TenantID: tenant.ID, SHA256: strings.Repeat("0", 64), Format: "jpeg",
		Width: 1, Height: 1, Pages: 1, Bytes: 1, CreatedAt: time.Now().UTC()}
	if err := meta.CreateAsset(ctx, asset); err != nil {
		return nil, err
	}
	r := &taskRig{dir: dir, meta: meta, queue: q, tenant: tenant.ID, asset: asset.ID}
	r.tasks = tasks.New(tasks.Config{OutboxInterval: time.Hour, MaxBatch: 1000}, meta, meta, q, ks, log)
	r.batches = tasks.NewBatches(r.tasks)
	w := worker.New(worker.Config{
		Concurrency: 64, Prefetch: 64, AckWait: 30 * time.Second, MaxDeliver: 5, Backoff: []time.Duration{time.Second},
		TaskTimeout: time.Minute, DrainTimeout: 10 * time.Second,
	}, worker.Deps{Queue: q, Tasks: meta, Assets: meta, Loader: noop{},
		Processors: map[string]worker.Processor{easel.TaskRender: noop{}}, Log: log})
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = w.Run(wctx); close(done) }()
	events := relay.New(relay.NewDefaultConfig(), meta, q, log)
	relayed := make(chan struct{})
	go func() { _ = events.Run(wctx); close(relayed) }()
	r.stop = func() {
		cancel()
		<-done
		<-relayed
		q.Close()
		meta.Close()
		os.RemoveAll(dir)
	}
	return r, nil
}

// overhead submits tasks one at a time and measures submission to the
// succeeded event, minus the processing time the worker recorded.
func (r *taskRig) overhead(ctx context.Context, n int) (p50, p99 time.Duration, err error) {
	events, cancel, err := r.queue.SubscribeEvents(ctx, r.tenant, "")
	if err != nil {
		return 0, 0, err
	}
	defer cancel()
	var lat []time.Duration
	for i := 0; i < n; i++ {
		start := time.Now()
		v, err := r.tasks.Submit(ctx, r.tenant, tasks.SubmitRequest{Task: tasks.Request{AssetID: r.asset, Ops: []string{"w_10"}}})
		if err != nil {
			return 0, 0, err
		}
		for e := range events {
			if e.TaskID == v.ID && e.Type == easel.EventSucceeded {
				break
			}
		}
		took := time.Since(start)
		t, err := r.meta.GetTask(ctx, v.ID)
		if err != nil {
			return 0, 0, err
		}
		lat = append(lat, took-time.Duration(t.Timings.Process))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat[len(lat)/2], lat[len(lat)*99/100], nil
}

// throughput submits n no-op tasks in batches of 1000 and returns tasks/s
// from the first submission to the last success.
func (r *taskRig) throughput(ctx context.Context, n int) (float64, error) {
	events, cancel, err := r.queue.SubscribeEvents(ctx, r.tenant, "")
	if err != nil {
		return 0, err
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
	start := time.Now()
	for sent := 0; sent < n; sent += 1000 {
		reqs := make([]tasks.Request, min(1000, n-sent))
		for i := range reqs {
			reqs[i] = tasks.Request{AssetID: r.asset, Ops: []string{"w_10"}}
		}
		if _, err := r.batches.Submit(ctx, r.tenant, tasks.BatchRequest{Items: reqs}); err != nil {
			return 0, err
		}
	}
	select {
	case <-finished:
	case <-time.After(5 * time.Minute):
		return 0, fmt.Errorf("only %d of %d no-op tasks succeeded", done.Load(), n)
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// runTasks writes the task figures.
func runTasks(ctx context.Context, out *strings.Builder) error {
	rig, err := newTaskRig(ctx)
	if err != nil {
		return err
	}
	defer rig.stop()
	n := 500
	if *quick {
		n = 100
	}
	p50, p99, err := rig.overhead(ctx, n)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n### Tasks: queue overhead and no-op throughput (in-process: embedded NATS, SQLite, worker, no-op processor)\n\n")
	fmt.Fprintf(out, "Queue overhead (submission to the succeeded event, minus processing; %d tasks one at a time): p50 %.2f ms, p99 %.2f ms.\n\n",
		n, ms(p50), ms(p99))
	total := 10000
	if *quick {
		total = 2000
	}
	rate, err := rig.throughput(ctx, total)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "No-op tasks: %d in batches of 1000: %.0f tasks/s.\n", total, rate)
	return nil
}

// runTaskThumbnails compares 300 px thumbnails of the 13 MP photo made by
// tasks with the same made on the fly, on one easel serve, in one run.
func runTaskThumbnails(ctx context.Context, out *strings.Builder) error {
	s, err := startServer(ctx, "EASEL_RENDER_CACHE_BYTES=0", "EASEL_RENDER_STORE_VARIANTS=false", "EASEL_RENDER_QUEUE_LENGTH=4096")
	if err != nil {
		return err
	}
	defer s.stop()
	id, err := s.upload(filepath.Join(*testdata, photos[1]))
	if err != nil {
		return err
	}
	n := 40
	if *quick {
		n = 10
	}
	// On the fly: n distinct URLs, as many at once as there are render slots.
	paths := make(chan string, n)
	for i := 0; i < n; i++ {
		p, err := s.sign(id, fmt.Sprintf("w_%d,q_80,f_jpeg", 300+i))
		if err != nil {
			return err
		}
		paths <- p
	}
	close(paths)
	start := time.Now()
	errs := make(chan error, 2)
	for c := 0; c < 2; c++ {
		go func() {
			for p := range paths {
				resp, err := http.Get(s.base + p)
				if err != nil {
					errs <- err
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("GET %s: %d", p, resp.StatusCode)
					return
				}
			}
			errs <- nil
		}()
	}
	for c := 0; c < 2; c++ {
		if err := <-errs; err != nil {
			return err
		}
	}
	onTheFly := float64(n) / time.Since(start).Seconds()

	// Tasks: one batch of n distinct thumbnails, polled until done.
	var items []string
	for i := 0; i < n; i++ {
		items = append(items, fmt.Sprintf(`{"asset_id":%q,"ops":["w_%d,q_80,f_jpeg"]}`, id, 400+i))
	}
	start = time.Now()
	req, _ := http.NewRequest("POST", s.base+"/v1/batches", strings.NewReader(`{"items":[`+strings.Join(items, ",")+`]}`))
	req.Header.Set("Authorization", "Bearer "+s.apiKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("batch: %d %s", resp.StatusCode, b)
	}
	batch := between(string(b), `"batch":{"id":"`, `"`)
	for {
		req, _ := http.NewRequest("GET", s.base+"/v1/batches/"+batch, nil)
		req.Header.Set("Authorization", "Bearer "+s.apiKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), `"done":true`) {
			if !strings.Contains(string(b), fmt.Sprintf(`"succeeded":%d`, n)) {
				return fmt.Errorf("batch finished with failures: %s", b)
			}
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	viaTasks := float64(n) / time.Since(start).Seconds()
	fmt.Fprintf(out, "\n### Tasks: 300 px thumbnails of the 13 MP photo, through tasks against on the fly (one easel serve, %d each)\n\n", n)
	fmt.Fprintf(out, "| path | thumbnails/s |\n|---|---|\n| on the fly (HTTP, 2 at a time, cache off) | %.2f |\n| tasks (one batch, 2 workers) | %.2f |\n| ratio tasks / on the fly | %.2f× |\n",
		onTheFly, viaTasks, viaTasks/onTheFly)
	return nil
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	if j := strings.Index(s, b); j >= 0 {
		return s[:j]
	}
	return s
}
