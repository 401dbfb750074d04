package vips

import (
	"context"
	"testing"
)

func TestRaster(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	tests := []struct {
		name string
		file string
		max  int
		w, h int
	}{
		{"landscape shrunk", "photos/lomiri16_Dragonfly_by_Bolly.jpg", 1024, 1024, 768},
		{"orientation 6 turned", "orientation/recurser_Landscape_6.jpg", 600, 600, 400},
		{"small not enlarged", "faces/pillow_hopper.jpg", 1024, 128, 128},
		{"alpha flattened", "formats/bimg_transparent.png", 160, 160, 120},
		{"grayscale to rgb", "photos/plasma_Grey_2560x1600.jpg", 256, 256, 160},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pix, w, h, err := e.Raster(context.Background(), readImage(t, tt.file), tt.max)
			if err != nil {
				t.Fatal(err)
			}
			if w != tt.w || h != tt.h || len(pix) != w*h*3 {
				t.Fatalf("raster %dx%d (%d bytes), want %dx%d", w, h, len(pix), tt.w, tt.h)
			}
		})
	}
	if _, _, _, err := e.Raster(context.Background(), readImage(t, "hostile/sharp_giant-image.jpg"), 1024); err == nil {
		t.Error("a decompression bomb rasterised")
	}
}
