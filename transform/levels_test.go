package transform

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// pyramid returns the levels of sides for an original displayed at dw x dh.
func pyramid(dw, dh int, sides ...int) []Level {
	var out []Level
	for _, s := range sides {
		w, h := LevelSize(dw, dh, s)
		out = append(out, Level{Side: s, Width: w, Height: h, Format: FormatJPEG})
	}
	return out
}

func TestChooseLevel(t *testing.T) {
	t.Parallel()
	photo := Source{Format: FormatJPEG, Width: 4000, Height: 3000, Pages: 1}
	turned := Source{Format: FormatJPEG, Width: 4000, Height: 3000, Orientation: 6, Pages: 1} // 3000x4000 displayed
	levels := pyramid(4000, 3000, 2048, 1024, 512, 256)
	plan := func(o Options, src Source) Plan {
		p, err := NewPlan(o, src, PlanConfig{})
		require.NoError(t, err)
		return p
	}
	tests := []struct {
		name   string
		p      Plan
		src    Source
		levels []Level
		want   int // side, 0 for the original
	}{
		{"300 px needs 600: the 1024 level", plan(Options{Width: 300}, photo), photo, levels, 1024},
		{"100 px needs 200: the 256 level", plan(Options{Width: 100}, photo), photo, levels, 256},
		{"128 px needs 256: exactly the 256 level", plan(Options{Width: 128}, photo), photo, levels, 256},
		{"129 px needs 258: the 512 level", plan(Options{Width: 129}, photo), photo, levels, 512},
		{"1200 px needs 2400: the original", plan(Options{Width: 1200}, photo), photo, levels, 0},
		{"fill 300x300 covers 400x300: the 1024 level", plan(Options{Width: 300, Height: 300, Crop: CropFill}, photo), photo, levels, 1024},
		{"the original itself", plan(Options{Original: true}, photo), photo, levels, 0},
		{"no resize: the original", plan(Options{Effects: Effects{Grayscale: true}}, photo), photo, levels, 0},
		{"no levels", plan(Options{Width: 300}, photo), photo, nil, 0},
		{"half-size crop box at 300 px: the 2048 level", plan(Options{CropBox: &Rect{X: 1000, Y: 750, W: 2000, H: 1500}, Width: 300}, photo), photo, levels, 2048},
		{"a crop box needs three times: half-size box at 100 px reads 1024, not 512",
			plan(Options{CropBox: &Rect{X: 1000, Y: 750, W: 2000, H: 1500}, Width: 100}, photo), photo, levels, 1024},
		{"small crop box: the original", plan(Options{CropBox: &Rect{X: 0, Y: 0, W: 800, H: 600}, Width: 100}, photo), photo, levels, 0},
		{"animation: the original", plan(Options{Width: 100}, Source{Format: FormatWebP, Width: 4000, Height: 3000, Pages: 5}),
			Source{Format: FormatWebP, Width: 4000, Height: 3000, Pages: 5}, levels, 0},
		{"PDF: the original", plan(Options{Width: 100}, Source{Format: FormatPDF, Width: 4000, Height: 3000, Pages: 1}),
			Source{Format: FormatPDF, Width: 4000, Height: 3000, Pages: 1}, levels, 0},
		{"levels of another size are ignored", plan(Options{Width: 300}, photo), photo, pyramid(3000, 3000, 1024), 0},
		{"EXIF-turned original: levels in displayed orientation", plan(Options{Width: 300}, turned), turned,
			pyramid(3000, 4000, 2048, 1024, 512), 1024},
		{"EXIF-turned original: levels of the stored orientation do not match", plan(Options{Width: 300}, turned), turned,
			pyramid(4000, 3000, 2048, 1024, 512), 0},
		{"rotation: 300x400 after it is 400x300 before", plan(Options{Width: 300, Rotate: 90}, photo), photo, levels, 1024},
		{"rotation: 600 px high after it needs 1200 wide before", plan(Options{Height: 600, Rotate: 90}, photo), photo, levels, 2048},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			l, ok := ChooseLevel(tt.p, tt.src, tt.levels)
			if tt.want == 0 {
				require.False(t, ok, "chose level %+v", l)
				return
			}
			require.True(t, ok)
			require.Equal(t, tt.want, l.Side)
		})
	}
}

func TestPlanForLevel(t *testing.T) {
	t.Parallel()
	src := Source{Format: FormatJPEG, Width: 4000, Height: 3000, Pages: 1}
	l := pyramid(4000, 3000, 1024)[0] // 1024x768
	tests := []struct {
		name string
		o    Options
		crop *Rect
	}{
		{"no crop box", Options{Width: 300, Height: 300, Crop: CropFill, Gravity: Gravity{Type: GravityFocal, X: 0.2, Y: 0.8}}, nil},
		{"crop box scaled", Options{CropBox: &Rect{X: 1000, Y: 750, W: 2000, H: 1500}, Width: 200}, &Rect{X: 256, Y: 192, W: 512, H: 384}},
		{"crop box to the edge", Options{CropBox: &Rect{X: 2001, Y: 1, W: 1999, H: 2999}, Width: 100}, &Rect{X: 512, Y: 0, W: 512, H: 768}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := NewPlan(tt.o, src, PlanConfig{})
			require.NoError(t, err)
			lp := PlanForLevel(p, src, l)
			require.Equal(t, tt.crop, lp.CropBox)
			// Everything after the resize is in output pixels: unchanged.
			require.Equal(t, p.ResizeWidth, lp.ResizeWidth)
			require.Equal(t, p.ResizeHeight, lp.ResizeHeight)
			require.Equal(t, p.Extract, lp.Extract)
			require.Equal(t, p.Width, lp.Width)
			require.Equal(t, p.Height, lp.Height)
			// The level's plan is what NewPlan makes on the level's source
			// with the mapped crop box, as far as the geometry goes.
			o := tt.o
			o.CropBox = lp.CropBox
			direct, err := NewPlan(o, LevelSource(l, false), PlanConfig{})
			require.NoError(t, err)
			require.Equal(t, direct.Width, lp.Width)
			require.Equal(t, direct.Height, lp.Height)
		})
	}
}

func TestLevelSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		dw, dh, s  int
		wantW, wan int
	}{
		{"landscape", 4000, 3000, 1024, 1024, 768},
		{"portrait", 3000, 4000, 1024, 768, 1024},
		{"rounded", 2560, 1600, 1000, 1000, 625},
		{"thin keeps a pixel", 10000, 10, 256, 256, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, h := LevelSize(tt.dw, tt.dh, tt.s)
			require.Equal(t, [2]int{tt.wantW, tt.wan}, [2]int{w, h})
		})
	}
}

func TestLevelSides(t *testing.T) {
	t.Parallel()
	def := DefaultLevelPolicy
	tests := []struct {
		name   string
		dw, dh int
		p      LevelPolicy
		want   []int
	}{
		{"4 MP: up to 4224/1.75", 4224, 3168, def, []int{2048, 1024, 640, 320}},
		{"2560: no 2048 level", 2560, 1600, def, []int{1024, 640, 320}},
		{"2 MP portrait uses the long side: 1024 fits 1800/1.75", 1200, 1800, def, []int{1024, 640, 320}},
		{"2048 px: 1024", 2048, 1000, def, []int{1024, 640, 320}},
		{"800 px: only 320", 800, 533, def, []int{320}},
		{"too small for any", 440, 300, def, nil},
		{"no sides: off", 4000, 3000, LevelPolicy{MinReduction: 2}, nil},
		{"no reduction: every smaller side, deduplicated", 2560, 1600,
			LevelPolicy{Sides: []int{512, 2048, 256, 512, 4096, 0, -1}}, []int{2048, 512, 256}},
		{"capped: the largest kept", 8000, 6000, LevelPolicy{Sides: []int{256, 512, 1024, 2048}, MinReduction: 2.5, MaxLevels: 2}, []int{2048, 1024}},
		{"reduction 2.5", 4224, 3168, LevelPolicy{Sides: def.Sides, MinReduction: 2.5}, []int{1024, 640, 320}},
		{"empty original", 0, 0, def, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, LevelSides(tt.dw, tt.dh, tt.p))
		})
	}
}
