package transform_test

import (
	"testing"

	"github.com/easelhq/easel/transform"
)

func TestNegotiate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		accept string
		want   transform.Format
	}{
		{"empty", "", transform.FormatJPEG},
		{"any", "*/*", transform.FormatJPEG},
		{"image wildcard", "image/*", transform.FormatJPEG},
		{"chrome", "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8", transform.FormatAVIF},
		{"webp only", "image/webp,*/*", transform.FormatWebP},
		{"avif refused", "image/avif;q=0,image/webp", transform.FormatWebP},
		{"avif refused with decimals", "image/avif; q=0.000, image/webp;q=0.5", transform.FormatWebP},
		{"avif low q still acceptable", "image/webp;q=1,image/avif;q=0.1", transform.FormatAVIF},
		{"both refused", "image/avif;q=0,image/webp;q=0,*/*", transform.FormatJPEG},
		{"upper case", "IMAGE/AVIF;Q=1", transform.FormatAVIF},
		{"spaces", " image/webp ; q=0.9 ", transform.FormatWebP},
		{"other parameter", "image/avif;level=1;q=0.5", transform.FormatAVIF},
		{"malformed q", "image/avif;q=abc,image/webp", transform.FormatWebP},
		{"q above one", "image/avif;q=2", transform.FormatJPEG},
		{"similar type", "image/avifx,image/webp2", transform.FormatJPEG},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := transform.Negotiate(tt.accept); got != tt.want {
				t.Fatalf("Negotiate(%q) = %q, want %q", tt.accept, got, tt.want)
			}
		})
	}
}

func TestFormatFromExt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ext  string
		want transform.Format
		ok   bool
	}{
		{"jpg", transform.FormatJPEG, true},
		{"jpeg", transform.FormatJPEG, true},
		{"JPG", transform.FormatJPEG, true},
		{"png", transform.FormatPNG, true},
		{"webp", transform.FormatWebP, true},
		{"avif", transform.FormatAVIF, true},
		{"gif", transform.FormatGIF, true},
		{"jxl", transform.FormatJXL, true},
		{"tiff", "", false},
		{"heic", "", false},
		{"", "", false},
		{".jpg", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.ext, func(t *testing.T) {
			t.Parallel()
			got, ok := transform.FormatFromExt(tt.ext)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("FormatFromExt(%q) = %q, %v; want %q, %v", tt.ext, got, ok, tt.want, tt.ok)
			}
		})
	}
}
