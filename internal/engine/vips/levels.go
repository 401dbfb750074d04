package vips

import (
	"context"
	"fmt"
	"runtime"

	govips "github.com/davidbyttow/govips/v2/vips"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// levelWebPEffort is the effort of lossless WebP levels (images with
// alpha): on a 1350x600 RGBA photo's 1024 px level lossless WebP was half
// the size of PNG (78 KB against 145 KB) and decoded to a 300 px thumbnail
// in 30% less CPU, since libwebp scales on load and libspng does not.
const levelWebPEffort = 4

// Level is one level of an original's pyramid, encoded.
type Level struct {
	transform.Level
	Data []byte
}

// MakeLevels makes a level for each of sides smaller than the original's
// long side, encoded as transform.DefaultLevelPolicy says. It is
// MakeLevelsWith with no MinReduction and no caps: callers that store a
// pyramid use MakeLevelsWith(ctx, data, transform.DefaultLevelPolicy).
func (e *Engine) MakeLevels(ctx context.Context, data []byte, sides []int) ([]Level, error) {
	p := transform.DefaultLevelPolicy
	p.Sides, p.MinReduction, p.MaxLevels, p.MaxExtra = sides, 0, 0, 0
	return e.MakeLevelsWith(ctx, data, p)
}

// MakeLevelsWith decodes the original in data once, shrunk on load to the
// largest level, in displayed orientation and sRGB, and encodes the levels
// transform.LevelSides(dw, dh, p) gives (largest first): JPEG at
// p.JPEGQuality (4:2:0 when p.JPEGSubsample) for opaque images, greyscale
// JPEG for greyscale ones, lossless WebP for images with alpha, all
// metadata stripped. Animations, documents (SVG, PDF, several pages) and
// GIF get no levels (nil, nil): renders read their original. The largest
// level is made from the original, the others from the largest one; then
// only the levels that fit in p.MaxExtra of the original's bytes are kept,
// by value (see transform.LevelPolicy).
func (e *Engine) MakeLevelsWith(ctx context.Context, data []byte, p transform.LevelPolicy) (levels []Level, err error) {
	defer func() {
		if v := recover(); v != nil {
			levels, err = nil, easel.WrapError(easel.CodeInternal, fmt.Errorf("panic: %v", v), "making levels failed")
		}
	}()
	defer runtime.KeepAlive(data)
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	h, err := e.openHeader(data)
	if err != nil {
		return nil, err
	}
	defer h.close()
	switch h.format {
	case transform.FormatSVG, transform.FormatPDF, transform.FormatGIF:
		return nil, nil
	}
	if h.pages > 1 {
		return nil, nil
	}
	dw, dh := h.displayed()
	want := transform.LevelSides(dw, dh, p)
	if len(want) == 0 {
		return nil, nil
	}
	enc := levelEncoding{quality: p.JPEGQuality, subsample: p.JPEGSubsample,
		grey: h.img.Bands() == 1 && h.img.Interpretation() == govips.InterpretationBW}
	if enc.quality <= 0 || enc.quality > 100 {
		enc.quality = 95
	}
	levels, err = e.makeLevels(ctx, h, want, enc, true)
	if err != nil && benign(err) {
		levels, err = e.makeLevels(ctx, h, want, enc, false)
	}
	if err != nil {
		return nil, err
	}
	return withinBudget(levels, len(data), p.MaxExtra, p.KeepSide), nil
}

// withinBudget keeps the levels (largest first) whose bytes fit in
// maxExtra times original (maxExtra <= 0 keeps them all), taken greedily
// by value: the level of side keep first, then the smaller ones, largest
// first, then the larger ones, smallest first. A level that does not fit
// is left out and the next one tried.
func withinBudget(levels []Level, original int, maxExtra float64, keep int) []Level {
	if maxExtra <= 0 {
		return levels
	}
	order := make([]int, 0, len(levels))
	for i, l := range levels { // levels are largest first
		if l.Side <= keep {
			order = append(order, i)
		}
	}
	for i := len(levels) - 1; i >= 0; i-- {
		if levels[i].Side > keep {
			order = append(order, i)
		}
	}
	budget := maxExtra * float64(original)
	kept := make([]bool, len(levels))
	total := 0
	for _, i := range order {
		if n := len(levels[i].Data); float64(total+n) <= budget {
			total += n
			kept[i] = true
		}
	}
	var out []Level
	for i, l := range levels {
		if kept[i] {
			out = append(out, l)
		}
	}
	return out
}

// levelEncoding is how a pyramid's levels are encoded.
type levelEncoding struct {
	quality   int  // JPEG quality
	subsample bool // JPEG 4:2:0, else 4:4:4
	grey      bool // a greyscale original: one-band JPEG levels
}

// makeLevels is one attempt at MakeLevels for sides, largest first.
func (e *Engine) makeLevels(ctx context.Context, h *header, sides []int, enc levelEncoding, strict bool) ([]Level, error) {
	dw, dh := h.displayed()
	w0, h0 := transform.LevelSize(dw, dh, sides[0])
	r := &renderer{e: e, ctx: ctx, h: h, strict: strict, kill: newKiller(ctx), pages: 1, shrink: 1,
		p: transform.Plan{Pages: 1, ResizeWidth: w0, ResizeHeight: h0, Width: w0, Height: h0}}
	defer r.close()
	if err := r.run(rasterSteps); err != nil {
		return nil, r.stopped(err)
	}
	format := transform.FormatJPEG
	if r.img.HasAlpha() {
		format = transform.FormatWebP
	}
	largest, err := encodeLevel(r.img, format, enc)
	if err != nil {
		return nil, r.stopped(err)
	}
	out := []Level{{Level: transform.Level{Side: sides[0], Width: w0, Height: h0, Format: format}, Data: largest}}
	// The original is decoded once: the smaller levels shrink the largest
	// on load (JPEG by 2, 4 or 8 in the decoder, WebP by scaling).
	for _, side := range sides[1:] {
		if err := ctxErr(ctx); err != nil {
			return nil, err
		}
		w, ht := transform.LevelSize(dw, dh, side)
		img, err := govips.LoadThumbnailFromBuffer(largest, w, ht, govips.InterestingNone, govips.SizeForce, govips.NewImportParams())
		if err != nil {
			return nil, r.stopped(failed("level", err))
		}
		r.track(img)
		if err := fixSize(img, w, ht); err != nil {
			return nil, failed("level", err)
		}
		buf, err := encodeLevel(img, format, enc)
		if err != nil {
			return nil, r.stopped(err)
		}
		out = append(out, Level{Level: transform.Level{Side: side, Width: w, Height: ht, Format: format}, Data: buf})
	}
	return out, nil
}

// encodeLevel encodes a level: JPEG as enc says, or lossless WebP.
func encodeLevel(img *govips.ImageRef, f transform.Format, enc levelEncoding) ([]byte, error) {
	if err := img.RemoveMetadata(); err != nil {
		return nil, failed("strip", err)
	}
	var (
		buf []byte
		err error
	)
	if f == transform.FormatJPEG && enc.grey && img.Bands() == 3 {
		// The sRGB step made three equal bands of the grey original's one.
		if err := img.ToColorSpace(govips.InterpretationBW); err != nil {
			return nil, failed("level", err)
		}
	}
	sub := govips.VipsForeignSubsampleOff
	if enc.subsample {
		sub = govips.VipsForeignSubsampleOn
	}
	if f == transform.FormatWebP {
		buf, _, err = img.ExportWebp(&govips.WebpExportParams{StripMetadata: true, Lossless: true, ReductionEffort: levelWebPEffort})
	} else {
		buf, _, err = img.ExportJpeg(&govips.JpegExportParams{StripMetadata: true, Quality: enc.quality,
			SubsampleMode: sub, OptimizeCoding: true})
	}
	if err != nil {
		return nil, failed("encode level", err)
	}
	return buf, nil
}
