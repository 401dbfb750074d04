package video

import (
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // frame sizes
	"os"
	"path/filepath"
	"strconv"
	"strings"

	_ "golang.org/x/image/webp" // frame sizes

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow/processor"
)

// Frames is the built-in video.frames: still frames at a time, or N evenly
// spaced, as JPEG or WebP, in one ffmpeg run: a fast seek for one frame, one
// decoding pass selecting the first frame at or after each instant for
// several.
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
	var args, filters []string
	if _, at := getFloat(req.Params, "at"); at || len(ts) == 1 {
		// One frame: a fast seek to it.
		args = []string{"-ss", ff(ts[0]), "-i", req.Input.Path}
	} else {
		// Several: one decoding pass, selecting the first frame at or
		// after each instant, stopping after the last.
		terms := make([]string, len(ts))
		for i, t := range ts {
			terms[i] = fmt.Sprintf("gte(t,%s)*not(gte(prev_selected_t,%s))", ff(t), ff(t))
		}
		args = []string{"-i", req.Input.Path}
		filters = append(filters, "select='"+strings.Join(terms, "+")+"'")
	}
	if w, ok := getInt(req.Params, "width"); ok {
		filters = append(filters, "scale="+strconv.Itoa(w)+":-2")
	}
	args = append(args, "-map", "0:v:0", "-an", "-sn", "-fps_mode", "passthrough", "-frames:v", strconv.Itoa(len(ts)))
	if len(filters) > 0 {
		args = append(args, "-vf", strings.Join(filters, ","))
	}
	if format == "webp" {
		args = append(args, "-c:v", "libwebp", "-quality", strconv.Itoa(q))
	} else {
		args = append(args, "-c:v", "mjpeg", "-pix_fmt", "yuvj420p", "-q:v", strconv.Itoa(2+(100-q)*29/99))
	}
	args = append(args, "-f", "image2", "-start_number", "0", filepath.Join(req.Dir, "frame-%03d"+ext))
	if err := f.Tools.Run(ctx, args, 0, nil); err != nil {
		return nil, err
	}
	paths := make([]string, len(ts))
	for i := range ts {
		paths[i] = filepath.Join(req.Dir, fmt.Sprintf("frame-%03d%s", i, ext))
		if _, err := os.Stat(paths[i]); err != nil {
			return nil, easel.Errorf(easel.CodeInternal, "video.frames: captured %d of %d frames (no frame at or after %ss)", i, len(ts), ff(ts[i]))
		}
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
