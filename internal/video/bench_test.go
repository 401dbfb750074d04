package video_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/flow/processor"
	"github.com/easelhq/easel/internal/video"
)

// childCPU is the user+system time of the waited-for children so far.
func childCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTranscode720p compares video.transcode of a 10 s 720p clip
// (probe, ffmpeg with -progress parsed, probe of the output) with the same
// ffmpeg command line run directly. Besides wall time it reports the CPU
// time of the child processes (cpu-s/op), steadier on a shared machine.
func BenchmarkTranscode720p(b *testing.B) {
	in := clip(b, 1280, 720)
	tc := video.Transcode{Tools: tools}
	v, err := processor.Validate(tc, map[string]any{"preset": "veryfast"})
	require.NoError(b, err)
	b.Run("direct", func(b *testing.B) {
		out := filepath.Join(b.TempDir(), "out.mp4")
		cpu := childCPU()
		for b.Loop() {
			args := append([]string{"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-y"}, video.TranscodeArgs(in.Path, out, v, 720)...)
			out, err := command("ffmpeg", args...).CombinedOutput()
			require.NoError(b, err, string(out))
		}
		b.ReportMetric((childCPU()-cpu).Seconds()/float64(b.N), "cpu-s/op")
	})
	b.Run("video.transcode", func(b *testing.B) {
		dir := b.TempDir()
		cpu := childCPU()
		for b.Loop() {
			outs, err := tc.Run(context.Background(), processor.Request{Input: in, Params: v, Dir: dir, Progress: func(float64) {}})
			require.NoError(b, err)
			require.NoError(b, os.Remove(outs[0].File.Path))
		}
		b.ReportMetric((childCPU()-cpu).Seconds()/float64(b.N), "cpu-s/op")
	})
}

// BenchmarkFrames captures 10 evenly spaced JPEG frames of a 10 s 720p
// clip per op and reports frames/s (wall) and frames per CPU second of the
// child processes.
func BenchmarkFrames(b *testing.B) {
	in := clip(b, 1280, 720)
	f := video.Frames{Tools: tools}
	v, err := processor.Validate(f, map[string]any{"count": 10})
	require.NoError(b, err)
	start, cpu := time.Now(), childCPU()
	for b.Loop() {
		outs, err := f.Run(context.Background(), processor.Request{Input: in, Params: v, Dir: b.TempDir()})
		require.NoError(b, err)
		require.Len(b, outs, 10)
	}
	b.ReportMetric(float64(10*b.N)/time.Since(start).Seconds(), "frames/s")
	b.ReportMetric(float64(10*b.N)/(childCPU()-cpu).Seconds(), "frames/cpu-s")
}
