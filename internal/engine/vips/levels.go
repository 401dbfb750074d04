package vips

import (
	"context"
	"fmt"
	"runtime"
	"slices"

	govips "github.com/davidbyttow/govips/v2/vips"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// Level quality: JPEG q95 without chroma subsampling keeps a 300 px render
// from a level within 1.5/255 of the one from the original (see
// TestLevelsQualityGuard). With alpha, lossless WebP: on a 1350x600 RGBA
// photo's 1024 px level it was half the size of PNG (78 KB against 145 KB)
// and decoded to a 300 px thumbnail in 30% less CPU, since libwebp scales
// on load and libspng does not.
const (
	levelJPEGQuality = 95
	levelWebPEffort  = 4
)

// Level is one level of an original's pyramid, encoded.
type Level struct {
	transform.Level
	Data []byte
}

// MakeLevels decodes the original in data once, shrunk on load to the
// largest of sides, in displayed orientation and sRGB, and encodes a level
// for each side smaller than the original's long side (largest first):
// JPEG q95 for opaque images, lossless WebP for images with alpha, all
// metadata stripped. Animations, documents (SVG, PDF, several pages) and
// GIF get no levels (nil, nil): renders read their original. The largest
// level is made from the original, the others from the largest one.
func (e *Engine) MakeLevels(ctx context.Context, data []byte, sides []int) (levels []Level, err error) {
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
	var want []int
	for _, s := range sides {
		if s > 0 && s < max(dw, dh) && !slices.Contains(want, s) {
			want = append(want, s)
		}
	}
	if len(want) == 0 {
		return nil, nil
	}
	slices.Sort(want)
	slices.Reverse(want)
	levels, err = e.makeLevels(ctx, h, want, true)
	if err != nil && benign(err) {
		levels, err = e.makeLevels(ctx, h, want, false)
	}
	return levels, err
}

// makeLevels is one attempt at MakeLevels for sides, largest first.
func (e *Engine) makeLevels(ctx context.Context, h *header, sides []int, strict bool) ([]Level, error) {
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
	largest, err := encodeLevel(r.img, format)
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
		buf, err := encodeLevel(img, format)
		if err != nil {
			return nil, r.stopped(err)
		}
		out = append(out, Level{Level: transform.Level{Side: side, Width: w, Height: ht, Format: format}, Data: buf})
	}
	return out, nil
}

// encodeLevel encodes a level: JPEG q95 4:4:4, or lossless WebP with alpha.
func encodeLevel(img *govips.ImageRef, f transform.Format) ([]byte, error) {
	if err := img.RemoveMetadata(); err != nil {
		return nil, failed("strip", err)
	}
	var (
		buf []byte
		err error
	)
	if f == transform.FormatWebP {
		buf, _, err = img.ExportWebp(&govips.WebpExportParams{StripMetadata: true, Lossless: true, ReductionEffort: levelWebPEffort})
	} else {
		buf, _, err = img.ExportJpeg(&govips.JpegExportParams{StripMetadata: true, Quality: levelJPEGQuality,
			SubsampleMode: govips.VipsForeignSubsampleOff, OptimizeCoding: true})
	}
	if err != nil {
		return nil, failed("encode level", err)
	}
	return buf, nil
}
