package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/config"
	"github.com/easelhq/easel/internal/telemetry/otlptest"
	"github.com/easelhq/easel/internal/testimages"
)

// BenchmarkTracingOverhead compares tracing off with tracing on (every
// request sampled, or one in ten for hit/on-10pct; the spans exported over OTLP/HTTP to a local receiver)
// on an uncached render (a 2560x1920 JPEG to a 300x300 WebP; no memory
// cache, no stored variants, no levels) and on a memory-cache hit, through
// the whole handler into a recorder. The variants run A B A B in one
// process; cpu-µs/op is the process's CPU time per request (GC, the
// exporter's goroutine and the receiver included).
//
//	go test -run '^$' -bench TracingOverhead -benchtime 3s ./internal/app/
func BenchmarkTracingOverhead(b *testing.B) {
	photo := testimages.Read(b, "photos/mate_Wood.jpg")
	sink := otlptest.Start(b, false)
	type variant struct {
		name string
		h    http.Handler
		path string
	}
	mk := func(name string, cached bool, ratio float64) variant {
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
		return variant{name: name, h: bb.app.Handler, path: path}
	}
	variants := []variant{
		mk("render/off", false, 0), mk("render/on", false, 1),
		mk("hit/off", true, 0), mk("hit/on", true, 1), mk("hit/on-10pct", true, 0.1),
	}
	for round := range 2 { // A B A B
		for _, v := range variants {
			b.Run(fmt.Sprintf("%s/round%d", v.name, round+1), func(b *testing.B) {
				req := httptest.NewRequest(http.MethodGet, v.path, nil)
				b.ReportAllocs()
				before := cpuTime()
				n := 0
				for b.Loop() {
					rec := httptest.NewRecorder()
					v.h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatal(rec.Code, rec.Body.String())
					}
					n++
				}
				b.ReportMetric(float64(cpuTime()-before)/float64(n)/1e3, "cpu-µs/op")
			})
		}
	}
	b.ReportMetric(float64(sink.Requests()), "exports")
}

// cpuTime is the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
