package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/render"
	"github.com/easelhq/easel/internal/vision/fingerprint"
)

// Rasterizer decodes an image as displayed, shrunk to fit within maxSide.
type Rasterizer = render.Rasterizer

// Analyzer processes analyze tasks: faces, perceptual and difference hashes,
// blurhash and dominant colours, from one shrink-on-load decode. It records
// the analysis and produces no output.
type Analyzer struct {
	Engine   Rasterizer
	Detector render.FaceDetector // nil: no face detection
	Store    easel.AnalysisStore
}

var _ Processor = Analyzer{}

// Process implements Processor.
func (a Analyzer) Process(ctx context.Context, t easel.Task, asset easel.Asset, original []byte) ([]Result, error) {
	an, err := a.Analyze(ctx, asset, original)
	if err != nil {
		return nil, err
	}
	if err := a.Store.SetAnalysis(ctx, asset.ID, an); err != nil {
		return nil, fmt.Errorf("record analysis: %w", err)
	}
	return nil, nil
}

// Analyze computes the analysis of an asset's original.
func (a Analyzer) Analyze(ctx context.Context, asset easel.Asset, original []byte) (easel.Analysis, error) {
	pix, w, h, err := a.Engine.Raster(ctx, original, render.AnalysisSide)
	if err != nil {
		return easel.Analysis{}, err
	}
	an := easel.Analysis{Faces: []easel.Face{}, AnalyzedAt: time.Now().UTC()}
	if a.Detector != nil {
		faces, err := a.Detector.Detect(ctx, pix, w, h)
		if err != nil {
			return easel.Analysis{}, fmt.Errorf("face detection: %w", err)
		}
		an.Faces = easel.ScaleFaces(faces, float64(asset.Width)/float64(w), float64(asset.Height)/float64(h))
		an.Detector = a.Detector.Name()
	}
	img := fingerprint.RGB{Pix: pix, W: w, H: h}
	an.PHash = fingerprint.Hex(fingerprint.PHash(img))
	an.DHash = fingerprint.Hex(fingerprint.DHash(img))
	if an.BlurHash, err = fingerprint.BlurHash(img, 4, 3); err != nil {
		return easel.Analysis{}, fmt.Errorf("blurhash: %w", err)
	}
	an.Colors = fingerprint.Colors(img, 5)
	return an, nil
}
