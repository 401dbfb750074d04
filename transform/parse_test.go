package transform_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

const testID = "01hq3v5k8m9n0p2r4s6t7v8w9x"

func color(r, g, b, a uint8) *transform.Color { return &transform.Color{R: r, G: g, B: b, A: a} }

func TestParseValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		segment string
		want    transform.Options
	}{
		{"original", "-", transform.Options{Original: true}},
		{"width", "w_300", transform.Options{Width: 300}},
		{"width max", "w_8192", transform.Options{Width: 8192}},
		{"width leading zero", "w_0300", transform.Options{Width: 300}},
		{"height min", "h_1", transform.Options{Height: 1}},
		{"dpr whole", "dpr_2", transform.Options{DPR: 2}},
		{"dpr one kept", "dpr_1", transform.Options{DPR: 1}},
		{"dpr decimal", "dpr_1.5", transform.Options{DPR: 1.5}},
		{"dpr max", "dpr_4.0", transform.Options{DPR: 4}},
		{"crop fit", "c_fit", transform.Options{Crop: transform.CropFit}},
		{"crop fill", "c_fill", transform.Options{Crop: transform.CropFill}},
		{"crop crop", "c_crop", transform.Options{Crop: transform.CropCrop}},
		{"crop pad", "c_pad", transform.Options{Crop: transform.CropPad}},
		{"crop scale", "c_scale", transform.Options{Crop: transform.CropScale}},
		{"crop limit", "c_limit", transform.Options{Crop: transform.CropLimit}},
		{"gravity center", "g_center", transform.Options{Gravity: transform.Gravity{Type: transform.GravityCenter}}},
		{"gravity centre alias", "g_centre", transform.Options{Gravity: transform.Gravity{Type: transform.GravityCenter}}},
		{"gravity north east", "g_north_east", transform.Options{Gravity: transform.Gravity{Type: transform.GravityNorthEast}}},
		{"gravity south west", "g_south_west", transform.Options{Gravity: transform.Gravity{Type: transform.GravitySouthWest}}},
		{"gravity smart", "g_smart", transform.Options{Gravity: transform.Gravity{Type: transform.GravitySmart}}},
		{"gravity focal", "g_fp_0.3:0.7", transform.Options{Gravity: transform.Gravity{Type: transform.GravityFocal, X: 0.3, Y: 0.7}}},
		{"gravity focal corners", "g_fp_0:1", transform.Options{Gravity: transform.Gravity{Type: transform.GravityFocal, X: 0, Y: 1}}},
		{"upscale", "up_1", transform.Options{Upscale: true}},
		{"upscale off", "up_0,w_5", transform.Options{Width: 5}},
		{"background rgb", "bg_f0a", transform.Options{Background: color(0xff, 0x00, 0xaa, 0xff)}},
		{"background rrggbb upper", "bg_FF8000", transform.Options{Background: color(0xff, 0x80, 0, 0xff)}},
		{"background rrggbbaa", "bg_00000080", transform.Options{Background: color(0, 0, 0, 0x80)}},
		{"crop box", "cr_0:10:200:300", transform.Options{CropBox: &transform.Rect{X: 0, Y: 10, W: 200, H: 300}}},
		{"crop box max", "cr_65535:65535:65535:65535", transform.Options{CropBox: &transform.Rect{X: 65535, Y: 65535, W: 65535, H: 65535}}},
		{"rotate 90", "a_90", transform.Options{Rotate: 90}},
		{"rotate 180", "a_180", transform.Options{Rotate: 180}},
		{"rotate 270", "a_270", transform.Options{Rotate: 270}},
		{"flip both", "fl_v,fl_h", transform.Options{FlipH: true, FlipV: true}},
		{"format jpeg", "f_jpeg", transform.Options{Format: transform.FormatJPEG}},
		{"format jpg alias", "f_jpg", transform.Options{Format: transform.FormatJPEG}},
		{"format png", "f_png", transform.Options{Format: transform.FormatPNG}},
		{"format webp", "f_webp", transform.Options{Format: transform.FormatWebP}},
		{"format avif", "f_avif", transform.Options{Format: transform.FormatAVIF}},
		{"format gif", "f_gif", transform.Options{Format: transform.FormatGIF}},
		{"format jxl", "f_jxl", transform.Options{Format: transform.FormatJXL}},
		{"format auto", "f_auto", transform.Options{Format: transform.FormatAuto}},
		{"quality", "q_1", transform.Options{Quality: 1}},
		{"quality max", "q_100", transform.Options{Quality: 100}},
		{"grayscale", "e_grayscale", transform.Options{Effects: transform.Effects{Grayscale: true}}},
		{"bw default", "e_bw", transform.Options{Effects: transform.Effects{BW: true, BWThreshold: 128}}},
		{"bw threshold", "e_bw:0", transform.Options{Effects: transform.Effects{BW: true}}},
		{"blur", "e_blur:4", transform.Options{Effects: transform.Effects{Blur: 4}}},
		{"blur decimal", "e_blur:0.1", transform.Options{Effects: transform.Effects{Blur: 0.1}}},
		{"sharpen default", "e_sharpen", transform.Options{Effects: transform.Effects{Sharpen: 1}}},
		{"sharpen sigma", "e_sharpen:2.5", transform.Options{Effects: transform.Effects{Sharpen: 2.5}}},
		{"brightness negative", "e_brightness:-100", transform.Options{Effects: transform.Effects{Brightness: -100}}},
		{"brightness zero is off", "e_brightness:0", transform.Options{}},
		{"contrast", "e_contrast:100", transform.Options{Effects: transform.Effects{Contrast: 100}}},
		{"saturation", "e_saturation:-20", transform.Options{Effects: transform.Effects{Saturation: -20}}},
		{"hue", "e_hue:-360", transform.Options{Effects: transform.Effects{Hue: -360}}},
		{"tint", "e_tint:f00", transform.Options{Effects: transform.Effects{Tint: color(255, 0, 0, 255)}}},
		{"sepia", "e_sepia", transform.Options{Effects: transform.Effects{Sepia: true}}},
		{"invert", "e_invert", transform.Options{Effects: transform.Effects{Invert: true}}},
		{"pixelate", "e_pixelate:256", transform.Options{Effects: transform.Effects{Pixelate: 256}}},
		{"gravity face", "g_face", transform.Options{Gravity: transform.Gravity{Type: transform.GravityFace}}},
		{"gravity faces", "g_faces", transform.Options{Gravity: transform.Gravity{Type: transform.GravityFaces}}},
		{"redeye", "e_redeye", transform.Options{Effects: transform.Effects{RedEye: true}}},
		{"whiten default", "e_whiten", transform.Options{Effects: transform.Effects{Whiten: 50}}},
		{"whiten strength", "e_whiten:100", transform.Options{Effects: transform.Effects{Whiten: 100}}},
		{"whiten weakest", "e_whiten:1", transform.Options{Effects: transform.Effects{Whiten: 1}}},
		{"blur faces default", "e_blur_faces", transform.Options{Effects: transform.Effects{BlurFaces: 15}}},
		{"blur faces sigma", "e_blur_faces:2.5", transform.Options{Effects: transform.Effects{BlurFaces: 2.5}}},
		{"blur faces and blur", "e_blur:3,e_blur_faces:0.1", transform.Options{Effects: transform.Effects{Blur: 3, BlurFaces: 0.1}}},
		{"pixelate faces default", "e_pixelate_faces", transform.Options{Effects: transform.Effects{PixelateFaces: 12}}},
		{"pixelate faces size", "e_pixelate_faces:256", transform.Options{Effects: transform.Effects{PixelateFaces: 256}}},
		{"pixelate faces and pixelate", "e_pixelate_faces:2,e_pixelate:4", transform.Options{Effects: transform.Effects{Pixelate: 4, PixelateFaces: 2}}},
		{"several effects", "e_sepia,e_blur:2,e_grayscale", transform.Options{Effects: transform.Effects{Sepia: true, Blur: 2, Grayscale: true}}},
		{"page", "pg_3", transform.Options{Page: 3}},
		{"page max", "pg_9999", transform.Options{Page: 9999}},
		{"page zero", "pg_0", transform.Options{}},
		{"all pages", "pg_all", transform.Options{AllPages: true}},
		{"video offset", "so_2.5", transform.Options{Offset: 2.5, HasOffset: true}},
		{"video offset zero", "so_0", transform.Options{HasOffset: true}},
		{"overlay", "l_" + testID, transform.Options{Overlay: &transform.Overlay{AssetID: testID}}},
		{"overlay all", "lw_25,lo_50,lg_north_west,l_" + testID, transform.Options{Overlay: &transform.Overlay{
			AssetID: testID, Gravity: transform.Gravity{Type: transform.GravityNorthWest}, Opacity: 50, WidthPct: 25}}},
		{"text", "txt_Hello%2C%20World%21", transform.Options{Text: &transform.Text{Text: "Hello, World!"}}},
		{"text unicode", "txt_%C3%A9t%C3%A9_%F0%9F%93%B7", transform.Options{Text: &transform.Text{Text: "été_📷"}}},
		{"text raw plus and colon", "txt_a+b:c", transform.Options{Text: &transform.Text{Text: "a+b:c"}}},
		{"text 200 characters", "txt_" + strings.Repeat("%C3%A9", 200), transform.Options{Text: &transform.Text{Text: strings.Repeat("é", 200)}}},
		{"text all", "ts_48,tc_00000080,lg_centre,txt_hi", transform.Options{Text: &transform.Text{
			Text: "hi", Color: transform.Color{A: 0x80}, Size: 48, Gravity: transform.Gravity{Type: transform.GravityCenter}}}},
		{"text and overlay share lg", "l_" + testID + ",txt_x,lg_south", transform.Options{
			Overlay: &transform.Overlay{AssetID: testID, Gravity: transform.Gravity{Type: transform.GravitySouth}},
			Text:    &transform.Text{Text: "x", Gravity: transform.Gravity{Type: transform.GravitySouth}}}},
		{"preset", "t_my_preset", transform.Options{Preset: "my_preset"}},
		{"preset with dash", "t_a-b", transform.Options{Preset: "a-b"}},
		{"typical", "w_300,h_200,c_fill,g_smart,q_80,f_webp", transform.Options{
			Width: 300, Height: 200, Crop: transform.CropFill, Gravity: transform.Gravity{Type: transform.GravitySmart},
			Quality: 80, Format: transform.FormatWebP}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := transform.Parse(tt.segment)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.segment, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse(%q)\n got %+v\nwant %+v", tt.segment, got, tt.want)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		segment string
		message string // the whole message, or its start when it ends in "*"
	}{
		{"empty", "", `operations are empty*`},
		{"empty item", "w_1,,h_1", "operations contain an empty item*"},
		{"trailing comma", "w_1,", "operations contain an empty item*"},
		{"original combined", "-,w_100", "-: the original cannot be combined with other operations"},
		{"no underscore", "w100", "w100: expected key_value"},
		{"unknown key", "foo_1", `foo_1: unknown operation "foo"`},
		{"upper-case key", "W_100", `W_100: unknown operation "W"`},
		{"width too large", "w_99999", "w_99999: width must be 1..8192"},
		{"width zero", "w_0", "w_0: width must be 1..8192"},
		{"width negative", "w_-5", "w_-5: width must be 1..8192"},
		{"width empty", "w_", "w_: width must be 1..8192"},
		{"width plus", "w_+5", "w_+5: width must be 1..8192"},
		{"width decimal", "w_1.5", "w_1.5: width must be 1..8192"},
		{"width huge", "w_99999999999999999999", "w_99999999999999999999: width must be 1..8192"},
		{"height too large", "h_8193", "h_8193: height must be 1..8192"},
		{"duplicate width", "w_100,h_5,w_200", "w_200: w_ given more than once"},
		{"dpr too small", "dpr_0.5", "dpr_0.5: dpr must be a number 1..4"},
		{"dpr too large", "dpr_4.01", "dpr_4.01: dpr must be a number 1..4"},
		{"dpr exponent", "dpr_1e0", "dpr_1e0: dpr must be a number 1..4"},
		{"dpr trailing dot", "dpr_2.", "dpr_2.: dpr must be a number 1..4"},
		{"dpr leading dot", "dpr_.5", "dpr_.5: dpr must be a number 1..4"},
		{"dpr nan", "dpr_NaN", "dpr_NaN: dpr must be a number 1..4"},
		{"crop unknown", "c_stretch", "c_stretch: crop mode must be*"},
		{"gravity unknown", "g_eyes", "g_eyes: gravity must be*"},
		{"gravity face plural typo", "g_facess", "g_facess: gravity must be*"},
		{"layer gravity face", "l_" + testID + ",lg_face", "lg_face: layer gravity must be*"},
		{"redeye argument", "e_redeye:1", "e_redeye:1: redeye takes no argument"},
		{"whiten zero", "e_whiten:0", "e_whiten:0: whiten needs a strength 1..100"},
		{"whiten too large", "e_whiten:101", "e_whiten:101: whiten needs a strength 1..100"},
		{"whiten empty argument", "e_whiten:", "e_whiten:: whiten needs a strength 1..100"},
		{"whiten decimal", "e_whiten:1.5", "e_whiten:1.5: whiten needs a strength 1..100"},
		{"blur faces too small", "e_blur_faces:0.05", "e_blur_faces:0.05: blur_faces needs a sigma 0.1..100"},
		{"blur faces too large", "e_blur_faces:101", "e_blur_faces:101: blur_faces needs a sigma 0.1..100"},
		{"pixelate faces too small", "e_pixelate_faces:1", "e_pixelate_faces:1: pixelate_faces needs a block size 2..256"},
		{"pixelate faces too large", "e_pixelate_faces:257", "e_pixelate_faces:257: pixelate_faces needs a block size 2..256"},
		{"face effect duplicate", "e_whiten,e_whiten:20", "e_whiten:20: e_whiten given more than once"},
		{"face effect unknown", "e_blur_face", `e_blur_face: unknown effect "blur_face"`},
		{"gravity focal out of range", "g_fp_1.5:0.5", "g_fp_1.5:0.5: gravity must be*"},
		{"gravity focal one coordinate", "g_fp_0.5", "g_fp_0.5: gravity must be*"},
		{"gravity focal three coordinates", "g_fp_0.5:0.5:0.5", "g_fp_0.5:0.5:0.5: gravity must be*"},
		{"duplicate gravity", "g_north,g_south", "g_south: g_ given more than once"},
		{"upscale 2", "up_2", "up_2: up must be 0 or 1"},
		{"background 4 digits", "bg_ffff", "bg_ffff: background must be*"},
		{"background not hex", "bg_gggggg", "bg_gggggg: background must be*"},
		{"background hash", "bg_#ffffff", "bg_#ffffff: background must be*"},
		{"crop box three numbers", "cr_1:2:3", "cr_1:2:3: crop box must be x:y:w:h"},
		{"crop box zero width", "cr_0:0:0:10", "cr_0:0:0:10: crop box must be x:y:w:h with*"},
		{"crop box too large", "cr_0:0:65536:10", "cr_0:0:65536:10: crop box must be x:y:w:h with*"},
		{"crop box negative", "cr_-1:0:10:10", "cr_-1:0:10:10: crop box must be x:y:w:h with*"},
		{"rotate 45", "a_45", "a_45: rotation must be 90, 180 or 270"},
		{"rotate 0", "a_0", "a_0: rotation must be 90, 180 or 270"},
		{"rotate auto", "a_auto", "a_auto: rotation must be 90, 180 or 270"},
		{"flip unknown", "fl_x", "fl_x: flip must be fl_h or fl_v"},
		{"duplicate flip", "fl_h,fl_h", "fl_h: fl_h given more than once"},
		{"format unknown", "f_tiff", "f_tiff: format must be*"},
		{"quality zero", "q_0", "q_0: quality must be 1..100"},
		{"quality 101", "q_101", "q_101: quality must be 1..100"},
		{"effect unknown", "e_glow", `e_glow: unknown effect "glow"`},
		{"effect duplicate", "e_blur:2,e_sepia,e_blur:3", "e_blur:3: e_blur given more than once"},
		{"grayscale argument", "e_grayscale:1", "e_grayscale:1: grayscale takes no argument"},
		{"bw threshold too large", "e_bw:256", "e_bw:256: bw needs a threshold 0..255"},
		{"bw empty argument", "e_bw:", "e_bw:: bw needs a threshold 0..255"},
		{"blur missing", "e_blur", "e_blur: blur needs a sigma 0.1..100"},
		{"blur too small", "e_blur:0.05", "e_blur:0.05: blur needs a sigma 0.1..100"},
		{"blur too large", "e_blur:101", "e_blur:101: blur needs a sigma 0.1..100"},
		{"sharpen too large", "e_sharpen:11", "e_sharpen:11: sharpen needs a sigma 0.1..10"},
		{"brightness missing", "e_brightness", "e_brightness: brightness needs a whole number -100..100"},
		{"brightness too large", "e_brightness:101", "e_brightness:101: brightness needs a whole number -100..100"},
		{"contrast decimal", "e_contrast:1.5", "e_contrast:1.5: contrast needs a whole number -100..100"},
		{"saturation too small", "e_saturation:-101", "e_saturation:-101: saturation needs a whole number -100..100"},
		{"hue too large", "e_hue:361", "e_hue:361: hue needs a whole number -360..360"},
		{"tint with alpha", "e_tint:ff000080", "e_tint:ff000080: tint needs a colour rgb or rrggbb"},
		{"tint missing", "e_tint", "e_tint: tint needs a colour rgb or rrggbb"},
		{"sepia argument", "e_sepia:5", "e_sepia:5: sepia takes no argument"},
		{"pixelate too small", "e_pixelate:1", "e_pixelate:1: pixelate needs a whole number 2..256"},
		{"page too large", "pg_10000", "pg_10000: page must be 0..9999"},
		{"page word", "pg_first", "pg_first: page must be 0..9999"},
		{"page and all", "pg_1,pg_all", "pg_all: pg_ given more than once"},
		{"offset negative", "so_-1", "so_-1: video offset must be seconds 0..86400*"},
		{"offset too large", "so_86401", "so_86401: video offset must be seconds 0..86400*"},
		{"offset word", "so_end", "so_end: video offset must be seconds 0..86400*"},
		{"offset twice", "so_1,so_2", "so_2: so_ given more than once"},
		{"preset upper case", "t_Thumb", "t_Thumb: preset name must be*"},
		{"preset starts with dash", "t_-x", "t_-x: preset name must be*"},
		{"preset too long", "t_" + strings.Repeat("a", 65), "t_aaaaa*"},
		{"overlay bad id", "l_logo", "l_logo: overlay must be an asset ID"},
		{"layer gravity smart", "l_" + testID + ",lg_smart", "lg_smart: layer gravity must be*"},
		{"layer gravity alone", "lg_north", "lg_north: lg_ needs an overlay (l_) or a text (txt_)"},
		{"opacity alone", "lo_50", "lo_50: lo_ needs an overlay (l_)"},
		{"opacity with text only", "txt_a,lo_50", "lo_50: lo_ needs an overlay (l_)"},
		{"opacity zero", "l_" + testID + ",lo_0", "lo_0: layer opacity must be 1..100"},
		{"opacity too large", "l_" + testID + ",lo_101", "lo_101: layer opacity must be 1..100"},
		{"width pct alone", "lw_50", "lw_50: lw_ needs an overlay (l_)"},
		{"width pct zero", "l_" + testID + ",lw_0", "lw_0: layer width must be 1..100"},
		{"text empty", "txt_", "txt_: text must be 1..200 characters"},
		{"text too long", "txt_" + strings.Repeat("a", 201), "txt_aaaa*"},
		{"text bad escape", "txt_100%", "txt_100%: text is not correctly percent-encoded"},
		{"text bad utf8", "txt_%FF", "txt_%FF: text is not valid UTF-8"},
		{"text control", "txt_a%0Ab", "txt_a%0Ab: text may not contain control characters"},
		{"text raw comma splits", "txt_a,b", "b: expected key_value"},
		{"text colour alone", "tc_fff", "tc_fff: tc_ needs a text (txt_)"},
		{"text colour transparent", "txt_a,tc_ffffff00", "tc_ffffff00: text colour must be*"},
		{"text size alone", "ts_12", "ts_12: ts_ needs a text (txt_)"},
		{"text size too small", "txt_a,ts_3", "ts_3: text size must be 4..512"},
		{"text size too large", "txt_a,ts_513", "ts_513: text size must be 4..512"},
		{"control in item is quoted", "w_\x01", `"w_\x01": width must be 1..8192`},
		{"invalid UTF-8 in item is quoted", "\xff_1", `"\xff_1": unknown operation "\xff"`},
		{"non-ASCII item is not quoted", "é_1", `é_1: unknown operation "é"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := transform.Parse(tt.segment)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error", tt.segment, o)
			}
			var e *easel.Error
			if !errors.As(err, &e) || e.Code != easel.CodeInvalidArgument {
				t.Fatalf("Parse(%q) error %v, want an *easel.Error with code invalid_argument", tt.segment, err)
			}
			if prefix, ok := strings.CutSuffix(tt.message, "*"); ok {
				if !strings.HasPrefix(e.Message, prefix) {
					t.Fatalf("Parse(%q) message %q, want it to start with %q", tt.segment, e.Message, prefix)
				}
			} else if e.Message != tt.message {
				t.Fatalf("Parse(%q) message %q, want %q", tt.segment, e.Message, tt.message)
			}
		})
	}
}

func TestParseErrorMessageIsShort(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		segment string
	}{
		{"long text", "txt_" + strings.Repeat("%C3%A9", 300)},
		{"long raw non-ASCII key", strings.Repeat("é", 100) + "_1"},
		{"long unknown effect", "e_" + strings.Repeat("x", 300)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := transform.Parse(tt.segment)
			msg := easel.ErrorMessage(err)
			if err == nil || len(msg) > 200 || !utf8.ValidString(msg) || !strings.Contains(msg, "...") {
				t.Fatalf("message of %d bytes: %q", len(msg), msg)
			}
		})
	}
}
