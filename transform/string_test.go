package transform_test

import (
	"reflect"
	"testing"

	"github.com/easelhq/easel/transform"
)

func TestStringCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		segment string
		want    string
	}{
		{"original", "-", "-"},
		{"zero options", "up_0", "pg_0"},
		{"zero options page", "pg_0", "pg_0"},
		{"order", "f_webp,q_80,g_smart,c_fill,h_200,w_300", "w_300,h_200,c_fill,g_smart,q_80,f_webp"},
		{"full order", "f_png,q_9,ts_40,tc_f00,txt_hi,lw_5,lo_7,lg_north,l_" + testID +
			",e_invert,e_grayscale,bg_123,up_1,g_west,c_pad,dpr_2,h_2,w_1,fl_v,fl_h,a_90,cr_1:2:3:4,pg_2,t_x",
			"t_x,pg_2,cr_1:2:3:4,a_90,fl_h,fl_v,w_1,h_2,dpr_2,c_pad,g_west,up_1,bg_112233,e_grayscale,e_invert,l_" + testID +
				",lg_north,lo_7,lw_5,txt_hi,tc_ff0000,ts_40,q_9,f_png"},
		{"effects in field order", "e_pixelate:4,e_invert,e_sepia,e_tint:ABC,e_hue:5,e_saturation:6,e_contrast:7,e_brightness:8,e_sharpen,e_blur:1.50,e_bw,e_grayscale",
			"e_grayscale,e_bw,e_blur:1.5,e_sharpen,e_brightness:8,e_contrast:7,e_saturation:6,e_hue:5,e_tint:aabbcc,e_sepia,e_invert,e_pixelate:4"},
		{"face effects after the others", "e_pixelate_faces:3,e_blur_faces:2,e_whiten:70,e_redeye,e_pixelate:4,e_grayscale",
			"e_grayscale,e_pixelate:4,e_redeye,e_whiten:70,e_blur_faces:2,e_pixelate_faces:3"},
		{"face effect default arguments", "e_pixelate_faces:12,e_blur_faces:15.0,e_whiten:50", "e_whiten,e_blur_faces,e_pixelate_faces"},
		{"face gravities", "g_faces,c_fill,w_1,h_1", "w_1,h_1,c_fill,g_faces"},
		{"effect arguments", "e_bw:128,e_sharpen:1.0,e_blur:04", "e_bw,e_blur:4,e_sharpen"},
		{"effect non-default arguments", "e_bw:0,e_sharpen:0.5", "e_bw:0,e_sharpen:0.5"},
		{"numbers shortest", "dpr_1.50,w_007,g_fp_0.50:1.0", "w_7,dpr_1.5,g_fp_0.5:1"},
		{"centre written center", "g_centre", "g_center"},
		{"video offset after page", "w_300,so_02.50,pg_1", "pg_1,so_2.5,w_300"},
		{"video offset zero kept", "so_0.0", "so_0"},
		{"jpg written jpeg", "f_jpg", "f_jpeg"},
		{"opaque colour short", "bg_FFFFFFFF", "bg_ffffff"},
		{"translucent colour", "bg_00000080", "bg_00000080"},
		{"text escaped", "txt_a%2cb%2F%20c%3A", "txt_a%2Cb%2F%20c:"},
		{"text unicode", "txt_%e2%82%ac", "txt_%E2%82%AC"},
		{"text lg without overlay", "lg_east,txt_x", "lg_east,txt_x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := transform.Parse(tt.segment)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.segment, err)
			}
			if got := o.String(); got != tt.want {
				t.Fatalf("Parse(%q).String() = %q, want %q", tt.segment, got, tt.want)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		o    transform.Options
	}{
		{"zero", transform.Options{}},
		{"original", transform.Options{Original: true}},
		{"preset", transform.Options{Preset: "thumb_2x", Width: 10}},
		{"page", transform.Options{Page: 42}},
		{"all pages", transform.Options{AllPages: true, Format: transform.FormatGIF}},
		{"geometry", transform.Options{
			CropBox: &transform.Rect{X: 1, Y: 2, W: 3, H: 4}, Rotate: 270, FlipH: true, FlipV: true,
			Width: 640, Height: 480, DPR: 2.25, Crop: transform.CropPad,
			Gravity: transform.Gravity{Type: transform.GravitySouthEast}, Upscale: true,
			Background: color(1, 2, 3, 4),
		}},
		{"focal point", transform.Options{Width: 100, Height: 100, Crop: transform.CropFill,
			Gravity: transform.Gravity{Type: transform.GravityFocal, X: 0.333, Y: 1}}},
		{"all effects", transform.Options{Effects: transform.Effects{
			Grayscale: true, BW: true, BWThreshold: 17, Blur: 0.1, Sharpen: 9.99,
			Brightness: -1, Contrast: 100, Saturation: -100, Hue: 360,
			Tint: color(0xde, 0xad, 0xbe, 255), Sepia: true, Invert: true, Pixelate: 2,
		}}},
		{"face effects", transform.Options{Gravity: transform.Gravity{Type: transform.GravityFace}, Effects: transform.Effects{
			RedEye: true, Whiten: 1, BlurFaces: 99.5, PixelateFaces: 256,
		}}},
		{"face effect defaults", transform.Options{Gravity: transform.Gravity{Type: transform.GravityFaces}, Effects: transform.Effects{
			Whiten: 50, BlurFaces: 15, PixelateFaces: 12,
		}}},
		{"default effect arguments", transform.Options{Effects: transform.Effects{BW: true, BWThreshold: 128, Sharpen: 1}}},
		{"overlay", transform.Options{Overlay: &transform.Overlay{
			AssetID: testID, Gravity: transform.Gravity{Type: transform.GravityNorth}, Opacity: 100, WidthPct: 1}}},
		{"text", transform.Options{Text: &transform.Text{
			Text: "50% off, today/tomorrow: ¡sí! #1 & \"more\"?;=+$@~", Color: transform.Color{R: 9, A: 1}, Size: 512,
			Gravity: transform.Gravity{Type: transform.GravityWest}}}},
		{"overlay and text", transform.Options{
			Overlay: &transform.Overlay{AssetID: testID, Gravity: transform.Gravity{Type: transform.GravityCenter}},
			Text:    &transform.Text{Text: "x", Gravity: transform.Gravity{Type: transform.GravityCenter}}}},
		{"output", transform.Options{Quality: 55, Format: transform.FormatAuto}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := tt.o.String()
			got, err := transform.Parse(s)
			if err != nil {
				t.Fatalf("Parse(%q): %v", s, err)
			}
			if !reflect.DeepEqual(got, tt.o) {
				t.Fatalf("Parse(%q)\n got %+v\nwant %+v", s, got, tt.o)
			}
			if again := got.String(); again != s {
				t.Fatalf("String not stable: %q then %q", s, again)
			}
		})
	}
}
