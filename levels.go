package easel

import (
	"context"
	"strconv"
)

// TaskLevels is the task kind that makes an asset's pyramid of levels
// after its upload.
const TaskLevels = "levels"

// Level is one stored level of an asset's pyramid: the original decoded
// once, in displayed orientation and sRGB, scaled to the long side Side.
// Its bytes live in the blob store under LevelKey(asset, Side, Format).
type Level struct {
	Side   int    `json:"side"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Format string `json:"format"` // jpeg for opaque originals, webp with alpha
	Bytes  int64  `json:"bytes"`
}

// LevelPrefix is the blob key prefix under which the levels of an asset live.
func LevelPrefix(assetID string) string { return "levels/" + assetID + "/" }

// LevelKey is the blob key of an asset's level of long side side: derived
// from the asset alone, so making the levels again overwrites them.
func LevelKey(assetID string, side int, format string) string {
	return LevelPrefix(assetID) + strconv.Itoa(side) + "." + format
}

// LevelsBytes is the sum of the levels' sizes.
func LevelsBytes(levels []Level) int64 {
	var n int64
	for _, l := range levels {
		n += l.Bytes
	}
	return n
}

// LevelStore records the levels of assets.
//
// Every implementation passes the levels part of internal/meta/metatest.
type LevelStore interface {
	// SetLevels records (or replaces) the levels of an asset; an empty list
	// records that it has none. GetAsset returns them in Asset.Levels. A
	// missing asset gives CodeNotFound.
	SetLevels(ctx context.Context, assetID string, levels []Level) error
}
