package vips

import (
	"context"
	"testing"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

func TestMakeLevels(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	tests := []struct {
		name   string
		file   string
		sides  []int
		want   [][2]int // level sizes, largest first
		format transform.Format
		alpha  bool
	}{
		{"opaque photo: JPEG", "photos/mate_Wood.jpg", []int{512, 2048, 256, 512}, [][2]int{{2048, 1536}, {512, 384}, {256, 192}}, transform.FormatJPEG, false},
		{"alpha kept: lossless WebP", "formats/govips_png-alpha-64bit.png", []int{1024, 512}, [][2]int{{1024, 455}, {512, 228}}, transform.FormatWebP, true},
		// stored 1200x1800 with orientation 6: displayed 1800x1200
		{"EXIF orientation applied", "orientation/recurser_Landscape_6.jpg", []int{1024}, [][2]int{{1024, 683}}, transform.FormatJPEG, false},
		{"no side below the original", "photos/mate_Wood.jpg", []int{2560, 4096}, nil, "", false},
		{"animation: none", "animated/bimg_test.gif", []int{256}, nil, "", false},
		{"SVG: none", "formats/libvips_logo.svg", []int{64}, nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			levels, err := e.MakeLevels(context.Background(), readImage(t, tt.file), tt.sides)
			if err != nil {
				t.Fatal(err)
			}
			if len(levels) != len(tt.want) {
				t.Fatalf("%d levels, want %d", len(levels), len(tt.want))
			}
			for i, l := range levels {
				src, err := e.Probe(l.Data)
				if err != nil {
					t.Fatal(err)
				}
				got := [2]int{src.Width, src.Height}
				if got != tt.want[i] || l.Width != got[0] || l.Height != got[1] || max(l.Width, l.Height) != l.Side {
					t.Errorf("level %d: %+v, decoded %v, want %v", i, l.Level, got, tt.want[i])
				}
				// libvips 8.14's WebP saver writes an EXIF block of its own
				// (resolution, orientation 1) even when stripping: nothing
				// of the original's.
				exif := src.EXIF
				if exif["Orientation"] == "1" && len(exif) == 1 {
					exif = nil
				}
				if src.Format != tt.format || l.Format != tt.format || src.HasAlpha != tt.alpha || src.Orientation > 1 || exif != nil {
					t.Errorf("level %d: %+v, want %s, alpha %v, no orientation, no EXIF", i, src, tt.format, tt.alpha)
				}
			}
		})
	}
	t.Run("deadline", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := e.MakeLevels(ctx, readImage(t, "photos/mate_Wood.jpg"), []int{1024})
		if easel.ErrorCode(err) != easel.CodeDeadlineExceeded {
			t.Fatalf("error %v, want deadline_exceeded", err)
		}
	})
}
