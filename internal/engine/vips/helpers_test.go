package vips

import (
	"bytes"
	"image"
	"image/png"
	"math/bits"
	"sync"
	"testing"

	govips "github.com/davidbyttow/govips/v2/vips"

	"github.com/easelhq/easel/internal/testimages"
	"github.com/easelhq/easel/transform"
)

// testdata returns the shared test image folder: skipped when missing
// locally, fatal when CI=true.
func testdata(t testing.TB) string { return testimages.Dir(t) }

func readImage(t testing.TB, rel string) []byte { return testimages.Read(t, rel) }

var (
	engineOnce sync.Once
	testEngine *Engine
	engineErr  error
)

func newTestEngine(t testing.TB) *Engine {
	t.Helper()
	engineOnce.Do(func() { testEngine, engineErr = New(NewDefaultConfig()) })
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	return testEngine
}

// decode decodes any output (AVIF and JXL included) through libvips into
// an 8-bit NRGBA or RGBA image.
func decode(t testing.TB, data []byte) image.Image {
	t.Helper()
	img, err := govips.NewImageFromBuffer(data)
	if err != nil {
		t.Fatalf("decode output: %v", err)
	}
	defer img.Close()
	buf, _, err := img.ExportPng(&govips.PngExportParams{Compression: 1})
	if err != nil {
		t.Fatalf("decode output: %v", err)
	}
	m, err := png.Decode(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("decode output: %v", err)
	}
	return m
}

// decodeFirstBands returns the libvips band count and interpretation of an
// output.
func outputBands(t testing.TB, data []byte) (int, govips.Interpretation) {
	t.Helper()
	img, err := govips.NewImageFromBuffer(data)
	if err != nil {
		t.Fatalf("decode output: %v", err)
	}
	defer img.Close()
	return img.Bands(), img.Interpretation()
}

// luma returns the 8-bit luminance of the pixel at x, y.
func luma(m image.Image, x, y int) float64 {
	r, g, b, _ := m.At(x, y).RGBA()
	return (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b)) / 257
}

func rgba8(m image.Image, x, y int) (r, g, b, a uint8) {
	r32, g32, b32, a32 := m.At(x, y).RGBA()
	return uint8(r32 >> 8), uint8(g32 >> 8), uint8(b32 >> 8), uint8(a32 >> 8)
}

// grid averages the luminance of m over a w x h grid of cells.
func grid(m image.Image, w, h int) []float64 {
	b := m.Bounds()
	out := make([]float64, w*h)
	for gy := range h {
		for gx := range w {
			x0, x1 := b.Min.X+gx*b.Dx()/w, b.Min.X+(gx+1)*b.Dx()/w
			y0, y1 := b.Min.Y+gy*b.Dy()/h, b.Min.Y+(gy+1)*b.Dy()/h
			var sum float64
			var n int
			for y := y0; y < max(y1, y0+1); y++ {
				for x := x0; x < max(x1, x0+1); x++ {
					sum += luma(m, x, y)
					n++
				}
			}
			out[gy*w+gx] = sum / float64(n)
		}
	}
	return out
}

// dHash is a 64-bit difference hash: 9x8 cells, one bit per horizontal
// neighbour comparison.
func dHash(m image.Image) uint64 {
	g := grid(m, 9, 8)
	var h uint64
	for y := range 8 {
		for x := range 8 {
			h <<= 1
			if g[y*9+x] > g[y*9+x+1] {
				h |= 1
			}
		}
	}
	return h
}

// aHash is a 64-bit average hash over 8x8 cells.
func aHash(m image.Image) uint64 {
	g := grid(m, 8, 8)
	var mean float64
	for _, v := range g {
		mean += v
	}
	mean /= 64
	var h uint64
	for _, v := range g {
		h <<= 1
		if v > mean {
			h |= 1
		}
	}
	return h
}

func hashDistance(a, b image.Image) int {
	return bits.OnesCount64(dHash(a)^dHash(b)) + bits.OnesCount64(aHash(a)^aHash(b))
}

// meanRGB averages the colour of m.
func meanRGB(m image.Image) (r, g, b float64) {
	bd := m.Bounds()
	n := float64(bd.Dx() * bd.Dy())
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			cr, cg, cb, _ := m.At(x, y).RGBA()
			r, g, b = r+float64(cr>>8), g+float64(cg>>8), b+float64(cb>>8)
		}
	}
	return r / n, g / n, b / n
}

// jpegPlan is a plan that resizes to w x h and encodes JPEG.
func jpegPlan(w, h int) transform.Plan {
	return transform.Plan{Pages: 1, ResizeWidth: w, ResizeHeight: h, Format: transform.FormatJPEG, Quality: 80,
		Background: transform.Color{R: 255, G: 255, B: 255, A: 255}, Width: w, Height: h}
}

// fitWidth returns the plan for a w px wide JPEG of src, aspect kept.
func fitWidth(src transform.Source, w int, f transform.Format) transform.Plan {
	dw, dh := src.DisplayedSize()
	h := max(1, int(float64(dh)*float64(w)/float64(dw)+0.5))
	p := jpegPlan(w, h)
	p.Format = f
	return p
}
