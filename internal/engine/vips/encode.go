package vips

import (
	govips "github.com/davidbyttow/govips/v2/vips"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// Encoder settings, chosen for speed at a reasonable size; see
// BenchmarkRender.
const (
	pngCompression = 6 // zlib level; filter none keeps it fast
	webpEffort     = 4
	avifEffort     = 2 // libaom speed 7: a 1200 px photo in well under 1 s on 2 cores
	gifEffort      = 4
	jxlEffort      = 4
	defaultQuality = 80
)

// finish flattens the image when the format has no alpha, strips metadata
// and encodes it into r.out.
func finish(r *renderer) error {
	r.kill.watch(r.img)
	out, err := encode(r.img, r.p, r.e.cfg)
	if err != nil {
		return err
	}
	r.out = out
	return nil
}

// encode flattens, strips and encodes img as p asks.
func encode(img *govips.ImageRef, p transform.Plan, cfg Config) ([]byte, error) {
	if !hasAlpha(p.Format) && img.HasAlpha() {
		bg := p.Background
		if err := img.Flatten(&govips.Color{R: bg.R, G: bg.G, B: bg.B}); err != nil {
			return nil, failed("flatten", err)
		}
		if img.BandFormat() != govips.BandFormatUchar {
			if err := img.Cast(govips.BandFormatUchar); err != nil {
				return nil, failed("flatten", err)
			}
		}
	}
	// Keeps only page-height, delay and loop (and the ICC profile, gone
	// already since toSRGB): the savers also strip.
	if err := img.RemoveMetadata(); err != nil {
		return nil, failed("strip", err)
	}
	q := p.Quality
	if q <= 0 {
		q = defaultQuality
	}
	var (
		buf []byte
		err error
	)
	switch p.Format {
	case transform.FormatJPEG:
		buf, _, err = img.ExportJpeg(&govips.JpegExportParams{
			StripMetadata: true, Quality: q, SubsampleMode: govips.VipsForeignSubsampleOn,
			OptimizeCoding: cfg.JPEGOptimizeCoding,
			Interlace:      cfg.JPEGProgressiveAbove > 0 && img.Width()*img.Height() > cfg.JPEGProgressiveAbove,
		})
	case transform.FormatPNG:
		buf, _, err = img.ExportPng(&govips.PngExportParams{
			StripMetadata: true, Compression: pngCompression, Filter: govips.PngFilterNone,
		})
	case transform.FormatWebP:
		buf, _, err = img.ExportWebp(&govips.WebpExportParams{
			StripMetadata: true, Quality: q, ReductionEffort: webpEffort,
		})
	case transform.FormatAVIF:
		buf, _, err = img.ExportAvif(&govips.AvifExportParams{
			StripMetadata: true, Quality: q, Bitdepth: 8, Effort: avifEffort,
		})
	case transform.FormatGIF:
		buf, _, err = img.ExportGIF(&govips.GifExportParams{
			StripMetadata: true, Effort: gifEffort, Bitdepth: 8,
		})
	case transform.FormatJXL:
		buf, _, err = img.ExportJxl(&govips.JxlExportParams{
			Quality: q, Effort: jxlEffort, Distance: 1,
		})
	default:
		return nil, easel.Errorf(easel.CodeInvalidArgument, "cannot encode format %q", p.Format)
	}
	if err != nil {
		return nil, failed("encode", err)
	}
	return buf, nil
}
