package video

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/easelhq/easel/internal/flow/processor"
)

// ImageResolver finds the image of an image watermark by reference (an
// asset ID of the tenant) and makes it available as a local file.
type ImageResolver func(ctx context.Context, ref, dir string) (processor.File, error)

// Watermark is the built-in video.watermark: an image, a text or both,
// placed at a compass position with a margin, at an opacity, shown from one
// second to another. The video is re-encoded as H.264 (audio copied to AAC)
// in MP4.
type Watermark struct {
	Tools Tools
	// Resolve finds watermark images; nil: only text watermarks.
	Resolve ImageResolver
}

var (
	_ processor.Processor = Watermark{}
	_ processor.Checker   = Watermark{}
)

// positions are where a watermark goes, as x and y expressions of the
// free room (room_x, room_y) and the margin.
var positions = map[string][2]string{
	"north_west": {"M", "M"}, "north": {"RX/2", "M"}, "north_east": {"RX-M", "M"},
	"west": {"M", "RY/2"}, "center": {"RX/2", "RY/2"}, "east": {"RX-M", "RY/2"},
	"south_west": {"M", "RY-M"}, "south": {"RX/2", "RY-M"}, "south_east": {"RX-M", "RY-M"},
}

// Spec implements processor.Processor.
func (Watermark) Spec() processor.Spec {
	return processor.Spec{
		Name: "video.watermark", Inputs: Inputs, Outputs: map[string]string{"video": "video/mp4"},
		Params: map[string]processor.Param{
			"text":        {Type: processor.TypeString, Min: num(1), Max: num(200), Optional: true},
			"image":       {Type: processor.TypeString, Min: num(1), Max: num(128), Optional: true, Doc: "asset ID of the watermark image"},
			"position":    enumParam("south_east", "north_west", "north", "north_east", "west", "center", "east", "south_west", "south", "south_east"),
			"opacity":     intParam(1, 100, 100, "percent"),
			"from":        floatParam(0, 0, 0.0, "seconds"),
			"to":          floatParam(0, 0, nil, "seconds; default the end"),
			"text_size":   intParam(8, 512, 32, "pixels"),
			"text_color":  enumParam("white", "white", "black", "yellow", "red"),
			"image_width": intParam(1, 100, nil, "percent of the video's width; default the image's own"),
			"margin":      intParam(0, 1000, 16, "pixels"),
			"crf":         intParam(0, 51, 23, ""),
			"preset":      enumParam("medium", presets...),
		},
	}
}

// CheckParams implements processor.Checker.
func (w Watermark) CheckParams(v processor.Values) error {
	_, text := v["text"]
	_, img := v["image"]
	if !text && !img {
		return bad("text: give text, image or both")
	}
	if img && w.Resolve == nil {
		return bad("image: image watermarks are not available here")
	}
	if s := getString(v, "text"); strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return bad("text: control characters are not allowed")
	}
	if to, ok := getFloat(v, "to"); ok && to <= v["from"].(float64) {
		return bad("to: must be after from")
	}
	return nil
}

// escape quotes a value for an ffmpeg filter option inside single quotes.
func escape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `'`, `'\''`, `:`, `\:`).Replace(s)
}

// Run implements processor.Processor.
func (w Watermark) Run(ctx context.Context, req processor.Request) ([]processor.Output, error) {
	v := req.Params
	info, err := w.Tools.Probe(ctx, req.Input.Path)
	if err != nil {
		return nil, err
	}
	from := v["from"].(float64)
	to, hasTo := getFloat(v, "to")
	if !hasTo {
		to = info.Duration + 1
	}
	enable := fmt.Sprintf("between(t,%s,%s)", ff(from), ff(to))
	margin, _ := getInt(v, "margin")
	pos := positions[getString(v, "position")]
	alpha := float64(v["opacity"].(int64)) / 100
	args := []string{"-i", req.Input.Path}
	var graph []string
	last := "0:v"
	if ref := getString(v, "image"); ref != "" {
		img, err := w.Resolve(ctx, ref, req.Dir)
		if err != nil {
			return nil, err
		}
		args = append(args, "-i", img.Path)
		scale := "iw:ih"
		if pct, ok := getInt(v, "image_width"); ok {
			scale = strconv.Itoa(max(1, info.Width*pct/100)) + ":-1"
		}
		graph = append(graph, fmt.Sprintf("[1:v]scale=%s,format=rgba,colorchannelmixer=aa=%s[wm]", scale, ff(alpha)))
		x := strings.NewReplacer("RX", "(W-w)", "M", strconv.Itoa(margin)).Replace(pos[0])
		y := strings.NewReplacer("RY", "(H-h)", "M", strconv.Itoa(margin)).Replace(pos[1])
		graph = append(graph, fmt.Sprintf("[%s][wm]overlay=x=%s:y=%s:enable='%s'[v1]", last, x, y, enable))
		last = "v1"
	}
	if text := getString(v, "text"); text != "" {
		tf := filepath.Join(req.Dir, "watermark.txt")
		if err := os.WriteFile(tf, []byte(text), 0o644); err != nil {
			return nil, fmt.Errorf("video.watermark: %w", err)
		}
		font := "font='Sans'"
		if ff := w.Tools.fontFile(); ff != "" {
			font = "fontfile='" + escape(ff) + "'"
		}
		x := strings.NewReplacer("RX", "(w-text_w)", "M", strconv.Itoa(margin)).Replace(pos[0])
		y := strings.NewReplacer("RY", "(h-text_h)", "M", strconv.Itoa(margin)).Replace(pos[1])
		graph = append(graph, fmt.Sprintf("[%s]drawtext=%s:textfile='%s':fontsize=%d:fontcolor=%s@%s:x=%s:y=%s:enable='%s'[v2]",
			last, font, escape(tf), v["text_size"].(int64), getString(v, "text_color"), ff(alpha), x, y, enable))
		last = "v2"
	}
	out := filepath.Join(req.Dir, "video.mp4")
	args = append(args, "-filter_complex", strings.Join(graph, ";"), "-map", "["+last+"]", "-map", "0:a:0?",
		"-c:v", "libx264", "-preset", getString(v, "preset"), "-crf", strconv.Itoa(int(v["crf"].(int64))), "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", "-f", "mp4", out)
	if err := w.Tools.Run(ctx, args, info.Duration, req.Progress); err != nil {
		return nil, err
	}
	o, err := w.Tools.probeOutput(ctx, "video", 0, out, "video/mp4")
	if err != nil {
		return nil, err
	}
	return []processor.Output{o}, nil
}

// fontFile returns the font of text watermarks, "" for fontconfig's.
func (t Tools) fontFile() string {
	if t.FontFile != "" {
		return t.FontFile
	}
	const dejavu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	if _, err := os.Stat(dejavu); err == nil {
		return dejavu
	}
	return ""
}
