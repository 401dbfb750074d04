package vips

import (
	"context"
	"testing"

	"github.com/easelhq/easel/transform"
)

// TestRenderFromURL runs the whole chain: operations string, Parse, NewPlan,
// Render.
func TestRenderFromURL(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	tests := []struct {
		name   string
		file   string
		ops    string
		format transform.Format
		w, h   int
		pages  int
	}{
		{"fit width", "photos/mate_Wood.jpg", "w_300", transform.FormatJPEG, 300, 225, 1},
		{"fill smart to webp", "photos/mate_Wood.jpg", "w_200,h_200,c_fill,g_smart,f_webp", transform.FormatWebP, 200, 200, 1},
		{"fill north", "orientation/recurser_Landscape_6.jpg", "w_100,h_100,c_fill,g_north,f_png", transform.FormatPNG, 100, 100, 1},
		{"pad", "orientation/recurser_Landscape_8.jpg", "w_300,h_300,c_pad,bg_ff0000", transform.FormatJPEG, 300, 300, 1},
		{"crop box, rotate, avif", "photos/plasma_EveningGlow_2560x1600.jpg", "cr_0:0:1600:1000,a_90,w_200,f_avif", transform.FormatAVIF, 200, 320, 1},
		{"effects", "photos/plasma_ColorfulCups_2560x1600.jpg", "w_160,e_grayscale,e_blur:2,f_jxl", transform.FormatJXL, 160, 100, 1},
		{"heic portrait", "orientation/govips_heic-orientation-6.heic", "w_150", transform.FormatJPEG, 150, 200, 1},
		{"animation kept", "animated/sharp_rotating-squares.gif", "w_40,pg_all,f_gif", transform.FormatGIF, 40, 40, 30},
		{"svg rasterised", "formats/libvips_logo.svg", "w_368,f_png", transform.FormatPNG, 368, 276, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := readImage(t, tt.file)
			src, err := e.Probe(data)
			if err != nil {
				t.Fatal(err)
			}
			o, err := transform.Parse(tt.ops)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.ops, err)
			}
			p, err := transform.NewPlan(o, src, transform.PlanConfig{})
			if err != nil {
				t.Fatalf("NewPlan: %v", err)
			}
			out, err := e.Render(context.Background(), data, p, nil)
			if err != nil {
				t.Fatalf("Render %+v: %v", p, err)
			}
			if got, _ := sniff(out.Data); got != tt.format || out.Format != tt.format {
				t.Errorf("format %q (Output %q), want %q", got, out.Format, tt.format)
			}
			if out.Width != tt.w || out.Height != tt.h || out.Pages != tt.pages {
				t.Errorf("Output %dx%d %d pages, want %dx%d %d pages", out.Width, out.Height, out.Pages, tt.w, tt.h, tt.pages)
			}
			if out.Width != p.Width || out.Height != p.Height {
				t.Errorf("Output %dx%d, plan promised %dx%d", out.Width, out.Height, p.Width, p.Height)
			}
		})
	}
}
