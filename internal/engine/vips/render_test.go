package vips

import (
	"context"
	"fmt"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	govips "github.com/davidbyttow/govips/v2/vips"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// render probes and renders file with p, failing the test on error.
func render(t testing.TB, e *Engine, file string, p transform.Plan) (transform.Output, image.Image) {
	t.Helper()
	out, err := e.Render(context.Background(), readImage(t, file), p, nil)
	if err != nil {
		t.Fatalf("Render %s: %v", file, err)
	}
	if got, _ := sniff(out.Data); got != p.Format {
		t.Fatalf("output sniffs as %q, want %q", got, p.Format)
	}
	m := decode(t, out.Data)
	if m.Bounds().Dx() != out.Width || m.Bounds().Dy()*max(out.Pages, 1) < out.Height {
		t.Fatalf("decoded %v, Output says %dx%d", m.Bounds().Size(), out.Width, out.Height)
	}
	return out, m
}

func probe(t testing.TB, e *Engine, file string) transform.Source {
	t.Helper()
	src, err := e.Probe(readImage(t, file))
	if err != nil {
		t.Fatalf("Probe %s: %v", file, err)
	}
	return src
}

const landscape = "orientation/recurser_Landscape_1.jpg"

func TestRenderOrientation(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	_, ref := render(t, e, landscape, jpegPlan(300, 200))
	for i := 0; i <= 8; i++ {
		file := fmt.Sprintf("orientation/recurser_Landscape_%d.jpg", i)
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			out, m := render(t, e, file, fitWidth(probe(t, e, file), 300, transform.FormatJPEG))
			if out.Width != 300 || out.Height != 200 {
				t.Fatalf("size %dx%d, want 300x200", out.Width, out.Height)
			}
			if d := hashDistance(ref, m); d > 6 {
				t.Errorf("hash distance to Landscape_1 = %d, want <= 6", d)
			}
		})
	}
	refPNG := "orientation/imgproxy_orientation-0.png"
	for i := 1; i <= 8; i++ {
		file := fmt.Sprintf("orientation/imgproxy_orientation-%d.png", i)
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			src := probe(t, e, file)
			_, m := render(t, e, file, fitWidth(src, 200, transform.FormatPNG))
			// All files hold the same pixels; only the tag differs: undoing
			// the tag's transform must give back the untagged render.
			undone := undoOrientation(m, src.Orientation)
			_, ref0 := render(t, e, refPNG, fitWidth(probe(t, e, refPNG), undone.Bounds().Dx(), transform.FormatPNG))
			if d := hashDistance(undone, ref0); d > 4 {
				t.Errorf("orientation %d: hash distance to the untagged file = %d, want <= 4", src.Orientation, d)
			}
		})
	}
	t.Run("heic irot and EXIF 6 turn once", func(t *testing.T) {
		t.Parallel()
		file := "orientation/govips_heic-orientation-6.heic"
		src := probe(t, e, file)
		if w, h := src.DisplayedSize(); w != 3024 || h != 4032 {
			t.Fatalf("displayed %dx%d, want 3024x4032", w, h)
		}
		out, m := render(t, e, file, fitWidth(src, 300, transform.FormatJPEG))
		if out.Width != 300 || out.Height != 400 {
			t.Fatalf("size %dx%d, want 300x400 (portrait)", out.Width, out.Height)
		}
		// Against the raw decode without any orientation handling.
		ref := decode(t, readImage(t, file))
		if d := hashDistance(m, ref); d > 8 {
			t.Errorf("hash distance to libheif's own decode = %d", d)
		}
	})
	for _, tt := range []struct {
		file string
		w, h int
	}{
		{"orientation/pillow_avif_rot1mir0.avif", 640, 427},
		{"orientation/libvips_avif-orientation-6.avif", 300, 400},
		{"orientation/govips_webp-orientation-6.webp", 300, 400},
		{"orientation/pillow_g4_orientation_6.tif", 590, 88},
	} {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			src := probe(t, e, tt.file)
			p := fitWidth(src, tt.w, transform.FormatPNG)
			out, _ := render(t, e, tt.file, p)
			if out.Width != tt.w || out.Height != tt.h {
				t.Errorf("size %dx%d, want %dx%d", out.Width, out.Height, tt.w, tt.h)
			}
		})
	}
}

// undoOrientation applies the inverse of EXIF orientation o to m.
func undoOrientation(m image.Image, o int) image.Image {
	switch o {
	case 2:
		return flipH(m)
	case 3:
		return rotate90(rotate90(m))
	case 4:
		return flipH(rotate90(rotate90(m)))
	case 5:
		return flipH(rotate90(m))
	case 6:
		return rotate90(rotate90(rotate90(m)))
	case 7:
		return flipH(rotate90(rotate90(rotate90(m))))
	case 8:
		return rotate90(m)
	}
	return m
}

// rotate90 turns m 90 degrees clockwise.
func rotate90(m image.Image) image.Image {
	b := m.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			out.Set(b.Dy()-1-y, x, m.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

func flipH(m image.Image) image.Image {
	b := m.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			out.Set(b.Dx()-1-x, y, m.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return out
}

func flipV(m image.Image) image.Image { return rotate90(rotate90(flipH(m))) }

func TestRenderGeometry(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	_, ref := render(t, e, landscape, jpegPlan(300, 200))
	tests := []struct {
		name  string
		plan  func(p *transform.Plan)
		w, h  int
		check func(t *testing.T, m image.Image)
	}{
		{"scale ignores aspect", func(p *transform.Plan) { p.ResizeWidth, p.ResizeHeight = 200, 200 }, 200, 200, nil},
		{"upscale", func(p *transform.Plan) { p.ResizeWidth, p.ResizeHeight = 2400, 1600 }, 2400, 1600, nil},
		{"rotate 90", func(p *transform.Plan) { p.Rotate, p.ResizeWidth, p.ResizeHeight = 90, 200, 300 }, 200, 300,
			func(t *testing.T, m image.Image) { near(t, m, rotate90(ref), 8) }},
		{"rotate 180", func(p *transform.Plan) { p.Rotate = 180 }, 300, 200,
			func(t *testing.T, m image.Image) { near(t, m, rotate90(rotate90(ref)), 8) }},
		{"flip h", func(p *transform.Plan) { p.FlipH = true }, 300, 200,
			func(t *testing.T, m image.Image) { near(t, m, flipH(ref), 8) }},
		{"flip v", func(p *transform.Plan) { p.FlipV = true }, 300, 200,
			func(t *testing.T, m image.Image) { near(t, m, flipV(ref), 8) }},
		{"fill: resize then extract", func(p *transform.Plan) {
			p.ResizeWidth, p.ResizeHeight = 300, 200
			p.Extract = &transform.Rect{X: 50, Y: 0, W: 200, H: 200}
		}, 200, 200, func(t *testing.T, m image.Image) {
			near(t, m, crop(ref, image.Rect(50, 0, 250, 200)), 8)
		}},
		{"smart crop", func(p *transform.Plan) {
			p.ResizeWidth, p.ResizeHeight = 300, 200
			p.Extract, p.SmartCrop = &transform.Rect{W: 100, H: 200}, true
		}, 100, 200, nil},
		{"pad: embed on background", func(p *transform.Plan) {
			p.ResizeWidth, p.ResizeHeight = 300, 200
			p.Embed = &transform.Rect{X: 0, Y: 50, W: 300, H: 300}
			p.Background = transform.Color{R: 255, A: 255}
		}, 300, 300, func(t *testing.T, m image.Image) {
			if r, g, b, _ := rgba8(m, 150, 10); r < 240 || g > 20 || b > 20 {
				t.Errorf("pad pixel = %d,%d,%d, want red", r, g, b)
			}
			near(t, crop(m, image.Rect(0, 50, 300, 250)), ref, 8)
		}},
		{"crop box then resize", func(p *transform.Plan) {
			p.CropBox = &transform.Rect{X: 900, Y: 0, W: 900, H: 1200}
			p.ResizeWidth, p.ResizeHeight = 150, 200
		}, 150, 200, func(t *testing.T, m image.Image) {
			near(t, m, crop(ref, image.Rect(150, 0, 300, 200)), 8)
		}},
		{"crop box shrinks on load", func(p *transform.Plan) {
			p.CropBox = &transform.Rect{X: 0, Y: 0, W: 1800, H: 1200}
			p.ResizeWidth, p.ResizeHeight = 150, 100
		}, 150, 100, func(t *testing.T, m image.Image) { near(t, m, ref, 8) }},
		{"crop box without resize", func(p *transform.Plan) {
			p.CropBox = &transform.Rect{X: 10, Y: 20, W: 30, H: 40}
			p.ResizeWidth, p.ResizeHeight = 0, 0
		}, 30, 40, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := jpegPlan(300, 200)
			tt.plan(&p)
			out, m := render(t, e, landscape, p)
			if out.Width != tt.w || out.Height != tt.h {
				t.Fatalf("size %dx%d, want %dx%d", out.Width, out.Height, tt.w, tt.h)
			}
			if tt.check != nil {
				tt.check(t, m)
			}
		})
	}
}

func crop(m image.Image, r image.Rectangle) image.Image {
	out := image.NewNRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := range r.Dy() {
		for x := range r.Dx() {
			out.Set(x, y, m.At(m.Bounds().Min.X+r.Min.X+x, m.Bounds().Min.Y+r.Min.Y+y))
		}
	}
	return out
}

func near(t *testing.T, got, want image.Image, tolerance int) {
	t.Helper()
	if d := hashDistance(got, want); d > tolerance {
		t.Errorf("hash distance %d, want <= %d", d, tolerance)
	}
}

// energy is the mean absolute difference between horizontal neighbours.
func energy(m image.Image) float64 {
	b := m.Bounds()
	var sum float64
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X + 1; x < b.Max.X; x++ {
			sum += math.Abs(luma(m, x, y) - luma(m, x-1, y))
		}
	}
	return sum / float64(b.Dx()*b.Dy())
}

func TestRenderEffects(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	const file = "photos/plasma_ColorfulCups_2560x1600.jpg"
	base := jpegPlan(320, 200)
	base.Format = transform.FormatPNG
	_, ref := render(t, e, file, base)
	rr, rg, rb := meanRGB(ref)
	tests := []struct {
		name  string
		fx    transform.Effects
		check func(t *testing.T, m image.Image)
	}{
		{"grayscale gives R=G=B", transform.Effects{Grayscale: true}, func(t *testing.T, m image.Image) {
			for _, pt := range []image.Point{{10, 10}, {160, 100}, {300, 190}} {
				if r, g, b, _ := rgba8(m, pt.X, pt.Y); r != g || g != b {
					t.Errorf("pixel %v = %d,%d,%d, want grey", pt, r, g, b)
				}
			}
		}},
		{"bw gives black and white", transform.Effects{BW: true, BWThreshold: 128}, func(t *testing.T, m image.Image) {
			b := m.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y += 7 {
				for x := b.Min.X; x < b.Max.X; x += 7 {
					if r, g, bl, _ := rgba8(m, x, y); (r != 0 && r != 255) || r != g || g != bl {
						t.Fatalf("pixel %d,%d = %d,%d,%d, want black or white", x, y, r, g, bl)
					}
				}
			}
		}},
		{"blur lowers high frequencies", transform.Effects{Blur: 4}, func(t *testing.T, m image.Image) {
			if energy(m) > 0.6*energy(ref) {
				t.Errorf("energy %.2f, reference %.2f", energy(m), energy(ref))
			}
		}},
		{"sharpen raises high frequencies", transform.Effects{Sharpen: 1.5}, func(t *testing.T, m image.Image) {
			if energy(m) <= energy(ref) {
				t.Errorf("energy %.2f, reference %.2f", energy(m), energy(ref))
			}
		}},
		{"brightness", transform.Effects{Brightness: 40}, func(t *testing.T, m image.Image) {
			if r, g, b := meanRGB(m); r+g+b < rr+rg+rb+60 {
				t.Errorf("mean %.0f,%.0f,%.0f not brighter than %.0f,%.0f,%.0f", r, g, b, rr, rg, rb)
			}
		}},
		{"contrast down flattens", transform.Effects{Contrast: -80}, func(t *testing.T, m image.Image) {
			if energy(m) > 0.4*energy(ref) {
				t.Errorf("energy %.2f, reference %.2f", energy(m), energy(ref))
			}
		}},
		{"saturation -100 is grey", transform.Effects{Saturation: -100}, func(t *testing.T, m image.Image) {
			r, g, b, _ := rgba8(m, 160, 100)
			if max(r, g, b)-min(r, g, b) > 6 {
				t.Errorf("pixel = %d,%d,%d, want near grey", r, g, b)
			}
		}},
		{"hue rotates colours", transform.Effects{Hue: 180}, func(t *testing.T, m image.Image) {
			if hashDistance(m, ref) > 40 {
				t.Errorf("hue changed the structure")
			}
			r, g, b := meanRGB(m)
			if math.Abs(r-rr)+math.Abs(g-rg)+math.Abs(b-rb) < 15 {
				t.Errorf("mean colour barely changed: %.0f,%.0f,%.0f vs %.0f,%.0f,%.0f", r, g, b, rr, rg, rb)
			}
		}},
		{"tint pulls towards the colour", transform.Effects{Tint: &transform.Color{R: 255, A: 255}}, func(t *testing.T, m image.Image) {
			r, g, b := meanRGB(m)
			if r-rr < 20 || g > rg || b > rb {
				t.Errorf("mean %.0f,%.0f,%.0f vs %.0f,%.0f,%.0f: not redder", r, g, b, rr, rg, rb)
			}
		}},
		{"sepia is warm", transform.Effects{Sepia: true}, func(t *testing.T, m image.Image) {
			r, g, b, _ := rgba8(m, 160, 100)
			if !(r >= g && g >= b) {
				t.Errorf("pixel = %d,%d,%d, want r >= g >= b", r, g, b)
			}
		}},
		{"invert flips a pixel", transform.Effects{Invert: true}, func(t *testing.T, m image.Image) {
			for _, pt := range []image.Point{{10, 10}, {160, 100}} {
				r, g, b, _ := rgba8(m, pt.X, pt.Y)
				r0, g0, b0, _ := rgba8(ref, pt.X, pt.Y)
				if diff(r, 255-r0) > 3 || diff(g, 255-g0) > 3 || diff(b, 255-b0) > 3 {
					t.Errorf("pixel %v = %d,%d,%d, reference %d,%d,%d", pt, r, g, b, r0, g0, b0)
				}
			}
		}},
		{"pixelate makes blocks", transform.Effects{Pixelate: 10}, func(t *testing.T, m image.Image) {
			if m.Bounds().Dx() != 320 || m.Bounds().Dy() != 200 {
				t.Fatalf("size %v", m.Bounds())
			}
			for y := 0; y < 200; y += 10 {
				for x := 0; x < 320; x += 10 {
					r0, g0, b0, _ := rgba8(m, x, y)
					r1, g1, b1, _ := rgba8(m, x+9, y+9)
					if r0 != r1 || g0 != g1 || b0 != b1 {
						t.Fatalf("block at %d,%d not uniform", x, y)
					}
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := base
			p.Effects = tt.fx
			_, m := render(t, e, file, p)
			tt.check(t, m)
		})
	}
}

func diff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func TestRenderGrayscaleJPEG(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	p := jpegPlan(300, 188)
	p.Effects.Grayscale = true
	_, m := render(t, e, "photos/plasma_ColorfulCups_2560x1600.jpg", p)
	for _, pt := range []image.Point{{5, 5}, {150, 90}, {290, 180}} {
		if r, g, b, _ := rgba8(m, pt.X, pt.Y); r != g || g != b {
			t.Errorf("pixel %v = %d,%d,%d, want R=G=B", pt, r, g, b)
		}
	}
}

func TestRenderWatermarks(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	const file = "photos/plasma_Grey_2560x1600.jpg"
	base := jpegPlan(400, 250)
	base.Format = transform.FormatPNG
	_, ref := render(t, e, file, base)
	ov := readImage(t, "formats/bimg_transparent.png")
	tests := []struct {
		name    string
		plan    func(p *transform.Plan)
		overlay []byte
		changed image.Rectangle // where pixels must change; outside must not
	}{
		{"overlay south east at 25% width", func(p *transform.Plan) {
			p.Overlay = &transform.Overlay{AssetID: "x", Gravity: transform.Gravity{Type: transform.GravitySouthEast}, Opacity: 100, WidthPct: 25}
		}, ov, image.Rect(200, 125, 400, 250)},
		{"overlay north west half opacity", func(p *transform.Plan) {
			p.Overlay = &transform.Overlay{AssetID: "x", Gravity: transform.Gravity{Type: transform.GravityNorthWest}, Opacity: 50, WidthPct: 25}
		}, ov, image.Rect(0, 0, 200, 125)},
		{"text south west in red", func(p *transform.Plan) {
			p.Text = &transform.Text{Text: "easel <&>", Color: transform.Color{R: 255, A: 255}, Size: 24,
				Gravity: transform.Gravity{Type: transform.GravitySouthWest}}
		}, nil, image.Rect(0, 125, 200, 250)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := base
			tt.plan(&p)
			out, err := e.Render(context.Background(), readImage(t, file), p, tt.overlay)
			if err != nil {
				t.Fatal(err)
			}
			m := decode(t, out.Data)
			var inside, outside int
			for y := 0; y < 250; y++ {
				for x := 0; x < 400; x++ {
					r, g, b, _ := rgba8(m, x, y)
					r0, g0, b0, _ := rgba8(ref, x, y)
					if diff(r, r0)+diff(g, g0)+diff(b, b0) > 12 {
						if (image.Point{x, y}).In(tt.changed) {
							inside++
						} else {
							outside++
						}
					}
				}
			}
			if inside < 100 || outside > 0 {
				t.Errorf("changed pixels: %d inside %v, %d outside", inside, tt.changed, outside)
			}
		})
	}
}

func TestRenderAlpha(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	const file = "formats/bimg_transparent.png"
	src := probe(t, e, file)
	for _, f := range []transform.Format{transform.FormatPNG, transform.FormatWebP, transform.FormatAVIF} {
		t.Run(string(f)+" keeps alpha", func(t *testing.T) {
			t.Parallel()
			out, _ := render(t, e, file, fitWidth(src, 160, f))
			if bands, _ := outputBands(t, out.Data); bands != 4 {
				t.Errorf("%d bands, want 4", bands)
			}
		})
	}
	t.Run("jpeg flattens on the background", func(t *testing.T) {
		t.Parallel()
		p := fitWidth(src, 160, transform.FormatJPEG)
		p.Background = transform.Color{R: 0, G: 0, B: 255, A: 255}
		_, m := render(t, e, file, p)
		// The top-left corner of bimg_transparent.png is fully transparent.
		if r, g, b, _ := rgba8(m, 0, 0); r > 10 || g > 10 || b < 240 {
			t.Errorf("corner = %d,%d,%d, want the blue background", r, g, b)
		}
	})
}

func TestRenderColourManagement(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	vt, lookErr := exec.LookPath("vipsthumbnail")
	for _, file := range []string{
		"formats/sharp_cmyk_no_profile.jpg",
		"formats/go_video-001.cmyk.jpeg",
		"formats/pillow_tiff_strip_cmyk_jpeg.tif",
		"formats/govips_cmyk_icc_swop.jpg",
		"formats/bimg_prophoto.jpg",
		"formats/imagor_adobe-rgb_canon5d.jpg",
		"formats/sharp_p3.png",
		"formats/sharp_cielab-dagams.tiff",
		"formats/govips_gray_with_icc.jpg",
		"photos/plasma_ColorfulCups_2560x1600.jpg", // sRGB: no transform, the same colours
	} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			src := probe(t, e, file)
			out, m := render(t, e, file, fitWidth(src, 64, transform.FormatPNG))
			bands, interp := outputBands(t, out.Data)
			if bands < 3 || interp != govips.InterpretationSRGB {
				t.Fatalf("%d bands %v, want sRGB", bands, interp)
			}
			if lookErr != nil {
				if os.Getenv("CI") == "true" {
					t.Fatal("vipsthumbnail not installed (libvips-tools): the colour reference is needed under CI")
				}
				t.Skip("vipsthumbnail not installed: colour reference skipped")
			}
			refPath := filepath.Join(t.TempDir(), "ref.png")
			cmd := exec.Command(vt, filepath.Join(testdata(t), file), "-s", fmt.Sprintf("%dx%d", out.Width, out.Height),
				"--export-profile", "srgb", "-o", refPath)
			if b, err := cmd.CombinedOutput(); err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatalf("vipsthumbnail: %v %s", err, b)
				}
				t.Skipf("vipsthumbnail: %v %s", err, b)
			}
			refData, err := os.ReadFile(refPath)
			if err != nil {
				t.Fatal(err)
			}
			ref := decode(t, refData)
			r, g, b := meanRGB(m)
			r0, g0, b0 := meanRGB(ref)
			if math.Abs(r-r0) > 10 || math.Abs(g-g0) > 10 || math.Abs(b-b0) > 10 {
				t.Errorf("mean colour %.0f,%.0f,%.0f, vipsthumbnail's sRGB %.0f,%.0f,%.0f", r, g, b, r0, g0, b0)
			}
		})
	}
}

// refusedFormats are the files of formats/ that the engine refuses, and why.
var refusedFormats = map[string]string{
	"imagesize_bigtiff-little-endian.tiff": "BigTIFF: govips' sniffer does not know the II+ magic",
	"imagesize_sample_fried_CgBI.png":      "Apple CgBI PNG is not standard PNG",
	"libjpegturbo_monkey12.jpg":            "12-bit JPEG: Debian's libjpeg-turbo build reads 8-bit only",
	"libvips_favicon.ico":                  "ICO is not an easel format",
	"libvips_ojpeg-strip.tif":              "old-style JPEG-in-TIFF: libtiff refuses subsampled OJPEG",
	"pillow_ultrahdr.jpg":                  "the primary image is cut short (every libvips fail level refuses it)",
	"sharp_relax.jp2":                      "JPEG 2000 is not an easel format",
	"sharp_testimgl_lossless.jpg":          "lossless JPEG (SOF3): libjpeg-turbo 2.1 cannot decode it",
}

func TestRenderInputFormats(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	ents, err := os.ReadDir(filepath.Join(testdata(t), "formats"))
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range ents {
		file := "formats/" + ent.Name()
		t.Run(ent.Name(), func(t *testing.T) {
			t.Parallel()
			data := readImage(t, file)
			src, err := e.Probe(data)
			if err == nil {
				_, err = e.Render(context.Background(), data, fitWidth(src, 120, transform.FormatJPEG), nil)
			}
			if why, refused := refusedFormats[ent.Name()]; refused {
				if code := easel.ErrorCode(err); code != easel.CodeUnsupportedMedia {
					t.Errorf("want unsupported_media (%s), got %v", why, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestRenderOutputFormats(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	_, ref := render(t, e, landscape, jpegPlan(300, 200))
	for _, f := range []transform.Format{transform.FormatJPEG, transform.FormatPNG, transform.FormatWebP,
		transform.FormatAVIF, transform.FormatGIF, transform.FormatJXL} {
		t.Run(string(f), func(t *testing.T) {
			t.Parallel()
			p := jpegPlan(300, 200)
			p.Format = f
			out, m := render(t, e, landscape, p)
			if out.Format != f || out.Width != 300 || out.Height != 200 || out.Pages != 1 {
				t.Errorf("Output = %s %dx%d %d pages", out.Format, out.Width, out.Height, out.Pages)
			}
			near(t, m, ref, 8)
		})
	}
}

func TestRenderAnimated(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	const gif = "animated/bimg_test.gif"
	t.Run("first frame by default", func(t *testing.T) {
		t.Parallel()
		out, _ := render(t, e, gif, fitWidth(probe(t, e, gif), 200, transform.FormatPNG))
		if out.Pages != 1 {
			t.Errorf("%d pages, want 1", out.Pages)
		}
	})
	for _, tt := range []struct {
		file   string
		format transform.Format
	}{
		{gif, transform.FormatGIF},
		{gif, transform.FormatWebP},
		{"animated/govips_webp-animated-alpha.webp", transform.FormatGIF},
		{"animated/sharp_rotating-squares.webp", transform.FormatWebP},
		{"animated/libvips_dispose-background.gif", transform.FormatWebP},
	} {
		t.Run(tt.file+" all pages to "+string(tt.format), func(t *testing.T) {
			t.Parallel()
			src := probe(t, e, tt.file)
			p := fitWidth(src, 100, tt.format)
			p.Pages = -1
			p.Effects.Grayscale = true
			out, err := e.Render(context.Background(), readImage(t, tt.file), p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if out.Pages != src.Pages || out.Width != 100 || out.Height != p.ResizeHeight {
				t.Errorf("Output %dx%d %d pages, want 100x%d %d pages", out.Width, out.Height, out.Pages, p.ResizeHeight, src.Pages)
			}
			again, err := e.Probe(out.Data)
			if err != nil {
				t.Fatal(err)
			}
			if again.Pages != src.Pages || again.Width != 100 || again.Height != p.ResizeHeight {
				t.Errorf("output probes as %+v", again)
			}
		})
	}
	t.Run("1024 pages refused", func(t *testing.T) {
		t.Parallel()
		p := jpegPlan(1, 1)
		p.Format, p.Pages = transform.FormatGIF, -1
		_, err := e.Render(context.Background(), readImage(t, "hostile/weserv_1024-pages.gif"), p, nil)
		if code := easel.ErrorCode(err); code != easel.CodeTooLarge {
			t.Errorf("err = %v, want too_large", err)
		}
	})
}

func TestRenderHostile(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	dir := filepath.Join(testdata(t), "hostile")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range ents {
		for _, f := range []transform.Format{transform.FormatJPEG, transform.FormatWebP} {
			t.Run(ent.Name()+"/"+string(f), func(t *testing.T) {
				t.Parallel()
				data := readImage(t, "hostile/"+ent.Name())
				src, err := e.Probe(data)
				if err == nil {
					p := fitWidth(src, 200, f)
					p.Pages = -1
					var out transform.Output
					out, err = e.Render(context.Background(), data, p, nil)
					if err == nil {
						if got, _ := sniff(out.Data); got != f || out.Width != 200 {
							t.Errorf("output %s %dx%d", got, out.Width, out.Height)
						}
						return
					}
				}
				switch code := easel.ErrorCode(err); code {
				case easel.CodeUnsupportedMedia, easel.CodeTooLarge, easel.CodeInvalidArgument:
					if strings.Contains(easel.ErrorMessage(err), "/") && strings.Contains(easel.ErrorMessage(err), "work") {
						t.Errorf("message leaks a path: %q", easel.ErrorMessage(err))
					}
				default:
					t.Errorf("err = %v, want a 4xx code", err)
				}
			})
		}
	}
	t.Run("giant is refused at 50 MP but not at 100 MP", func(t *testing.T) {
		t.Parallel()
		cfg := NewDefaultConfig()
		cfg.MaxPixels = 100_000_000
		big, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer big.Close()
		if _, err := big.Probe(readImage(t, "hostile/thumbor_9643x10328.jpg")); err != nil {
			t.Errorf("Probe with 100 MP limit: %v", err)
		}
	})
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	data := readImage(t, landscape)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		plan func(p *transform.Plan)
		code easel.Code
	}{
		{"cancelled", ctx, func(*transform.Plan) {}, easel.CodeDeadlineExceeded},
		{"bad format", context.Background(), func(p *transform.Plan) { p.Format = transform.FormatTIFF }, easel.CodeInvalidArgument},
		{"bad page", context.Background(), func(p *transform.Plan) { p.Page = 3 }, easel.CodeInvalidArgument},
		{"bad rotation", context.Background(), func(p *transform.Plan) { p.Rotate = 45 }, easel.CodeInvalidArgument},
		{"crop box outside", context.Background(), func(p *transform.Plan) { p.CropBox = &transform.Rect{X: 5000, Y: 0, W: 10, H: 10} }, easel.CodeInvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := jpegPlan(300, 200)
			tt.plan(&p)
			_, err := e.Render(tt.ctx, data, p, nil)
			if code := easel.ErrorCode(err); code != tt.code {
				t.Errorf("err = %v, want %s", err, tt.code)
			}
		})
	}
	t.Run("original", func(t *testing.T) {
		out, err := e.Render(context.Background(), data, transform.Plan{Original: true}, nil)
		if err != nil || len(out.Data) != len(data) || out.Format != transform.FormatJPEG {
			t.Errorf("Original: %v, %d bytes", err, len(out.Data))
		}
	})
}

func TestRenderConcurrent(t *testing.T) {
	t.Parallel()
	e := newTestEngine(t)
	data := readImage(t, "photos/mate_Wood.jpg")
	src, err := e.Probe(data)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := []transform.Format{transform.FormatJPEG, transform.FormatWebP, transform.FormatPNG}[i%3]
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, err := e.Render(ctx, data, fitWidth(src, 100+i, f), nil)
			if err == nil && out.Width != 100+i {
				err = fmt.Errorf("width %d, want %d", out.Width, 100+i)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
