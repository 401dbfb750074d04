package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/config"
	"github.com/easelhq/easel/transform"
)

// BenchmarkEffectMetrics measures what the per-effect metrics cost on a
// memory-cache hit and on an uncached render (a real 2560x1920 photo,
// thumbnails of 200..399 px from its levels), with metrics.effects off and
// on, side by side in one run: two apps, the same requests, through the
// whole handler into a recorder. cpu-µs/op is the process's CPU time per
// request (background goroutines included).
func BenchmarkEffectMetrics(b *testing.B) {
	photo, err := os.ReadFile("../../../shared/testdata/photos/mate_Wood.jpg")
	if err != nil {
		b.Skip("no shared test photo:", err)
	}
	type target struct {
		b    *bundle
		hit  string
		next func() string
	}
	targets := map[bool]*target{}
	for _, on := range []bool{false, true} {
		bb := start(b, func(c *config.Config) {
			c.Metrics.Effects = on
			c.Render.StoreVariants = false // every new URL renders
			c.Log.Level = "error"
		})
		res := bb.upload(b, photo, "?analyze=false")
		waitTask(b, bb, res["levels_task_id"].(string))
		sk, err := bb.app.Keys.CreateSigningKey(b.Context(), bb.tenant)
		require.NoError(b, err)
		id := res["id"].(string)
		n := 0
		targets[on] = &target{b: bb, hit: transform.SignedPath(sk.Secret, "w_300,f_webp", id, ""), next: func() string {
			n++
			return transform.SignedPath(sk.Secret, fmt.Sprintf("w_%d,q_%d,f_webp", 200+n%200, 60+(n/200)%40), id, "")
		}}
	}
	serve := func(b *testing.B, h http.Handler, path, layer string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK || layer != "" && rec.Header().Get("X-Easel-Cache") != layer {
			b.Fatal(rec.Code, rec.Header().Get("X-Easel-Cache"), rec.Body.String())
		}
	}
	for range 3 { // off, on, off, on …: load drifts less between neighbours
		for _, kind := range []string{"hit", "render"} {
			for _, on := range []bool{false, true} {
				tg := targets[on]
				b.Run(fmt.Sprintf("%s/effects=%v", kind, on), func(b *testing.B) {
					h := tg.b.app.Handler
					if kind == "hit" {
						serve(b, h, tg.hit, "") // render once
						serve(b, h, tg.hit, "memory")
					}
					before := cpuTime()
					n := 0
					for b.Loop() {
						if kind == "hit" {
							serve(b, h, tg.hit, "memory")
						} else {
							serve(b, h, tg.next(), "render")
						}
						n++
					}
					b.ReportMetric(float64(cpuTime()-before)/float64(n)/1e3, "cpu-µs/op")
				})
			}
		}
	}
}

// waitTask polls a task until it is final.
func waitTask(t testing.TB, b *bundle, id string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		_, out := b.do(t, "GET", "/v1/tasks/"+id, nil)
		var v struct{ State string }
		require.NoError(t, json.Unmarshal(out, &v))
		if v.State == "succeeded" {
			return
		}
		require.NotEqual(t, "dead", v.State, string(out))
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("task %s not done in time", id)
}

// cpuTime is the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
