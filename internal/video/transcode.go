package video

import (
	"context"
	"path/filepath"
	"strconv"

	"github.com/easelhq/easel/internal/flow/processor"
)

// Transcode is the built-in video.transcode: H.264/AAC in MP4 or VP9/Opus
// in WebM, optionally scaled down to a height, at a CRF, with faststart.
type Transcode struct{ Tools Tools }

var (
	_ processor.Processor = Transcode{}
	_ processor.Checker   = Transcode{}
)

// Spec implements processor.Processor.
func (Transcode) Spec() processor.Spec {
	return processor.Spec{
		Name: "video.transcode", Inputs: Inputs, Outputs: map[string]string{"video": "video/*"},
		Params: map[string]processor.Param{
			"format":        enumParam("mp4", "mp4", "webm"),
			"height":        intParam(16, 4320, nil, "target height, never enlarging; default the source's"),
			"crf":           intParam(0, 63, nil, "quality: H.264 0..51 (default 23), VP9 0..63 (default 32)"),
			"preset":        enumParam("medium", presets...),
			"faststart":     {Type: processor.TypeBool, Default: true, Doc: "MP4: moov atom first, for progressive playback"},
			"audio_bitrate": intParam(32, 512, 128, "kbit/s"),
		},
	}
}

// CheckParams implements processor.Checker.
func (Transcode) CheckParams(v processor.Values) error {
	if crf, ok := getInt(v, "crf"); ok && getString(v, "format") == "mp4" && crf > 51 {
		return bad("crf: %d is out of range 0..51 for mp4", crf)
	}
	return nil
}

// TranscodeArgs returns the ffmpeg arguments video.transcode uses, for an
// input whose displayed height is srcHeight.
func TranscodeArgs(in, out string, v processor.Values, srcHeight int) []string {
	args := []string{"-i", in, "-map", "0:v:0", "-map", "0:a:0?", "-map_metadata", "-1"}
	if h, ok := getInt(v, "height"); ok && h < srcHeight {
		args = append(args, "-vf", "scale=-2:"+strconv.Itoa(h))
	}
	ab := strconv.Itoa(int(v["audio_bitrate"].(int64))) + "k"
	preset := getString(v, "preset")
	if getString(v, "format") == "webm" {
		crf, ok := getInt(v, "crf")
		if !ok {
			crf = 32
		}
		args = append(args, "-c:v", "libvpx-vp9", "-crf", strconv.Itoa(crf), "-b:v", "0", "-deadline", "good",
			"-cpu-used", vp9CPUUsed(preset), "-row-mt", "1", "-pix_fmt", "yuv420p", "-c:a", "libopus", "-b:a", ab, "-f", "webm")
	} else {
		crf, ok := getInt(v, "crf")
		if !ok {
			crf = 23
		}
		args = append(args, "-c:v", "libx264", "-preset", preset, "-crf", strconv.Itoa(crf), "-pix_fmt", "yuv420p",
			"-c:a", "aac", "-b:a", ab)
		if getBool(v, "faststart") {
			args = append(args, "-movflags", "+faststart")
		}
		args = append(args, "-f", "mp4")
	}
	return append(args, out)
}

// Run implements processor.Processor.
func (t Transcode) Run(ctx context.Context, req processor.Request) ([]processor.Output, error) {
	info, err := t.Tools.Probe(ctx, req.Input.Path)
	if err != nil {
		return nil, err
	}
	mime, ext := "video/mp4", ".mp4"
	if getString(req.Params, "format") == "webm" {
		mime, ext = "video/webm", ".webm"
	}
	out := filepath.Join(req.Dir, "video"+ext)
	if err := t.Tools.Run(ctx, TranscodeArgs(req.Input.Path, out, req.Params, info.Height), info.Duration, req.Progress); err != nil {
		return nil, err
	}
	o, err := t.Tools.probeOutput(ctx, "video", 0, out, mime)
	if err != nil {
		return nil, err
	}
	return []processor.Output{o}, nil
}
