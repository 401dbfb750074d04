package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkMemoryHit serves a memory-cache hit through the whole handler
// (metrics, routing, signature check, headers, body) into a recorder.
func BenchmarkMemoryHit(b *testing.B) { benchmarkMemoryHit(b, options{}) }

// BenchmarkMemoryHitEffects is BenchmarkMemoryHit with the per-effect
// series off and on, alternated (off, on, off, on …) in one run
// (docs/BENCHMARKS.md).
func BenchmarkMemoryHitEffects(b *testing.B) {
	for round := range 4 {
		for _, on := range []bool{false, true} {
			// Distinct names: a #01 suffix would reach the SQLite path.
			b.Run(fmt.Sprintf("effects=%v-%d", on, round+1), func(b *testing.B) { benchmarkMemoryHit(b, options{effects: on}) })
		}
	}
}

func benchmarkMemoryHit(b *testing.B, o options) {
	bb := setup(b, o)
	a := bb.upload(b, pngBytes(64, 48))
	path := bb.sign(b, "w_32,f_png", a.ID)
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for range 2 { // render, then make sure the next answers come from memory
		rec := httptest.NewRecorder()
		bb.h.ServeHTTP(rec, req)
		require.Equal(b, http.StatusOK, rec.Code, rec.Body.String())
	}
	rec := httptest.NewRecorder()
	bb.h.ServeHTTP(rec, req)
	require.Equal(b, "memory", rec.Header().Get("X-Easel-Cache"))
	b.ReportAllocs()
	before := cpuTime()
	n := 0
	for b.Loop() {
		rec := httptest.NewRecorder()
		bb.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
		n++
	}
	// CPU time of the whole process (GC and background goroutines
	// included) per hit: wall time is disturbed by whatever else runs.
	b.ReportMetric(float64(cpuTime()-before)/float64(n)/1e3, "cpu-µs/op")
}

// cpuTime is the process's user and system CPU time in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
