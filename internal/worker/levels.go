package worker

import (
	"bytes"
	"context"
	"fmt"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// MadeLevel is one level of a pyramid with its encoded bytes.
type MadeLevel struct {
	transform.Level
	Data []byte
}

// LevelMaker decodes an original once and encodes a level for each of
// sides smaller than it (internal/engine/vips.Engine.MakeLevels, adapted).
// Originals that get no levels (animations, documents) give none.
type LevelMaker func(ctx context.Context, original []byte, sides []int) ([]MadeLevel, error)

// LevelStore is what the levels task needs of the stores: the blob store
// for the level bytes, the metadata store to record them.
type LevelStore interface {
	OutputStore
	Delete(ctx context.Context, key string) error
}

// Leveller processes levels tasks: it makes the asset's pyramid, stores
// each level at easel.LevelKey (derived from the asset, so a redelivery
// overwrites), then records the levels on the asset. It produces no task
// output.
type Leveller struct {
	Make   LevelMaker
	Sides  []int // long sides of the levels
	Blobs  LevelStore
	Record easel.LevelStore
}

var _ Processor = Leveller{}

// Process implements Processor.
func (l Leveller) Process(ctx context.Context, t easel.Task, a easel.Asset, original []byte) ([]Result, error) {
	made, err := l.Make(ctx, original, l.Sides)
	if err != nil {
		return nil, err
	}
	levels := make([]easel.Level, 0, len(made))
	for _, m := range made {
		key := easel.LevelKey(a.ID, m.Side, string(m.Format))
		if err := l.Blobs.Put(ctx, key, bytes.NewReader(m.Data)); err != nil {
			return nil, fmt.Errorf("store level %d: %w", m.Side, err)
		}
		levels = append(levels, easel.Level{Side: m.Side, Width: m.Width, Height: m.Height, Format: string(m.Format), Bytes: int64(len(m.Data))})
	}
	// The blobs are stored before the asset lists them, so a render never
	// looks for a level that is not there yet.
	if err := l.Record.SetLevels(ctx, a.ID, levels); err != nil {
		if easel.IsNotFound(err) {
			// Deleted meanwhile: Assets.Delete listed the levels before
			// these were stored, so remove them here.
			for _, lv := range levels {
				_ = l.Blobs.Delete(context.WithoutCancel(ctx), easel.LevelKey(a.ID, lv.Side, lv.Format))
			}
			return nil, err
		}
		return nil, fmt.Errorf("record levels: %w", err)
	}
	return nil, nil
}
