package transform_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

func testPresets(t *testing.T) map[string]transform.Options {
	t.Helper()
	presets, err := transform.ParsePresets(map[string]string{
		"thumb":     "w_200,h_200,c_fill,g_smart,q_70",
		"mark":      "l_" + testID + ",lg_north_west,lo_50,lw_20",
		"mono":      "e_grayscale,e_blur:2,up_1,fl_h",
		"caption":   "txt_hello,tc_f00,lg_north",
		"animation": "pg_all,f_gif",
		"portrait":  "w_300,h_300,c_fill,g_face,e_redeye,e_whiten:30",
	})
	if err != nil {
		t.Fatal(err)
	}
	return presets
}

func TestExpand(t *testing.T) {
	t.Parallel()
	presets := testPresets(t)
	tests := []struct {
		name    string
		segment string
		want    string // canonical form of the expanded options
	}{
		{"no preset", "w_10", "w_10"},
		{"preset alone", "t_thumb", "w_200,h_200,c_fill,g_smart,q_70"},
		{"override one field", "t_thumb,w_100", "w_100,h_200,c_fill,g_smart,q_70"},
		{"override several", "t_thumb,c_fit,g_centre,q_90,f_webp", "w_200,h_200,c_fit,g_center,q_90,f_webp"},
		{"effects merge", "t_mono,e_blur:5,e_sepia", "fl_h,up_1,e_grayscale,e_blur:5,e_sepia"},
		{"overlay merge", "t_mark,l_01hq3v5k8m9n0p2r4s6t7v8w9y,lo_80", "l_01hq3v5k8m9n0p2r4s6t7v8w9y,lg_north_west,lo_80,lw_20"},
		{"text joins preset overlay gravity", "t_mark,txt_hi", "l_" + testID + ",lg_north_west,lo_50,lw_20,txt_hi"},
		{"lg moves both", "t_mark,txt_hi,lg_south", "l_" + testID + ",lg_south,lo_50,lw_20,txt_hi"},
		{"text merge", "t_caption,txt_bye,ts_20", "lg_north,txt_bye,tc_ff0000,ts_20"},
		{"page overrides", "t_animation,pg_2", "pg_2,f_gif"},
		{"face effects merge", "t_portrait,e_whiten,e_blur_faces", "w_300,h_300,c_fill,g_face,e_redeye,e_whiten,e_blur_faces"},
		{"face gravity overrides", "t_portrait,g_faces,e_pixelate_faces:8", "w_300,h_300,c_fill,g_faces,e_redeye,e_whiten:30,e_pixelate_faces:8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := transform.Parse(tt.segment)
			if err != nil {
				t.Fatal(err)
			}
			got, err := transform.Expand(o, presets)
			if err != nil {
				t.Fatalf("Expand(%q): %v", tt.segment, err)
			}
			if got.Preset != "" {
				t.Fatalf("Expand(%q) kept the preset %q", tt.segment, got.Preset)
			}
			if s := got.String(); s != tt.want {
				t.Fatalf("Expand(%q) = %q, want %q", tt.segment, s, tt.want)
			}
		})
	}
}

func TestExpandDoesNotAlias(t *testing.T) {
	t.Parallel()
	presets := testPresets(t)
	before := presets["mark"].String()
	o, err := transform.Expand(transform.Options{Preset: "mark"}, presets)
	if err != nil {
		t.Fatal(err)
	}
	o.Overlay.Opacity = 1
	if after := presets["mark"].String(); after != before {
		t.Fatalf("changing the expansion changed the preset: %q, then %q", before, after)
	}
}

func TestExpandUnknown(t *testing.T) {
	t.Parallel()
	_, err := transform.Expand(transform.Options{Preset: "nope"}, testPresets(t))
	if easel.ErrorCode(err) != easel.CodeInvalidArgument || easel.ErrorMessage(err) != "t_nope: unknown preset" {
		t.Fatalf("Expand of an unknown preset: %v", err)
	}
}

func TestParsePresetsInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		presets map[string]string
		message string
	}{
		{"bad operations", map[string]string{"a": "w_1", "b": "w_0"}, "preset b: w_0: width must be 1..8192"},
		{"nested preset", map[string]string{"a": "t_b,w_1"}, "preset a: t_b: a preset cannot use another preset"},
		{"original", map[string]string{"a": "-"}, "preset a: a preset cannot be the original (-)"},
		{"bad name", map[string]string{"A b": "w_1"}, "preset A b: name must be*"},
		{"empty", map[string]string{"a": ""}, "preset a: operations are empty*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := transform.ParsePresets(tt.presets)
			msg := easel.ErrorMessage(err)
			prefix, wild := strings.CutSuffix(tt.message, "*")
			if easel.ErrorCode(err) != easel.CodeInvalidArgument || wild && !strings.HasPrefix(msg, prefix) || !wild && msg != tt.message {
				t.Fatalf("ParsePresets error %v, want invalid_argument %q", err, tt.message)
			}
		})
	}
}

func TestParsePresetsEmpty(t *testing.T) {
	t.Parallel()
	got, err := transform.ParsePresets(nil)
	if err != nil || !reflect.DeepEqual(got, map[string]transform.Options{}) {
		t.Fatalf("ParsePresets(nil) = %v, %v", got, err)
	}
}
