package flow_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/flow"
	"github.com/easelhq/easel/internal/flow/processor"
	"github.com/easelhq/easel/internal/flow/rules"
	"github.com/easelhq/easel/internal/video"
)

const videoFlows = `
name: video-small
steps:
  - {id: poster, processor: video.frames, params: {at: 1.0, format: webp}}
  - {id: mp4, processor: video.transcode, params: {preset: ultrafast, crf: 35}}
outputs: [poster, mp4]
---
name: video-hd
steps:
  - {id: sd, processor: video.transcode, params: {height: 480, preset: ultrafast, crf: 35}}
  - {id: preview, processor: video.preview, input: sd, params: {duration: 2.0, width: 160}}
outputs: [sd, preview]
`

const videoRules = `
- name: small-video
  when: "duration > 0 && short_side < 540"
  flow: video-small
- name: hd-video
  when: "duration > 0"
  flow: video-hd
  params: {sd: {height: 360}}
`

// TestRulesRouteVideosToFlows: the rule short_side < 540 sends a 360p clip
// and a 720p clip through different flows, whose outputs ffprobe checks.
func TestRulesRouteVideosToFlows(t *testing.T) {
	tools := video.Tools{}
	if err := tools.Available(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	reg := registry(t, video.Processors(tools, nil)...)
	dir := t.TempDir()
	for i, doc := range strings.Split(videoFlows, "\n---\n") {
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%d.yaml", i)), []byte(doc), 0o644))
	}
	flows, err := flow.LoadDir(dir, reg)
	require.NoError(t, err)
	cat, err := flow.NewCatalog(flows...)
	require.NoError(t, err)
	rs, err := rules.Parse([]byte(videoRules), func(name string) error { _, err := cat.Get(name, 0); return err })
	require.NoError(t, err)
	runner := &flow.Runner{Registry: reg, TempDir: t.TempDir()}

	tests := []struct {
		w, h      int
		rule      string
		outputs   []string // step/output: width x height
		wantSizes []string
	}{
		{640, 360, "small-video", []string{"poster", "mp4"}, []string{"640x360", "640x360"}},
		{1280, 720, "hd-video", []string{"sd", "preview"}, []string{"640x360", "160x90"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%dp", tt.h), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "clip.mp4")
			out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
				fmt.Sprintf("testsrc2=size=%dx%d:rate=30:duration=10", tt.w, tt.h), "-f", "lavfi", "-i", "sine=duration=10",
				"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path).CombinedOutput()
			require.NoError(t, err, string(out))
			info, err := tools.Probe(context.Background(), path)
			require.NoError(t, err)
			facts := rules.Facts{Width: info.Width, Height: info.Height, ShortSide: min(info.Width, info.Height), Format: "mp4", Duration: info.Duration, Faces: -1}
			m, ok := rs.Match(facts)
			require.True(t, ok)
			require.Equal(t, tt.rule, m.Rule)
			c, err := cat.Get(m.Flow, 0)
			require.NoError(t, err)
			c, err = c.WithParams(reg, m.Params)
			require.NoError(t, err)
			res, err := runner.Run(context.Background(), c, processor.File{Path: path, MIME: "video/mp4"}, nil, nil)
			require.NoError(t, err)
			defer res.Close()
			require.Len(t, res.Outputs, len(tt.outputs))
			for i, o := range res.Outputs {
				require.Equal(t, tt.outputs[i], o.Step)
				require.Equal(t, tt.wantSizes[i], fmt.Sprintf("%vx%v", o.Output.Meta["width"], o.Output.Meta["height"]))
				if o.Output.File.MIME == "video/mp4" {
					oi, err := tools.Probe(context.Background(), o.Output.File.Path)
					require.NoError(t, err)
					require.Equal(t, "h264", oi.VideoCodec)
					require.InDelta(t, 10, oi.Duration, 0.1)
				}
			}
		})
	}
}
