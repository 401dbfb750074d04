package fingerprint_test

import (
	"image/color"
	"math/rand/v2"
	"testing"

	"github.com/buckket/go-blurhash"
	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/vision/fingerprint"
)

// solid returns a w×h raster filled by fn.
func fill(w, h int, fn func(x, y int) color.RGBA) fingerprint.RGB {
	img := fingerprint.RGB{Pix: make([]byte, 3*w*h), W: w, H: h}
	for y := range h {
		for x := range w {
			c := fn(x, y)
			i := 3 * (y*w + x)
			img.Pix[i], img.Pix[i+1], img.Pix[i+2] = c.R, c.G, c.B
		}
	}
	return img
}

// photo is a deterministic, textured test raster.
func photo(w, h int, seed uint64) fingerprint.RGB {
	r := rand.New(rand.NewPCG(seed, seed))
	type blob struct {
		x, y, rad float64
		c         color.RGBA
	}
	var blobs []blob
	for range 12 {
		blobs = append(blobs, blob{r.Float64() * float64(w), r.Float64() * float64(h), (0.05 + 0.2*r.Float64()) * float64(w),
			color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}})
	}
	return fill(w, h, func(x, y int) color.RGBA {
		c := color.RGBA{40, 40, 40, 255}
		for _, b := range blobs {
			dx, dy := float64(x)-b.x, float64(y)-b.y
			if dx*dx+dy*dy < b.rad*b.rad {
				c = b.c
			}
		}
		return c
	})
}

// scale resizes img by nearest neighbour (a different resampler from the
// hash's own).
func scale(img fingerprint.RGB, w, h int) fingerprint.RGB {
	return fill(w, h, func(x, y int) color.RGBA {
		i := 3 * (y*img.H/h*img.W + x*img.W/w)
		return color.RGBA{img.Pix[i], img.Pix[i+1], img.Pix[i+2], 255}
	})
}

func TestHashesOfEdits(t *testing.T) {
	t.Parallel()
	orig := photo(640, 480, 1)
	brighter := fill(640, 480, func(x, y int) color.RGBA {
		i := 3 * (y*640 + x)
		return color.RGBA{uint8(min(255, int(orig.Pix[i])+20)), uint8(min(255, int(orig.Pix[i+1])+20)), uint8(min(255, int(orig.Pix[i+2])+20)), 255}
	})
	tests := []struct {
		name    string
		img     fingerprint.RGB
		maxDist int // pHash and dHash distance to orig at most
		minDist int // at least
	}{
		{"same", orig, 0, 0},
		{"downscaled", scale(orig, 200, 150), 4, 0},
		{"upscaled", scale(orig, 1280, 960), 2, 0},
		{"brighter", brighter, 6, 0},
		{"other picture", photo(640, 480, 2), 64, 16},
	}
	p0, d0 := fingerprint.PHash(orig), fingerprint.DHash(orig)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, d := fingerprint.Distance(p0, fingerprint.PHash(tt.img)), fingerprint.Distance(d0, fingerprint.DHash(tt.img))
			t.Logf("pHash %d, dHash %d", p, d)
			require.LessOrEqual(t, p, tt.maxDist, "pHash")
			require.GreaterOrEqual(t, p, tt.minDist, "pHash")
			require.LessOrEqual(t, d, tt.maxDist, "dHash")
			require.GreaterOrEqual(t, d, tt.minDist, "dHash")
		})
	}
}

func TestHashInvalidRaster(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		img  fingerprint.RGB
	}{
		{"zero", fingerprint.RGB{}},
		{"short", fingerprint.RGB{Pix: make([]byte, 5), W: 2, H: 1}},
		{"negative", fingerprint.RGB{W: -1, H: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Error(t, tt.img.Validate())
			require.Zero(t, fingerprint.PHash(tt.img))
			require.Zero(t, fingerprint.DHash(tt.img))
			_, err := fingerprint.BlurHash(tt.img, 4, 3)
			require.Error(t, err)
			require.Nil(t, fingerprint.Colors(tt.img, 5))
		})
	}
}

func TestTinyRaster(t *testing.T) {
	t.Parallel()
	img := photo(3, 2, 7) // smaller than every reduction: upscaled
	require.NotPanics(t, func() {
		fingerprint.PHash(img)
		fingerprint.DHash(img)
		_, err := fingerprint.BlurHash(img, 4, 3)
		require.NoError(t, err)
		require.NotEmpty(t, fingerprint.Colors(img, 5))
	})
}

func TestHex(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		h    uint64
		hex  string
	}{
		{"zero", 0, "0000000000000000"},
		{"max", ^uint64(0), "ffffffffffffffff"},
		{"mixed", 0x0123456789abcdef, "0123456789abcdef"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.hex, fingerprint.Hex(tt.h))
			got, err := fingerprint.ParseHex(tt.hex)
			require.NoError(t, err)
			require.Equal(t, tt.h, got)
		})
	}
	got, err := fingerprint.ParseHex("0123456789ABCDEF")
	require.NoError(t, err)
	require.Equal(t, uint64(0x0123456789abcdef), got, "upper case is accepted")
	for _, bad := range []string{"", "123", "0123456789abcdeg", "+123456789abcdef", "0123456789abcdef0"} {
		_, err := fingerprint.ParseHex(bad)
		require.Error(t, err, "%q", bad)
	}
}

func TestDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a, b uint64
		want int
	}{
		{"equal", 42, 42, 0},
		{"one bit", 0, 1 << 63, 1},
		{"all", 0, ^uint64(0), 64},
		{"some", 0b1011, 0b0110, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, fingerprint.Distance(tt.a, tt.b))
			require.Equal(t, tt.want, fingerprint.Distance(tt.b, tt.a))
		})
	}
}

func TestBlurHash(t *testing.T) {
	t.Parallel()
	img := photo(1024, 768, 3)
	tests := []struct {
		name       string
		x, y       int
		wantX      int
		wantY      int
		wantLength int
	}{
		{"default", 0, 0, 4, 3, 4 + 2*4*3},
		{"4x3", 4, 3, 4, 3, 4 + 2*4*3},
		{"1x1", 1, 1, 1, 1, 6},
		{"9x9", 9, 9, 9, 9, 4 + 2*81},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := fingerprint.BlurHash(img, tt.x, tt.y)
			require.NoError(t, err)
			require.Len(t, s, tt.wantLength)
			x, y, err := blurhash.Components(s)
			require.NoError(t, err)
			require.Equal(t, [2]int{tt.wantX, tt.wantY}, [2]int{x, y})
			m, err := blurhash.Decode(s, 32, 24, 1)
			require.NoError(t, err)
			require.Equal(t, 32, m.Bounds().Dx())
			require.Equal(t, 24, m.Bounds().Dy())
			again, err := fingerprint.BlurHash(img, tt.x, tt.y)
			require.NoError(t, err)
			require.Equal(t, s, again, "deterministic")
		})
	}
	for _, bad := range [][2]int{{0, 3}, {10, 3}, {4, -1}} {
		_, err := fingerprint.BlurHash(img, bad[0], bad[1])
		require.Error(t, err, "%v", bad)
	}
}

func TestBlurHashSolidColour(t *testing.T) {
	t.Parallel()
	img := fill(300, 200, func(int, int) color.RGBA { return color.RGBA{200, 30, 90, 255} })
	s, err := fingerprint.BlurHash(img, 4, 3)
	require.NoError(t, err)
	m, err := blurhash.Decode(s, 8, 8, 1)
	require.NoError(t, err)
	r, g, b, _ := m.At(4, 4).RGBA()
	require.InDelta(t, 200, r>>8, 2)
	require.InDelta(t, 30, g>>8, 2)
	require.InDelta(t, 90, b>>8, 2)
}

func TestColors(t *testing.T) {
	t.Parallel()
	red, blue := color.RGBA{220, 20, 60, 255}, color.RGBA{30, 60, 200, 255}
	tests := []struct {
		name string
		img  fingerprint.RGB
		n    int
		want []string
	}{
		{"two colours, red larger", fill(128, 64, func(x, _ int) color.RGBA {
			if x < 80 {
				return red
			}
			return blue
		}), 5, []string{"#dc143c", "#1e3cc8"}},
		{"two colours, blue larger", fill(64, 128, func(_, y int) color.RGBA {
			if y < 32 {
				return red
			}
			return blue
		}), 5, []string{"#1e3cc8", "#dc143c"}},
		{"n limits", fill(100, 100, func(x, _ int) color.RGBA {
			if x < 60 {
				return red
			}
			return blue
		}), 1, []string{"#dc143c"}},
		{"one colour", fill(500, 300, func(int, int) color.RGBA { return red }), 5, []string{"#dc143c"}},
		{"noise in a colour merges", fill(200, 200, func(x, y int) color.RGBA {
			d := uint8((x*7 + y*13) % 5)
			return color.RGBA{red.R - d, red.G + d, red.B, 255}
		}), 5, nil}, // checked below: one colour near red
		{"none asked", fill(10, 10, func(int, int) color.RGBA { return red }), 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := fingerprint.Colors(tt.img, tt.n)
			require.Equal(t, got, fingerprint.Colors(tt.img, tt.n), "deterministic")
			if tt.name == "noise in a colour merges" {
				require.Len(t, got, 1)
				return
			}
			require.Equal(t, tt.want, got)
		})
	}
}

func TestColorsOfPhoto(t *testing.T) {
	t.Parallel()
	got := fingerprint.Colors(photo(1024, 768, 5), 5)
	require.NotEmpty(t, got)
	require.LessOrEqual(t, len(got), 5)
	seen := map[string]bool{}
	for _, c := range got {
		require.Regexp(t, `^#[0-9a-f]{6}$`, c)
		require.False(t, seen[c], "duplicate %s", c)
		seen[c] = true
	}
}

var sink uint64

func BenchmarkPHash(b *testing.B) {
	img := photo(1024, 768, 9)
	b.ReportAllocs()
	for b.Loop() {
		sink += fingerprint.PHash(img)
	}
}

func BenchmarkDHash(b *testing.B) {
	img := photo(1024, 768, 9)
	b.ReportAllocs()
	for b.Loop() {
		sink += fingerprint.DHash(img)
	}
}

func BenchmarkBlurHash(b *testing.B) {
	img := photo(1024, 768, 9)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := fingerprint.BlurHash(img, 4, 3); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkColors(b *testing.B) {
	img := photo(1024, 768, 9)
	b.ReportAllocs()
	for b.Loop() {
		fingerprint.Colors(img, 5)
	}
}
