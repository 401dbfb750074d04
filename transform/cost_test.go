package transform

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

func TestCost(t *testing.T) {
	t.Parallel()
	jpeg4MP := Source{Format: FormatJPEG, Width: 2560, Height: 1600, Pages: 1}
	png4MP := Source{Format: FormatPNG, Width: 2560, Height: 1600, Pages: 1}
	gif := Source{Format: FormatGIF, Width: 100, Height: 100, Pages: 10}
	plan := func(w, h int, f Format, mod func(*Plan)) Plan {
		p := Plan{Pages: 1, ResizeWidth: w, ResizeHeight: h, Width: w, Height: h, Format: f}
		if mod != nil {
			mod(&p)
		}
		return p
	}
	tests := []struct {
		name string
		p    Plan
		src  Source
		want int64
	}{
		{"original is free", Plan{Original: true}, jpeg4MP, 0},
		// 4 096 000 px read / 8² + 300x188 resized + 300x188 encoded ×1
		{"jpeg thumbnail shrinks on load", plan(300, 188, FormatJPEG, nil), jpeg4MP, 64000 + 56400 + 56400},
		// no shrink for PNG: 4 096 000 × 2 to decode
		{"png thumbnail decodes everything", plan(300, 188, FormatJPEG, nil), png4MP, 8192000 + 56400 + 56400},
		// shrink 2 when the ratio is between 2 and 4: 1280x800 read
		{"jpeg half size", plan(1000, 625, FormatJPEG, nil), jpeg4MP, 1024000 + 625000 + 625000},
		{"avif output costs 30 per pixel", plan(300, 188, FormatAVIF, nil), jpeg4MP, 64000 + 56400 + 56400*30},
		// blur σ 2: 2 × 13 / 8 = 3.25 per pixel
		{"blur by sigma", plan(300, 188, FormatJPEG, func(p *Plan) { p.Effects.Blur = 2 }), jpeg4MP,
			64000 + 56400 + 183300 + 56400},
		{"grayscale one pass", plan(300, 188, FormatJPEG, func(p *Plan) { p.Effects.Grayscale = true }), jpeg4MP,
			64000 + 56400 + 56400 + 56400},
		// crop box 400x400 of the JPEG, no resize: 160 000 read, kept, encoded
		{"crop box reads its area", Plan{Pages: 1, CropBox: &Rect{W: 400, H: 400}, Width: 400, Height: 400, Format: FormatJPEG},
			jpeg4MP, 160000 + 160000 + 160000},
		{"kept animation counts frames", Plan{Pages: -1, Width: 100, Height: 100, Format: FormatGIF}, gif,
			10 * (10000 + 10000 + 100000)},
		// 2560x1600 → 8192x5120 with σ 100: 41 943 040 × (1 + 150.25 + 30) + the decode
		{"issue 7 A3", plan(8192, 5120, FormatAVIF, func(p *Plan) { p.Effects.Blur = 100 }), jpeg4MP,
			4096000 + 41943040 + 6301941760 + 1258291200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, Cost(tt.p, tt.src))
		})
	}
}

func TestCheckCost(t *testing.T) {
	t.Parallel()
	src := Source{Format: FormatJPEG, Width: 2560, Height: 1600, Pages: 1}
	huge := Plan{Pages: 1, ResizeWidth: 8192, ResizeHeight: 5120, Width: 8192, Height: 5120, Format: FormatAVIF,
		Effects: Effects{Blur: 100}}
	small := Plan{Pages: 1, ResizeWidth: 300, ResizeHeight: 188, Width: 300, Height: 188, Format: FormatJPEG}
	tests := []struct {
		name    string
		p       Plan
		budget  int64
		refused bool
	}{
		{"default budget refuses issue 7 A3", huge, 0, true},
		{"no limit", huge, -1, false},
		{"thumbnail within the default", small, 0, false},
		{"tiny budget refuses a thumbnail", small, 1000, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckCost(tt.p, src, tt.budget)
			if !tt.refused {
				require.NoError(t, err)
				return
			}
			require.Equal(t, easel.CodeTooLarge, easel.ErrorCode(err))
			require.Contains(t, err.Error(), "budget")
		})
	}
}
