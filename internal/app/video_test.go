package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/config"
	"github.com/easelhq/easel/internal/video"
)

// needFFmpeg skips locally, and fails in CI, without ffmpeg.
func needFFmpeg(t *testing.T) {
	t.Helper()
	if err := (video.Tools{}).Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("ffmpeg is needed (make deps-test installs it): %v", err)
		}
		t.Skipf("ffmpeg not installed: %v", err)
	}
}

var (
	clipMu    sync.Mutex
	clipCache = map[string][]byte{}
)

// lavfiClip makes a clip with ffmpeg's lavfi (once per name per test
// binary): testsrc2 at w x h for seconds, a sine as audio unless noAudio,
// with the extra output arguments, in the container of name's extension.
func lavfiClip(t *testing.T, name string, w, h int, seconds float64, extra ...string) []byte {
	t.Helper()
	needFFmpeg(t)
	clipMu.Lock()
	defer clipMu.Unlock()
	if b, ok := clipCache[name]; ok {
		return b
	}
	path := filepath.Join(t.TempDir(), name)
	args := []string{"-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=25:duration=%g", w, h, seconds),
		"-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=440:sample_rate=48000:duration=%g", seconds)}
	args = append(append(args, extra...), "-shortest", path)
	out, err := exec.Command("ffmpeg", args...).CombinedOutput()
	require.NoError(t, err, "ffmpeg %s: %s", name, out)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	clipCache[name] = b
	return b
}

var h264 = []string{"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"}

func clip360(t *testing.T) []byte { return lavfiClip(t, "clip360.mp4", 640, 360, 10, h264...) }
func clip720(t *testing.T) []byte { return lavfiClip(t, "clip720.mp4", 1280, 720, 10, h264...) }

// asset reads GET /v1/assets/{id}.
func (b *bundle) asset(t *testing.T, id string) map[string]any {
	t.Helper()
	resp, out := b.do(t, "GET", "/v1/assets/"+id, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
	var v map[string]any
	require.NoError(t, json.Unmarshal(out, &v))
	return v
}

// TestVideoUploads: MP4 (360p and 720p, 10 s with audio), MOV (rotated),
// MKV and WebM are accepted, probed and shown with their duration,
// displayed size, codecs, rotation and bit rate.
func TestVideoUploads(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	b := start(t, nil)
	tests := []struct {
		name          string
		data          func(t *testing.T) []byte
		format        string
		w, h          int
		duration      float64
		vcodec, acode string
		rotation      int
	}{
		{"mp4 360p", clip360, "mp4", 640, 360, 10, "h264", "aac", 0},
		{"mp4 720p", clip720, "mp4", 1280, 720, 10, "h264", "aac", 0},
		{"mov rotated", rotatedMOV, "mov", 240, 320, 2, "h264", "aac", 90},
		{"mkv", func(t *testing.T) []byte { return lavfiClip(t, "clip.mkv", 320, 240, 2, h264...) }, "mkv", 320, 240, 2, "h264", "aac", 0},
		{"webm", func(t *testing.T) []byte {
			return lavfiClip(t, "clip.webm", 160, 120, 1, "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k", "-c:a", "libopus")
		}, "webm", 160, 120, 1, "vp9", "opus", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.data(t)
			up := b.upload(t, data, "")
			got := b.asset(t, up["id"].(string))
			require.Equal(t, "video", got["kind"])
			require.Equal(t, tt.format, got["format"])
			require.EqualValues(t, tt.w, got["width"])
			require.EqualValues(t, tt.h, got["height"])
			require.InDelta(t, tt.duration, got["duration"], 0.1)
			require.Equal(t, tt.vcodec, got["video_codec"])
			require.Equal(t, tt.acode, got["audio_codec"])
			require.EqualValues(t, tt.rotation, got["rotation"])
			require.Greater(t, got["bit_rate"], 0.0)
			require.EqualValues(t, len(data), got["bytes"])
			require.Nil(t, got["faces"], "videos are not analysed")
			require.Empty(t, up["analysis_task_id"])
		})
	}
}

// rotatedMOV is a 320x240 QuickTime clip displayed turned by 90 degrees
// (ffmpeg 5.1 writes the display matrix when remuxing).
func rotatedMOV(t *testing.T) []byte {
	base := lavfiClip(t, "rot-base.mov", 320, 240, 2, h264...)
	clipMu.Lock()
	defer clipMu.Unlock()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.mov"), filepath.Join(dir, "rot.mov")
	require.NoError(t, os.WriteFile(in, base, 0o644))
	b, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", in, "-c", "copy",
		"-metadata:s:v:0", "rotate=90", out).CombinedOutput()
	require.NoError(t, err, "%s", b)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	return data
}

// TestVideoUploadsRefused: what is not a readable video within the limits
// is a 4xx with a stable code, and nothing is stored.
func TestVideoUploadsRefused(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	small := lavfiClip(t, "small.mp4", 160, 120, 2, h264...)
	b := start(t, func(c *config.Config) {
		c.Limits.MaxVideoDuration = 5 * time.Second
		c.Limits.MaxVideoBytes = int64(len(small)) + 1000
		c.Limits.MaxPixels = 640 * 360
	})
	garbage := append([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), bytes.Repeat([]byte("not a movie "), 500)...)
	ebmlUnknown := []byte("\x1a\x45\xdf\xa3\x93\x42\x86\x81\x01\x42\x82\x88matrosky\x42\x87\x81\x04")
	tests := []struct {
		name   string
		data   func(t *testing.T) []byte
		status int
		code   string
	}{
		{"garbage in an mp4 box", func(*testing.T) []byte { return garbage }, http.StatusUnsupportedMediaType, "unsupported_media"},
		{"unknown EBML document", func(*testing.T) []byte { return append(ebmlUnknown, bytes.Repeat([]byte{0}, 100)...) }, http.StatusUnsupportedMediaType, "unsupported_media"},
		{"text", func(*testing.T) []byte { return []byte("hello, this is not a video at all") }, http.StatusUnsupportedMediaType, "unsupported_media"},
		{"audio only", func(t *testing.T) []byte {
			return lavfiClip(t, "audio.m4a", 16, 16, 1, "-map", "1:a", "-c:a", "aac")
		}, http.StatusUnsupportedMediaType, "unsupported_media"},
		{"too long", clip360small(t), http.StatusRequestEntityTooLarge, "too_large"},
		{"too big", func(t *testing.T) []byte {
			return lavfiClip(t, "big.mkv", 320, 180, 2, "-c:v", "libx264", "-preset", "ultrafast", "-crf", "0", "-c:a", "aac")
		}, http.StatusRequestEntityTooLarge, "too_large"},
		{"too many pixels", func(t *testing.T) []byte { return lavfiClip(t, "wide.mp4", 1280, 720, 1, h264...) }, http.StatusRequestEntityTooLarge, "too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, out := b.do(t, "POST", "/v1/assets", bytes.NewReader(tt.data(t)))
			require.Equal(t, tt.status, resp.StatusCode, string(out))
			require.Equal(t, tt.code, errorCode(t, out), string(out))
		})
	}
	// Nothing was stored: no original, no asset.
	n := 0
	require.NoError(t, b.app.Blobs.List(context.Background(), "originals/", func(easel.BlobInfo) error { n++; return nil }))
	require.Zero(t, n, "originals stored by refused uploads")
	resp, out := b.do(t, "GET", "/v1/assets", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotContains(t, string(out), `"kind"`, string(out))
	// The small clip itself is within every limit.
	b.upload(t, small, "")
}

// clip360small is a 6 s clip: over a 5 s max_video_duration.
func clip360small(t *testing.T) func(*testing.T) []byte {
	return func(t *testing.T) []byte { return lavfiClip(t, "six.mp4", 160, 90, 6, h264...) }
}

// TestVideoPosterFrames: a delivery URL of a video renders its poster frame
// at so_ (different times, different frames) with the image operations
// applied; past the end, and so_ on an image, are 400.
func TestVideoPosterFrames(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	b := start(t, nil)
	ctx := context.Background()
	id := b.upload(t, clip360(t), "")["id"].(string)
	get := func(t *testing.T, ops, asset string) (*http.Response, []byte) {
		t.Helper()
		path, err := b.app.Keys.SignPath(ctx, b.tenant, ops, asset, "")
		require.NoError(t, err)
		return b.do(t, "GET", path, nil)
	}
	frame := func(t *testing.T, ops string) image.Image {
		t.Helper()
		resp, out := get(t, ops, id)
		require.Equal(t, http.StatusOK, resp.StatusCode, string(out))
		img, _, err := image.Decode(bytes.NewReader(out))
		require.NoError(t, err)
		return img
	}
	// The whole frame, displayed size; the default is 1 s in (10% of 10 s).
	full := frame(t, "f_png")
	require.Equal(t, image.Pt(640, 360), full.Bounds().Size())
	at1 := frame(t, "so_1,f_png")
	require.Less(t, meanDiff(full, at1), 2.0, "no so_ is 10%% of the duration: 1 s")

	at5 := frame(t, "so_5,f_png")
	require.Greater(t, meanDiff(at1, at5), 5.0, "so_1 and so_5 are different frames")
	again := frame(t, "so_5,f_png")
	require.Zero(t, meanDiff(at5, again))

	// The image operations apply to the frame.
	thumb := frame(t, "so_2.5,w_320,h_320,c_fill,f_jpeg")
	require.Equal(t, image.Pt(320, 320), thumb.Bounds().Size())
	resp, _ := get(t, "so_2.5,w_320,h_320,c_fill,f_jpeg", id)
	require.Equal(t, "image/jpeg", resp.Header.Get("Content-Type"))
	require.Contains(t, []string{"memory", "store"}, resp.Header.Get("X-Easel-Cache"), "a poster render is cached as an image")

	resp, out := get(t, "so_10,w_100", id)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, string(out))
	require.Equal(t, "invalid_argument", errorCode(t, out))
	require.Contains(t, string(out), "past the end")

	img := b.upload(t, noisePNG(t, 3, 32, 32), "?analyze=false")["id"].(string)
	resp, out = get(t, "so_1,w_10", img)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, string(out))
	require.Equal(t, "invalid_argument", errorCode(t, out))
}

// meanDiff is the mean absolute difference of two images' RGB channels, 0..255.
func meanDiff(a, b image.Image) float64 {
	if a.Bounds() != b.Bounds() {
		return math.Inf(1)
	}
	var sum float64
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			sum += math.Abs(float64(r1)-float64(r2)) + math.Abs(float64(g1)-float64(g2)) + math.Abs(float64(b1)-float64(b2))
		}
	}
	return sum / 257 / 3 / float64(r.Dx()*r.Dy())
}

const routeFlows = `
name: video-small
steps:
  - {id: probe, processor: video.probe}
outputs: [probe]
---
name: video-hd
steps:
  - {id: poster, processor: video.frames, params: {at: 1.0, width: 320}}
outputs: [poster]
`

const routeRules = `
- name: small-video
  when: "duration > 0 && short_side < 540"
  flow: video-small
- name: hd-video
  when: "duration > 0 && frames > 200"
  flow: video-hd
`

// TestVideoUploadRules: on upload, the rule short_side < 540 sends the
// 360p clip through one flow and the 720p clip through another.
func TestVideoUploadRules(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	dir := t.TempDir()
	flows := filepath.Join(dir, "flows")
	require.NoError(t, os.Mkdir(flows, 0o755))
	for i, doc := range strings.Split(routeFlows, "\n---\n") {
		require.NoError(t, os.WriteFile(filepath.Join(flows, fmt.Sprintf("f%d.yaml", i)), []byte(doc), 0o644))
	}
	rulesFile := filepath.Join(dir, "rules.yaml")
	require.NoError(t, os.WriteFile(rulesFile, []byte(routeRules), 0o644))
	b := start(t, func(c *config.Config) { c.Flows.Dir, c.Rules.File = flows, rulesFile })
	for _, tt := range []struct {
		name string
		data func(*testing.T) []byte
		flow string
		out  string
	}{
		{"360p", clip360, "video-small@", "probe.probe"},
		{"720p", clip720, "video-hd@", "poster.frames"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, out := b.do(t, "POST", "/v1/assets?wait=60s", bytes.NewReader(tt.data(t)))
			require.Contains(t, []int{http.StatusOK, http.StatusAccepted}, resp.StatusCode, string(out))
			var v struct {
				Task struct {
					State    string
					Ops      []string
					Progress float64
					Outputs  []struct{ Ops, Format string }
				}
				Asset struct{ Kind string }
			}
			require.NoError(t, json.Unmarshal(out, &v), string(out))
			require.Equal(t, "video", v.Asset.Kind)
			// Follow a task still running (a loaded machine) to its end.
			for deadline := time.Now().Add(5 * time.Minute); v.Task.State != "succeeded" && v.Task.State != "dead" && time.Now().Before(deadline); {
				var id struct{ Task struct{ ID string } }
				require.NoError(t, json.Unmarshal(out, &id))
				time.Sleep(time.Second)
				resp, tout := b.do(t, "GET", "/v1/tasks/"+id.Task.ID, nil)
				require.Contains(t, []int{http.StatusOK, http.StatusAccepted}, resp.StatusCode, string(tout))
				require.NoError(t, json.Unmarshal(tout, &v.Task), string(tout))
			}
			require.Equal(t, "succeeded", v.Task.State, string(out))
			require.True(t, strings.HasPrefix(v.Task.Ops[0], tt.flow), "flow %v", v.Task.Ops)
			require.Len(t, v.Task.Outputs, 1)
			require.Equal(t, tt.out, v.Task.Outputs[0].Ops)
			require.Equal(t, 1.0, v.Task.Progress)
		})
	}
}

// TestVideoResumableUpload: a tus upload of a video goes through the same
// upload door (probed, kind video), with max_video_bytes as its limit even
// when it is over max_upload_bytes; garbage that looks like an MP4 is
// refused there too.
func TestVideoResumableUpload(t *testing.T) {
	t.Parallel()
	data := lavfiClip(t, "small.mp4", 160, 120, 2, h264...)
	b := start(t, func(c *config.Config) { c.Limits.MaxUploadBytes = int64(len(data)) / 2 })
	resp, out := tusUpload(t, b, data)
	require.Equal(t, http.StatusNoContent, resp.StatusCode, string(out))
	got := b.asset(t, resp.Header.Get("Easel-Asset-Id"))
	require.Equal(t, "video", got["kind"])
	require.InDelta(t, 2, got["duration"], 0.1)

	garbage := append([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), bytes.Repeat([]byte("not a movie "), 50)...)
	resp, out = tusUpload(t, b, garbage)
	require.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode, string(out))
	require.Equal(t, "unsupported_media", errorCode(t, out))
}

// TestVideoPosterTimeout: a poster render runs under render.timeout like
// any render: past it, 504 deadline_exceeded (ffmpeg's process group is
// killed with the render's context).
func TestVideoPosterTimeout(t *testing.T) {
	t.Parallel()
	data := clip720(t)
	b := start(t, func(c *config.Config) { c.Render.Timeout = 20 * time.Millisecond })
	id := b.upload(t, data, "")["id"].(string)
	path, err := b.app.Keys.SignPath(context.Background(), b.tenant, "so_3,w_100", id, "")
	require.NoError(t, err)
	resp, out := b.do(t, "GET", path, nil)
	require.Equal(t, http.StatusGatewayTimeout, resp.StatusCode, string(out))
	require.Equal(t, "deadline_exceeded", errorCode(t, out))
}
