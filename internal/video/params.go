package video

import (
	"context"
	"fmt"
	"strconv"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/flow/processor"
)

func num(f float64) *float64 { return &f }

func intParam(lo, hi float64, def any, doc string) processor.Param {
	return processor.Param{Type: processor.TypeInt, Min: num(lo), Max: num(hi), Default: def, Optional: def == nil, Doc: doc}
}

func floatParam(lo, hi float64, def any, doc string) processor.Param {
	p := processor.Param{Type: processor.TypeFloat, Min: num(lo), Default: def, Optional: def == nil, Doc: doc}
	if hi > 0 {
		p.Max = num(hi)
	}
	return p
}

func enumParam(def string, values ...string) processor.Param {
	return processor.Param{Type: processor.TypeEnum, Values: values, Default: def}
}

// presets are x264's speed presets; VP9 maps them to -cpu-used.
var presets = []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"}

func vp9CPUUsed(preset string) string {
	for i, p := range presets {
		if p == preset {
			return strconv.Itoa(max(0, 8-i))
		}
	}
	return "4"
}

// param accessors on validated values
func getInt(v processor.Values, k string) (int, bool) {
	x, ok := v[k].(int64)
	return int(x), ok
}

func getFloat(v processor.Values, k string) (float64, bool) {
	x, ok := v[k].(float64)
	return x, ok
}

func getString(v processor.Values, k string) string {
	s, _ := v[k].(string)
	return s
}

func getBool(v processor.Values, k string) bool {
	b, _ := v[k].(bool)
	return b
}

func bad(format string, args ...any) error {
	return easel.Errorf(easel.CodeInvalidArgument, format, args...)
}

func ff(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// probeOutput returns the output with its metadata from ffprobe.
func (t Tools) probeOutput(ctx context.Context, name string, index int, path, mime string) (processor.Output, error) {
	info, err := t.Probe(ctx, path)
	if err != nil {
		return processor.Output{}, fmt.Errorf("video: checking output %s: %w", name, err)
	}
	return processor.Output{Name: name, Index: index, File: processor.File{Path: path, MIME: mime}, Meta: infoMeta(info)}, nil
}
