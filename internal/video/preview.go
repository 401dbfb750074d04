package video

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/easelhq/easel/internal/flow/processor"
)

// Preview is the built-in video.preview: a few seconds of the video as an
// animated WebP or GIF, scaled to a width, at a frame rate.
type Preview struct{ Tools Tools }

var _ processor.Processor = Preview{}

// Spec implements processor.Processor.
func (Preview) Spec() processor.Spec {
	return processor.Spec{
		Name: "video.preview", Inputs: Inputs, Outputs: map[string]string{"preview": "image/*"},
		Params: map[string]processor.Param{
			"start":    floatParam(0, 0, 0.0, "seconds"),
			"duration": floatParam(0.5, 10, 3.0, "seconds"),
			"format":   enumParam("webp", "webp", "gif"),
			"width":    intParam(32, 1280, 320, "pixels"),
			"fps":      intParam(1, 30, 10, "frames per second"),
		},
	}
}

// Run implements processor.Processor.
func (p Preview) Run(ctx context.Context, req processor.Request) ([]processor.Output, error) {
	v := req.Params
	info, err := p.Tools.Probe(ctx, req.Input.Path)
	if err != nil {
		return nil, err
	}
	start, dur := v["start"].(float64), v["duration"].(float64)
	if start >= info.Duration {
		return nil, bad("start: %ss is past the end of the video (%ss)", ff(start), ff(info.Duration))
	}
	dur = min(dur, info.Duration-start)
	w, _ := getInt(v, "width")
	fps, _ := getInt(v, "fps")
	base := "fps=" + strconv.Itoa(fps) + ",scale=" + strconv.Itoa(w) + ":-2:flags=lanczos"
	args := []string{"-ss", ff(start), "-t", ff(dur), "-i", req.Input.Path, "-an"}
	var out, mime string
	if getString(v, "format") == "gif" {
		out, mime = filepath.Join(req.Dir, "preview.gif"), "image/gif"
		args = append(args, "-filter_complex", base+",split[a][b];[a]palettegen=stats_mode=diff[p];[b][p]paletteuse=dither=bayer", "-loop", "0", "-f", "gif", out)
	} else {
		out, mime = filepath.Join(req.Dir, "preview.webp"), "image/webp"
		args = append(args, "-vf", base, "-c:v", "libwebp_anim", "-lossless", "0", "-quality", "70", "-loop", "0", "-f", "webp", out)
	}
	if err := p.Tools.Run(ctx, args, dur, req.Progress); err != nil {
		return nil, err
	}
	a, err := ReadAnimation(out)
	if err != nil {
		return nil, fmt.Errorf("video.preview: checking the output: %w", err)
	}
	return []processor.Output{{Name: "preview", File: processor.File{Path: out, MIME: mime},
		Meta: map[string]any{"width": a.Width, "height": a.Height, "frames": a.Frames, "duration": a.Duration}}}, nil
}

// Processors returns the video processors, for the registry.
func Processors(t Tools, resolve ImageResolver) []processor.Processor {
	return []processor.Processor{ProbeProcessor{t}, Frames{t}, Watermark{Tools: t, Resolve: resolve}, Transcode{t}, Preview{t}}
}
