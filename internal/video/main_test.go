package video_test

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/flow/processor"
	"github.com/easelhq/easel/internal/video"
)

var (
	clipDir  string
	clipOnce sync.Map // name → *sync.Once
	tools    = video.Tools{}
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "easel-video-test-")
	if err != nil {
		panic(err)
	}
	clipDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needFFmpeg skips locally, and fails in CI, without ffmpeg.
func needFFmpeg(t testing.TB) {
	t.Helper()
	if err := tools.Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ffmpeg is needed (make deps-test installs it): %v", err)
		}
		t.Skipf("ffmpeg not installed (make deps-test): %v", err)
	}
}

// clip returns a 10 s test clip with audio, w x h, made once by lavfi.
func clip(t testing.TB, w, h int) processor.File {
	t.Helper()
	needFFmpeg(t)
	name := fmt.Sprintf("clip%dx%d.mp4", w, h)
	path := filepath.Join(clipDir, name)
	once, _ := clipOnce.LoadOrStore(name, new(sync.Once))
	once.(*sync.Once).Do(func() {
		out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
			"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=30:duration=10", w, h),
			"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=10",
			"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path).CombinedOutput()
		if err != nil {
			os.Remove(path)
			t.Fatalf("making %s: %v: %s", name, err, out)
		}
	})
	_, err := os.Stat(path)
	require.NoError(t, err, "clip %s", name)
	return processor.File{Path: path, MIME: "video/mp4"}
}

// run validates params and runs p.
func run(t *testing.T, p processor.Processor, in processor.File, raw map[string]any) ([]processor.Output, []float64, error) {
	t.Helper()
	v, err := processor.Validate(p, raw)
	if err != nil {
		return nil, nil, err
	}
	var mu sync.Mutex
	var progress []float64
	outs, err := p.Run(context.Background(), processor.Request{Input: in, Params: v, Dir: t.TempDir(), Progress: func(f float64) {
		mu.Lock()
		progress = append(progress, f)
		mu.Unlock()
	}})
	return outs, progress, err
}

// probe checks a file with ffprobe.
func probe(t *testing.T, path string) video.Info {
	t.Helper()
	info, err := tools.Probe(context.Background(), path)
	require.NoError(t, err)
	return info
}

func requireDuration(t *testing.T, want, got float64) {
	t.Helper()
	require.LessOrEqual(t, math.Abs(want-got), 0.1, "duration %v, want %v±0.1", got, want)
}

// watermarkPNG writes a solid magenta square.
func watermarkPNG(t *testing.T) string {
	img := image.NewNRGBA(image.Rect(0, 0, 120, 120))
	for y := 0; y < 120; y++ {
		for x := 0; x < 120; x++ {
			img.Set(x, y, color.NRGBA{255, 0, 255, 255})
		}
	}
	p := filepath.Join(t.TempDir(), "wm.png")
	f, err := os.Create(p)
	require.NoError(t, err)
	require.NoError(t, png.Encode(f, img))
	require.NoError(t, f.Close())
	return p
}

func command(name string, args ...string) *exec.Cmd { return exec.Command(name, args...) }
