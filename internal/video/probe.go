package video

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow/processor"
)

// Info is what ffprobe says of a media file.
type Info struct {
	Format     string  `json:"format"`   // ffprobe's format name (mov,mp4,m4a,...; matroska,webm)
	Duration   float64 `json:"duration"` // seconds
	Width      int     `json:"width"`    // as displayed, rotation applied
	Height     int     `json:"height"`
	Rotation   int     `json:"rotation"` // degrees clockwise the stored frames are turned for display: 0, 90, 180, 270
	VideoCodec string  `json:"video_codec,omitempty"`
	AudioCodec string  `json:"audio_codec,omitempty"`
	BitRate    int64   `json:"bit_rate"`   // bits per second, whole file
	FrameRate  float64 `json:"frame_rate"` // of the video stream
	Frames     int64   `json:"frames,omitempty"`
	PixFmt     string  `json:"pix_fmt,omitempty"`
}

type ffprobeOut struct {
	Streams []struct {
		CodecType    string            `json:"codec_type"`
		CodecName    string            `json:"codec_name"`
		Width        int               `json:"width"`
		Height       int               `json:"height"`
		PixFmt       string            `json:"pix_fmt"`
		AvgFrameRate string            `json:"avg_frame_rate"`
		NbFrames     string            `json:"nb_frames"`
		Tags         map[string]string `json:"tags"`
		SideData     []struct {
			Rotation *float64 `json:"rotation"`
		} `json:"side_data_list"`
		Disposition map[string]int `json:"disposition"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
		BitRate    string `json:"bit_rate"`
	} `json:"format"`
}

// Probe runs ffprobe on a file. A file ffprobe cannot read, or one without
// a video stream, is unsupported_media.
func (t Tools) Probe(ctx context.Context, path string) (Info, error) {
	cmd := command(ctx, t.ffprobe(), "-v", "error", "-print_format", "json", "-show_format", "-show_streams", "--", path)
	stderr := &tail{n: 1024}
	cmd.Stderr = stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return Info{}, fmt.Errorf("video: ffprobe: %w", ctx.Err())
		}
		return Info{}, easel.WrapError(easel.CodeUnsupportedMedia, fmt.Errorf("%w: %v", errBadInput, err), "not a readable video: %s", strings.TrimSpace(stderr.String()))
	}
	var p ffprobeOut
	if err := json.Unmarshal(out, &p); err != nil {
		return Info{}, fmt.Errorf("video: ffprobe output: %w", err)
	}
	info := Info{Format: p.Format.FormatName}
	info.Duration, _ = strconv.ParseFloat(p.Format.Duration, 64)
	info.BitRate, _ = strconv.ParseInt(p.Format.BitRate, 10, 64)
	video := false
	for _, s := range p.Streams {
		switch {
		case s.CodecType == "video" && !video && s.Disposition["attached_pic"] == 0:
			video = true
			info.VideoCodec, info.Width, info.Height, info.PixFmt = s.CodecName, s.Width, s.Height, s.PixFmt
			info.FrameRate = ratio(s.AvgFrameRate)
			info.Frames, _ = strconv.ParseInt(s.NbFrames, 10, 64)
			rot := 0.0
			if r, ok := s.Tags["rotate"]; ok {
				rot, _ = strconv.ParseFloat(r, 64)
			}
			for _, sd := range s.SideData {
				if sd.Rotation != nil {
					// As ffprobe 5.1 (Debian 12) prints it: the same
					// angle as the legacy rotate tag, clockwise.
					rot = *sd.Rotation
				}
			}
			info.Rotation = ((int(math.Round(rot))%360 + 360) % 360)
			if info.Rotation == 90 || info.Rotation == 270 {
				info.Width, info.Height = info.Height, info.Width
			}
		case s.CodecType == "audio" && info.AudioCodec == "":
			info.AudioCodec = s.CodecName
		}
	}
	if !video || info.Width <= 0 || info.Height <= 0 {
		return Info{}, easel.Errorf(easel.CodeUnsupportedMedia, "no video stream")
	}
	return info, nil
}

func ratio(s string) float64 {
	a, b, ok := strings.Cut(s, "/")
	n, _ := strconv.ParseFloat(a, 64)
	if !ok {
		return n
	}
	d, _ := strconv.ParseFloat(b, 64)
	if d == 0 {
		return 0
	}
	return n / d
}

// Inputs are the video types the processors accept.
var Inputs = []string{"video/mp4", "video/quicktime", "video/webm", "video/x-matroska"}

// ProbeProcessor is the built-in video.probe: the Info as a JSON output
// "probe".
type ProbeProcessor struct{ Tools Tools }

var _ processor.Processor = ProbeProcessor{}

// Spec implements processor.Processor.
func (ProbeProcessor) Spec() processor.Spec {
	return processor.Spec{Name: "video.probe", Inputs: Inputs, Outputs: map[string]string{"probe": "application/json"}}
}

// Run implements processor.Processor.
func (p ProbeProcessor) Run(ctx context.Context, req processor.Request) ([]processor.Output, error) {
	info, err := p.Tools.Probe(ctx, req.Input.Path)
	if err != nil {
		return nil, err
	}
	data, _ := json.Marshal(info)
	path := filepath.Join(req.Dir, "probe.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return nil, fmt.Errorf("video.probe: %w", err)
	}
	return []processor.Output{{Name: "probe", File: processor.File{Path: path, MIME: "application/json"}, Meta: infoMeta(info)}}, nil
}

// infoMeta is an Info as output metadata.
func infoMeta(i Info) map[string]any {
	m := map[string]any{"width": i.Width, "height": i.Height, "duration": i.Duration, "format": i.Format, "video_codec": i.VideoCodec, "rotation": i.Rotation, "bit_rate": i.BitRate}
	if i.AudioCodec != "" {
		m["audio_codec"] = i.AudioCodec
	}
	return m
}
