package vips

import (
	"testing"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

func TestSniff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		want transform.Format
	}{
		{"jpeg", "\xFF\xD8\xFF\xE0rest", transform.FormatJPEG},
		{"png", "\x89PNG\r\n\x1a\n....", transform.FormatPNG},
		{"gif", "GIF89a......", transform.FormatGIF},
		{"webp", "RIFF\x00\x00\x00\x00WEBPVP8 ", transform.FormatWebP},
		{"avif", "\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1", transform.FormatAVIF},
		{"avif by compatible brand", "\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avif", transform.FormatAVIF},
		{"heic", "\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", transform.FormatHEIF},
		{"tiff", "II*\x00\x08\x00\x00\x00", transform.FormatTIFF},
		{"jxl codestream", "\xFF\x0A\x00\x00", transform.FormatJXL},
		{"svg", "\xEF\xBB\xBF  <?xml version=\"1.0\"?>\n<svg width=\"1\"/>", transform.FormatSVG},
		{"pdf", "%PDF-1.7\n", transform.FormatPDF},
		{"text", "hello world, not an image", transform.FormatNone},
		{"html", "<html><body></body></html>", transform.FormatNone},
		{"short", "\xFF", transform.FormatNone},
		{"ico", "\x00\x00\x01\x00\x01\x00\x10\x10", transform.FormatNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := sniff([]byte(tt.data)); got != tt.want {
				t.Errorf("sniff = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEXIFValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		nice bool
		want string
	}{
		{"ascii", "Apple (Apple, ASCII, 6 components, 6 bytes)", false, "Apple"},
		{"ascii with parenthesis", "Foo (bar) (Foo (bar), ASCII, 10 components, 10 bytes)", false, "Foo (bar)"},
		{"short raw", "1 (Top-left, Short, 1 components, 2 bytes)", false, "1"},
		{"rational nice", "28/10 (f/2.8, Rational, 1 components, 8 bytes)", true, "f/2.8"},
		{"bare", "plain", false, "plain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exifValue(tt.in, tt.nice); got != tt.want {
				t.Errorf("exifValue = %q, want %q", got, tt.want)
			}
		})
	}
	if got := sanitize("a\x00b\x07c\xff d"); got != "abc d" {
		t.Errorf("sanitize = %q", got)
	}
}

func TestProbe(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	tests := []struct {
		file        string
		format      transform.Format
		w, h        int
		orientation int
		pages       int
		alpha       bool
	}{
		{"photos/mate_Wood.jpg", transform.FormatJPEG, 2560, 1920, 1, 1, false},
		{"orientation/recurser_Landscape_6.jpg", transform.FormatJPEG, 1200, 1800, 6, 1, false},
		{"orientation/recurser_Landscape_0.jpg", transform.FormatJPEG, 1800, 1200, 1, 1, false},
		{"orientation/imgproxy_orientation-8.png", transform.FormatPNG, 200, 100, 8, 1, true},
		{"orientation/govips_webp-orientation-6.webp", transform.FormatWebP, 521, 391, 6, 1, false},
		// libheif applies irot: the size is the displayed one, orientation 1.
		{"orientation/govips_heic-orientation-6.heic", transform.FormatHEIF, 3024, 4032, 1, 1, false},
		{"orientation/pillow_avif_rot1mir0.avif", transform.FormatAVIF, 640, 427, 1, 1, false},
		{"formats/bimg_transparent.png", transform.FormatPNG, 320, 240, 1, 1, true},
		{"formats/libvips_logo.svgz", transform.FormatSVG, 736, 552, 1, 1, true},
		{"formats/imgproxy_8-bpp.jxl", transform.FormatJXL, 400, 400, 1, 1, false},
		{"formats/ximage_bmp_8bpp.bmp", transform.FormatBMP, 96, 73, 1, 1, false},
		{"formats/libvips_sample.tif", transform.FormatTIFF, 290, 442, 1, 1, false},
		{"animated/bimg_test.gif", transform.FormatGIF, 703, 681, 1, 24, true},
		{"animated/govips_webp-animated-alpha.webp", transform.FormatWebP, 480, 480, 1, 14, true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			src, err := e.Probe(readImage(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			want := transform.Source{Format: tt.format, Width: tt.w, Height: tt.h, Orientation: tt.orientation, Pages: tt.pages, HasAlpha: tt.alpha}
			src.EXIF = nil
			if src.Format != want.Format || src.Width != want.Width || src.Height != want.Height ||
				src.Orientation != want.Orientation || src.Pages != want.Pages || src.HasAlpha != want.HasAlpha {
				t.Errorf("Probe = %+v, want %+v", src, want)
			}
		})
	}
}

func TestProbeEXIF(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	src, err := e.Probe(readImage(t, "orientation/govips_heic-orientation-6.heic"))
	if err != nil {
		t.Fatal(err)
	}
	if src.EXIF["Make"] != "Apple" || src.EXIF["Model"] != "iPhone XS" {
		t.Errorf("EXIF = %v, want Make Apple, Model iPhone XS", src.EXIF)
	}
	src, err = e.Probe(readImage(t, "formats/imagor_adobe-rgb_canon5d.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	if src.EXIF["Make"] != "Canon" || src.EXIF["FNumber"] == "" || src.EXIF["ISO"] == "" {
		t.Errorf("EXIF = %v, want Canon with FNumber and ISO", src.EXIF)
	}
}

func TestProbeRefuses(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	tests := []struct {
		file string
		code easel.Code
	}{
		{"hostile/zero-byte.jpg", easel.CodeUnsupportedMedia},
		{"hostile/thumbor_image_invalid_1byte.jpg", easel.CodeUnsupportedMedia},
		{"hostile/sharp_giant-image.jpg", easel.CodeTooLarge},
		{"hostile/thumbor_16384x16384.png", easel.CodeTooLarge},
		{"hostile/thumbor_9643x10328.jpg", easel.CodeTooLarge},
		{"hostile/weserv_giant.svg", easel.CodeTooLarge},
		{"hostile/weserv_1024-pages.gif", easel.CodeTooLarge},
		{"formats/libvips_favicon.ico", easel.CodeUnsupportedMedia},
		{"formats/sharp_relax.jp2", easel.CodeUnsupportedMedia},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			_, err := e.Probe(readImage(t, tt.file))
			if code := easel.ErrorCode(err); code != tt.code {
				t.Fatalf("Probe error %v, want code %s", err, tt.code)
			}
		})
	}
}
