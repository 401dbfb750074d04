package video

import (
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // frame sizes
	"os"
	"path/filepath"
	"strconv"

	_ "golang.org/x/image/webp" // frame sizes

	"github.com/easelhq/easel/internal/flow/processor"
)

// Frames is the built-in video.frames: still frames at a time, or N evenly
// spaced, as JPEG or WebP, in one ffmpeg run (one fast seek per frame).
type Frames struct{ Tools Tools }

var (
	_ processor.Processor = Frames{}
	_ processor.Checker   = Frames{}
)

// MaxFrames is the most frames one run captures.
const MaxFrames = 100

// Spec implements processor.Processor.
func (Frames) Spec() processor.Spec {
	return processor.Spec{
		Name: "video.frames", Inputs: Inputs, Outputs: map[string]string{"frames": "image/*"},
		Params: map[string]processor.Param{
			"at":      floatParam(0, 0, nil, "one frame at this second"),
			"count":   intParam(1, MaxFrames, nil, "N frames evenly spaced (the middles of N equal parts)"),
			"format":  enumParam("jpeg", "jpeg", "webp"),
			"width":   intParam(16, 4096, nil, "scale to this width; default the video's"),
			"quality": intParam(1, 100, 85, ""),
		},
	}
}

// CheckParams implements processor.Checker.
func (Frames) CheckParams(v processor.Values) error {
	_, at := v["at"]
	_, count := v["count"]
	if at && count {
		return bad("at: give at or count, not both")
	}
	return nil
}

// times returns the instants to capture.
func frameTimes(v processor.Values, duration float64) ([]float64, error) {
	if at, ok := getFloat(v, "at"); ok {
		if duration > 0 && at >= duration {
			return nil, bad("at: %ss is past the end of the video (%ss)", ff(at), ff(duration))
		}
		return []float64{at}, nil
	}
	n, ok := getInt(v, "count")
	if !ok {
		return []float64{0}, nil
	}
	ts := make([]float64, n)
	for i := range ts {
		ts[i] = duration * (float64(i) + 0.5) / float64(n)
	}
	return ts, nil
}

// Run implements processor.Processor.
func (f Frames) Run(ctx context.Context, req processor.Request) ([]processor.Output, error) {
	info, err := f.Tools.Probe(ctx, req.Input.Path)
	if err != nil {
		return nil, err
	}
	ts, err := frameTimes(req.Params, info.Duration)
	if err != nil {
		return nil, err
	}
	format := getString(req.Params, "format")
	mime, ext := "image/jpeg", ".jpg"
	if format == "webp" {
		mime, ext = "image/webp", ".webp"
	}
	q, _ := getInt(req.Params, "quality")
	var args []string
	for _, t := range ts {
		args = append(args, "-ss", ff(t), "-i", req.Input.Path)
	}
	paths := make([]string, len(ts))
	for i := range ts {
		args = append(args, "-map", fmt.Sprintf("%d:v:0", i), "-frames:v", "1", "-an")
		if w, ok := getInt(req.Params, "width"); ok {
			args = append(args, "-vf", "scale="+strconv.Itoa(w)+":-2")
		}
		if format == "webp" {
			args = append(args, "-c:v", "libwebp", "-quality", strconv.Itoa(q))
		} else {
			args = append(args, "-c:v", "mjpeg", "-pix_fmt", "yuvj420p", "-q:v", strconv.Itoa(2+(100-q)*29/99))
		}
		paths[i] = filepath.Join(req.Dir, fmt.Sprintf("frame-%03d%s", i, ext))
		args = append(args, "-f", "image2", "-update", "1", paths[i])
	}
	if err := f.Tools.Run(ctx, args, 0, nil); err != nil {
		return nil, err
	}
	outs := make([]processor.Output, len(ts))
	for i, p := range paths {
		w, h, err := imageSize(p)
		if err != nil {
			return nil, fmt.Errorf("video.frames: frame %d at %ss: %w", i, ff(ts[i]), err)
		}
		outs[i] = processor.Output{Name: "frames", Index: i, File: processor.File{Path: p, MIME: mime},
			Meta: map[string]any{"width": w, "height": h, "at": ts[i]}}
		if req.Progress != nil {
			req.Progress(float64(i+1) / float64(len(ts)))
		}
	}
	return outs, nil
}

// imageSize reads an image's dimensions from its header.
func imageSize(path string) (int, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	c, _, err := image.DecodeConfig(f)
	return c.Width, c.Height, err
}
