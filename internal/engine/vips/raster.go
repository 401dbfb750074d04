package vips

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"

	govips "github.com/davidbyttow/govips/v2/vips"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// Raster decodes the first frame of data as displayed (EXIF orientation
// applied), shrunk on load to fit within maxSide x maxSide (never enlarged),
// converted to sRGB and flattened onto white: 3 bytes per pixel, row-major.
// Face detection and hashing start from it.
func (e *Engine) Raster(ctx context.Context, data []byte, maxSide int) (pix []byte, w, h int, err error) {
	defer func() {
		if v := recover(); v != nil {
			pix, err = nil, easel.WrapError(easel.CodeInternal, fmt.Errorf("panic: %v", v), "image decoding failed")
		}
	}()
	defer runtime.KeepAlive(data)
	if maxSide < 1 {
		return nil, 0, 0, easel.Errorf(easel.CodeInvalidArgument, "raster size %d", maxSide)
	}
	hd, err := e.openHeader(data)
	if err != nil {
		return nil, 0, 0, err
	}
	defer hd.close()
	dw, dh := hd.displayed()
	scale := math.Min(1, float64(maxSide)/float64(max(dw, dh)))
	p := transform.Plan{Pages: 1, Format: transform.FormatPNG, Background: transform.Color{R: 255, G: 255, B: 255, A: 255}}
	if scale < 1 {
		p.ResizeWidth = max(1, int(math.Round(float64(dw)*scale)))
		p.ResizeHeight = max(1, int(math.Round(float64(dh)*scale)))
	}
	try := func(strict bool) ([]byte, int, int, error) {
		r := &renderer{e: e, ctx: ctx, p: p, h: hd, strict: strict, kill: newKiller(ctx), pages: 1, shrink: 1}
		defer r.close()
		if err := r.run(rasterSteps); err != nil {
			return nil, 0, 0, r.stopped(err)
		}
		img := r.img
		if img.HasAlpha() {
			if err := img.Flatten(&govips.Color{R: 255, G: 255, B: 255}); err != nil {
				return nil, 0, 0, failed("flatten", err)
			}
		}
		if img.Bands() != 3 {
			if err := img.ToColorSpace(govips.InterpretationSRGB); err != nil {
				return nil, 0, 0, failed("colour", err)
			}
		}
		raw, err := img.ToBytes()
		if err != nil {
			// govips gives no libvips message here; pulling the pixels of a
			// header that probed fine fails on the input.
			return nil, 0, 0, failed("decode", errors.New(""))
		}
		if len(raw) != img.Width()*img.Height()*3 {
			return nil, 0, 0, easel.Errorf(easel.CodeInternal, "raster of %d bytes for %dx%d", len(raw), img.Width(), img.Height())
		}
		return raw, img.Width(), img.Height(), nil
	}
	pix, w, h, err = try(true)
	if err != nil && benign(err) {
		pix, w, h, err = try(false)
	}
	return pix, w, h, err
}
