package easel

import (
	"context"
	"time"
)

// Point is a position in pixels of the image as displayed (after EXIF
// orientation).
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Box is a rectangle in displayed pixels.
type Box struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// Face is a detected face with its keypoints. Left and right are the
// subject's (the person's left eye is on the viewer's right).
type Face struct {
	Box        Box     `json:"box"`
	Confidence float64 `json:"confidence"`
	RightEye   Point   `json:"right_eye"`
	LeftEye    Point   `json:"left_eye"`
	Nose       Point   `json:"nose"`
	Mouth      Point   `json:"mouth"`
	RightEar   Point   `json:"right_ear"`
	LeftEar    Point   `json:"left_ear"`
}

// Analysis is what the worker finds in an asset after its upload.
type Analysis struct {
	Faces      []Face    `json:"faces"`
	Detector   string    `json:"face_detector"` // "blazeface" or "pigo"
	PHash      string    `json:"phash"`         // 64-bit perceptual (DCT) hash, 16 hex digits
	DHash      string    `json:"dhash"`         // 64-bit difference hash, 16 hex digits
	BlurHash   string    `json:"blurhash"`
	Colors     []string  `json:"colors"` // dominant first, "#rrggbb", at most five
	AnalyzedAt time.Time `json:"analyzed_at"`
}

// TaskAnalyze is the task kind that analyses an asset after its upload.
const TaskAnalyze = "analyze"

// Similar is an asset whose perceptual hash is near another's.
type Similar struct {
	AssetID  string `json:"asset_id"`
	Distance int    `json:"distance"` // Hamming distance of the pHashes, 0..64
}

// AnalysisStore keeps the analyses of assets and finds near duplicates by
// pHash without scanning every asset.
//
// Every implementation passes the analysis part of internal/meta/metatest.
type AnalysisStore interface {
	// SetAnalysis records (or replaces) the analysis of an asset.
	SetAnalysis(ctx context.Context, assetID string, a Analysis) error
	// GetAnalysis returns an asset's analysis, or CodeNotFound when it has none.
	GetAnalysis(ctx context.Context, assetID string) (Analysis, error)
	// SimilarAssets returns up to limit assets of the tenant whose pHash is
	// within maxDistance (0..16) of phash, nearest first (ties by asset ID),
	// excluding excludeID.
	SimilarAssets(ctx context.Context, tenantID string, phash uint64, maxDistance, limit int, excludeID string) ([]Similar, error)
}

// ScaleFaces maps faces found on a raster to displayed pixels: every
// coordinate is multiplied by sx horizontally and sy vertically.
func ScaleFaces(faces []Face, sx, sy float64) []Face {
	out := make([]Face, len(faces))
	p := func(q Point) Point { return Point{X: q.X * sx, Y: q.Y * sy} }
	for i, f := range faces {
		out[i] = Face{
			Box:        Box{X: f.Box.X * sx, Y: f.Box.Y * sy, W: f.Box.W * sx, H: f.Box.H * sy},
			Confidence: f.Confidence,
			RightEye:   p(f.RightEye), LeftEye: p(f.LeftEye), Nose: p(f.Nose),
			Mouth: p(f.Mouth), RightEar: p(f.RightEar), LeftEar: p(f.LeftEar),
		}
	}
	return out
}
