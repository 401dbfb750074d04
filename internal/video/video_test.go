package video_test

import (
	"context"
	"encoding/json"
	"image"
	_ "image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow/processor"
	"github.com/easelhq/easel/internal/video"
)

func TestProbe(t *testing.T) {
	tests := []struct {
		name string
		w, h int
	}{{"360p", 640, 360}, {"720p", 1280, 720}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := clip(t, tt.w, tt.h)
			outs, _, err := run(t, video.ProbeProcessor{Tools: tools}, in, nil)
			require.NoError(t, err)
			var info video.Info
			data, _ := os.ReadFile(outs[0].File.Path)
			require.NoError(t, json.Unmarshal(data, &info))
			require.Equal(t, tt.w, info.Width)
			require.Equal(t, tt.h, info.Height)
			require.Equal(t, "h264", info.VideoCodec)
			require.Equal(t, "aac", info.AudioCodec)
			require.Equal(t, 0, info.Rotation)
			require.Greater(t, info.BitRate, int64(10000))
			require.InDelta(t, 30, info.FrameRate, 0.01)
			requireDuration(t, 10, info.Duration)
		})
	}
	t.Run("rotated", func(t *testing.T) {
		in := clip(t, 640, 360)
		rotated := filepath.Join(t.TempDir(), "rot.mp4")
		out, err := exec.Command("ffmpeg", "-loglevel", "error", "-i", in.Path, "-c", "copy", "-metadata:s:v:0", "rotate=90", rotated).CombinedOutput()
		require.NoError(t, err, string(out))
		info := probe(t, rotated)
		require.Equal(t, 90, info.Rotation)
		require.Equal(t, 360, info.Width, "displayed width")
		require.Equal(t, 640, info.Height)
	})
	t.Run("not a video", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "x.mp4")
		require.NoError(t, os.WriteFile(p, []byte("not a video at all"), 0o644))
		_, err := tools.Probe(context.Background(), p)
		require.Equal(t, easel.CodeUnsupportedMedia, easel.ErrorCode(err), "%v", err)
	})
}

func TestFrames(t *testing.T) {
	in := clip(t, 1280, 720)
	f := video.Frames{Tools: tools}
	t.Run("four evenly spaced jpeg", func(t *testing.T) {
		outs, progress, err := run(t, f, in, map[string]any{"count": 4})
		require.NoError(t, err)
		require.Len(t, outs, 4)
		for i, o := range outs {
			require.Equal(t, i, o.Index)
			require.Equal(t, "image/jpeg", o.File.MIME)
			info := probe(t, o.File.Path)
			require.Equal(t, "mjpeg", info.VideoCodec)
			require.Equal(t, 1280, info.Width)
			require.Equal(t, 720, info.Height)
			require.InDelta(t, 10*(float64(i)+0.5)/4, o.Meta["at"], 1e-9)
		}
		require.Equal(t, 1.0, progress[len(progress)-1])
		// testsrc2 moves: frames at different times differ
		a, _ := os.ReadFile(outs[0].File.Path)
		b, _ := os.ReadFile(outs[3].File.Path)
		require.NotEqual(t, a, b)
	})
	t.Run("one webp at a time, scaled", func(t *testing.T) {
		outs, _, err := run(t, f, in, map[string]any{"at": 2.5, "format": "webp", "width": 320})
		require.NoError(t, err)
		require.Len(t, outs, 1)
		require.Equal(t, "image/webp", outs[0].File.MIME)
		info := probe(t, outs[0].File.Path)
		require.Equal(t, "webp", info.VideoCodec)
		require.Equal(t, 320, info.Width)
		require.Equal(t, 180, info.Height)
	})
	t.Run("errors", func(t *testing.T) {
		_, _, err := run(t, f, in, map[string]any{"at": 12.0})
		require.Equal(t, "at: 12s is past the end of the video (10s)", easel.ErrorMessage(err))
		_, _, err = run(t, f, in, map[string]any{"at": 1, "count": 2})
		require.Equal(t, "at: give at or count, not both", easel.ErrorMessage(err))
		_, _, err = run(t, f, in, map[string]any{"count": 101})
		require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))
	})
}

func TestTranscode(t *testing.T) {
	in := clip(t, 1280, 720)
	tc := video.Transcode{Tools: tools}
	tests := []struct {
		name          string
		params        map[string]any
		vcodec, acodc string
		mime          string
		w, h          int
	}{
		{"h264 mp4 at 360p", map[string]any{"height": 360, "preset": "ultrafast"}, "h264", "aac", "video/mp4", 640, 360},
		{"vp9 webm at 240p", map[string]any{"format": "webm", "height": 240, "preset": "ultrafast", "crf": 40}, "vp9", "opus", "video/webm", 426, 240},
		{"no enlarging", map[string]any{"height": 1080, "preset": "ultrafast", "crf": 35}, "h264", "aac", "video/mp4", 1280, 720},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outs, progress, err := run(t, tc, in, tt.params)
			require.NoError(t, err)
			require.Len(t, outs, 1)
			require.Equal(t, tt.mime, outs[0].File.MIME)
			info := probe(t, outs[0].File.Path)
			require.Equal(t, tt.vcodec, info.VideoCodec)
			require.Equal(t, tt.acodc, info.AudioCodec)
			require.Equal(t, tt.w, info.Width)
			require.Equal(t, tt.h, info.Height)
			requireDuration(t, 10, info.Duration)
			require.NotEmpty(t, progress)
			require.Equal(t, 1.0, progress[len(progress)-1])
			for i := 1; i < len(progress); i++ {
				require.Greater(t, progress[i], progress[i-1])
			}
		})
	}
	t.Run("faststart puts moov first", func(t *testing.T) {
		outs, _, err := run(t, tc, clip(t, 640, 360), map[string]any{"preset": "ultrafast", "crf": 40})
		require.NoError(t, err)
		data, _ := os.ReadFile(outs[0].File.Path)
		moov, mdat := indexOf(data, "moov"), indexOf(data, "mdat")
		require.True(t, moov > 0 && moov < mdat, "moov %d, mdat %d", moov, mdat)
	})
	t.Run("bad crf for mp4", func(t *testing.T) {
		_, _, err := run(t, tc, in, map[string]any{"crf": 60})
		require.Equal(t, "crf: 60 is out of range 0..51 for mp4", easel.ErrorMessage(err))
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		v, _ := processor.Validate(tc, map[string]any{"preset": "veryslow"})
		done := make(chan error)
		go func() {
			_, err := tc.Run(ctx, processor.Request{Input: in, Params: v, Dir: t.TempDir(), Progress: func(f float64) {
				if f > 0 {
					cancel()
				}
			}})
			done <- err
		}()
		require.ErrorIs(t, <-done, context.Canceled)
	})
}

func indexOf(data []byte, s string) int {
	for i := 0; i+len(s) <= len(data); i++ {
		if string(data[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}

func TestWatermark(t *testing.T) {
	in := clip(t, 640, 360)
	wm := watermarkPNG(t)
	w := video.Watermark{Tools: tools, Resolve: func(_ context.Context, ref, _ string) (processor.File, error) {
		if ref != "asset-logo" {
			return processor.File{}, easel.Errorf(easel.CodeNotFound, "no asset %q", ref)
		}
		return processor.File{Path: wm, MIME: "image/png"}, nil
	}}
	outs, progress, err := run(t, w, in, map[string]any{
		"image": "asset-logo", "text": "easel: it's 100%", "position": "north_west", "opacity": 100,
		"from": 2.0, "to": 6.0, "margin": 0, "preset": "ultrafast"})
	require.NoError(t, err)
	info := probe(t, outs[0].File.Path)
	require.Equal(t, "h264", info.VideoCodec)
	require.Equal(t, "aac", info.AudioCodec)
	require.Equal(t, 640, info.Width)
	require.Equal(t, 360, info.Height)
	requireDuration(t, 10, info.Duration)
	require.Equal(t, 1.0, progress[len(progress)-1])

	// The magenta square is in the top-left corner from 2 s to 6 s only.
	magenta := func(at float64) bool {
		f, _, err := run(t, video.Frames{Tools: tools}, processor.File{Path: outs[0].File.Path, MIME: "video/mp4"}, map[string]any{"at": at})
		require.NoError(t, err)
		r, err := os.Open(f[0].File.Path)
		require.NoError(t, err)
		defer r.Close()
		img, _, err := image.Decode(r)
		require.NoError(t, err)
		cr, cg, cb, _ := img.At(60, 100).RGBA()
		return cr>>8 > 200 && cg>>8 < 60 && cb>>8 > 200
	}
	require.False(t, magenta(1))
	require.True(t, magenta(4))
	require.False(t, magenta(8))

	_, _, err = run(t, w, in, map[string]any{})
	require.Equal(t, "text: give text, image or both", easel.ErrorMessage(err))
	_, _, err = run(t, w, in, map[string]any{"text": "x", "from": 5.0, "to": 1.0})
	require.Equal(t, "to: must be after from", easel.ErrorMessage(err))
	_, _, err = run(t, video.Watermark{Tools: tools}, in, map[string]any{"image": "a"})
	require.Equal(t, "image: image watermarks are not available here", easel.ErrorMessage(err))
}

func TestPreview(t *testing.T) {
	in := clip(t, 1280, 720)
	tests := []struct {
		name   string
		params map[string]any
		mime   string
		w, h   int
		frames int
	}{
		{"webp", map[string]any{"start": 1.0, "duration": 2.0, "width": 320, "fps": 10}, "image/webp", 320, 180, 20},
		{"gif", map[string]any{"format": "gif", "duration": 3.0, "width": 160, "fps": 5}, "image/gif", 160, 90, 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			outs, _, err := run(t, video.Preview{Tools: tools}, in, tt.params)
			require.NoError(t, err)
			require.Equal(t, tt.mime, outs[0].File.MIME)
			a, err := video.ReadAnimation(outs[0].File.Path)
			require.NoError(t, err)
			require.Equal(t, tt.w, a.Width)
			require.Equal(t, tt.h, a.Height)
			require.Equal(t, tt.frames, a.Frames)
			requireDuration(t, tt.params["duration"].(float64), a.Duration)
			if tt.mime == "image/gif" { // ffprobe 5.1 reads GIF, not animated WebP
				info := probe(t, outs[0].File.Path)
				require.Equal(t, "gif", info.VideoCodec)
				require.Equal(t, tt.w, info.Width)
			}
		})
	}
	_, _, err := run(t, video.Preview{Tools: tools}, in, map[string]any{"start": 10.5})
	require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))
}
