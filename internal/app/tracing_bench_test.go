package app

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/config"
	"github.com/easelhq/easel/internal/telemetry/otlptest"
	"github.com/easelhq/easel/internal/testimages"
)

// BenchmarkTracingOverhead compares tracing off with tracing on (every
// request sampled, or one in ten for "on-10pct"; the spans exported over
// OTLP/HTTP to a local receiver) on an uncached render (a 2560x1920 JPEG to
// a 300x300 WebP; no memory cache, no stored variants, no levels) and on a
// memory-cache hit, through the whole handler into a recorder. Off and on
// alternate within each iteration (A B A B ...), so drift and the load of
// the machine fall on both alike; each side's CPU time is the process's
// (libvips threads, GC and the exporter included) across its own requests.
//
//	go test -run '^$' -bench TracingOverhead -benchtime 100x ./internal/app/
func BenchmarkTracingOverhead(b *testing.B) {
	photo := testimages.Read(b, "photos/mate_Wood.jpg")
	sink := otlptest.Start(b, false)
	type variant struct {
		h     http.Handler
		path  string
		flush func(context.Context) error
	}
	mk := func(cached bool, ratio float64) variant {
		bb := start(b, func(c *config.Config) {
			c.Vision.AnalyzeUploads = false
			c.Render.Levels = nil
			if !cached {
				c.Render.CacheBytes, c.Render.StoreVariants = 0, false
			}
			if ratio > 0 {
				c.Telemetry.OTLPEndpoint, c.Telemetry.SampleRatio = sink.URL(), ratio
			}
		})
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/v1/assets?analyze=false", bytes.NewReader(photo))
		req.Header.Set("Authorization", "Bearer "+bb.apiKey)
		bb.app.Handler.ServeHTTP(rec, req)
		require.Equal(b, http.StatusCreated, rec.Code, rec.Body.String())
		var a struct{ ID string }
		require.NoError(b, json.Unmarshal(rec.Body.Bytes(), &a))
		path, err := bb.app.Keys.SignPath(context.Background(), bb.tenant, "w_300,h_300,c_fill,f_webp", a.ID, "")
		require.NoError(b, err)
		for range 2 { // the second answer of a cached variant comes from memory
			rec = httptest.NewRecorder()
			bb.app.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			require.Equal(b, http.StatusOK, rec.Code, rec.Body.String())
		}
		want := "render"
		if cached {
			want = "memory"
		}
		require.Equal(b, want, rec.Header().Get("X-Easel-Cache"))
		return variant{h: bb.app.Handler, path: path, flush: bb.app.Telemetry.ForceFlush}
	}
	serve := func(b *testing.B, v variant, n int) int64 {
		req := httptest.NewRequest(http.MethodGet, v.path, nil)
		before := cpuTime()
		for range n {
			rec := httptest.NewRecorder()
			v.h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatal(rec.Code, rec.Body.String())
			}
		}
		// Export what the batch recorded now, in its own window (the
		// exporter would send it within 5 s, during another's).
		if err := v.flush(context.Background()); err != nil {
			b.Fatal(err)
		}
		return cpuTime() - before
	}
	// compare runs off and the others in turn, batch requests each, and
	// reports each one's CPU time per request and its overhead over off.
	compare := func(b *testing.B, batch int, names []string, vs ...variant) {
		cpu := make([]int64, len(vs))
		n := 0
		for b.Loop() {
			for i, v := range vs {
				cpu[i] += serve(b, v, batch)
			}
			n += batch
		}
		off := float64(cpu[0]) / float64(n) / 1e3
		b.ReportMetric(off, "off-cpu-µs/req")
		for i := 1; i < len(vs); i++ {
			on := float64(cpu[i]) / float64(n) / 1e3
			b.ReportMetric(on, names[i]+"-cpu-µs/req")
			b.ReportMetric(100*(on-off)/off, names[i]+"-overhead-%")
		}
	}
	renderOff, renderOn := mk(false, 0), mk(false, 1)
	hitOff, hitOn, hitOn10 := mk(true, 0), mk(true, 1), mk(true, 0.1)
	b.Run("render", func(b *testing.B) { compare(b, 1, []string{"off", "on"}, renderOff, renderOn) })
	b.Run("hit", func(b *testing.B) {
		compare(b, 200, []string{"off", "on", "on-10pct"}, hitOff, hitOn, hitOn10)
		for _, x := range []struct {
			name string
			v    variant
		}{{"off", hitOff}, {"on", hitOn}, {"on-10pct", hitOn10}} {
			req := httptest.NewRequest(http.MethodGet, x.v.path, nil)
			allocs := testing.AllocsPerRun(1000, func() { x.v.h.ServeHTTP(httptest.NewRecorder(), req) })
			b.ReportMetric(allocs, x.name+"-allocs/req") // the recorder's included
		}
	})
	b.ReportMetric(float64(sink.Requests()), "exports")
}
