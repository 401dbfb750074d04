package worker

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/transform"
)

// memBlobs is a LevelStore over a map.
type memBlobs struct {
	mu   sync.Mutex
	data map[string][]byte
}

func (m *memBlobs) Put(_ context.Context, key string, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[key] = b
	return nil
}

func (m *memBlobs) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.data, key)
	return nil
}

// setLevelsFunc adapts a function to easel.LevelStore.
type setLevelsFunc func(ctx context.Context, assetID string, levels []easel.Level) error

func (f setLevelsFunc) SetLevels(ctx context.Context, assetID string, levels []easel.Level) error {
	return f(ctx, assetID, levels)
}

func TestLeveller(t *testing.T) {
	asset := easel.Asset{ID: "01jasset", Width: 4000, Height: 3000}
	two := []MadeLevel{
		{Level: transform.Level{Side: 1024, Width: 1024, Height: 768, Format: transform.FormatJPEG}, Data: []byte("big")},
		{Level: transform.Level{Side: 256, Width: 256, Height: 192, Format: transform.FormatJPEG}, Data: []byte("s")},
	}
	for _, tt := range []struct {
		name      string
		made      []MadeLevel
		makeErr   error
		recordErr error
		wantKeys  []string
		want      []easel.Level
		wantCode  easel.Code
	}{
		{
			name:     "stores each level then records them",
			made:     two,
			wantKeys: []string{"levels/01jasset/1024.jpeg", "levels/01jasset/256.jpeg"},
			want: []easel.Level{
				{Side: 1024, Width: 1024, Height: 768, Format: "jpeg", Bytes: 3},
				{Side: 256, Width: 256, Height: 192, Format: "jpeg", Bytes: 1},
			},
		},
		{name: "no levels recorded as none", made: nil, want: []easel.Level{}},
		{name: "engine failure stores nothing", makeErr: easel.Errorf(easel.CodeUnsupportedMedia, "bad"), wantCode: easel.CodeUnsupportedMedia},
		{name: "asset deleted meanwhile: blobs removed", made: two, recordErr: easel.Errorf(easel.CodeNotFound, "gone"), wantCode: easel.CodeNotFound},
		{name: "record failure is retried", made: two, recordErr: errors.New("db down"), wantCode: easel.CodeInternal,
			wantKeys: []string{"levels/01jasset/1024.jpeg", "levels/01jasset/256.jpeg"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			blobs := &memBlobs{data: map[string][]byte{}}
			var recorded []easel.Level
			var gotSides []int
			l := Leveller{
				Sides: []int{2048, 1024, 256},
				Make: func(_ context.Context, original []byte, sides []int) ([]MadeLevel, error) {
					require.Equal(t, []byte("original"), original)
					gotSides = sides
					return tt.made, tt.makeErr
				},
				Blobs: blobs,
				Record: setLevelsFunc(func(_ context.Context, id string, levels []easel.Level) error {
					require.Equal(t, asset.ID, id)
					// Every recorded level is already stored.
					for _, lv := range levels {
						require.Contains(t, blobs.data, easel.LevelKey(id, lv.Side, lv.Format))
					}
					recorded = levels
					return tt.recordErr
				}),
			}
			res, err := l.Process(context.Background(), easel.Task{Kind: easel.TaskLevels}, asset, []byte("original"))
			require.Equal(t, []int{2048, 1024, 256}, gotSides)
			require.Empty(t, res)
			keys := make([]string, 0, len(blobs.data))
			for k := range blobs.data {
				keys = append(keys, k)
			}
			require.ElementsMatch(t, tt.wantKeys, keys)
			if tt.wantCode != "" {
				require.Error(t, err)
				require.Equal(t, tt.wantCode, easel.ErrorCode(err))
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, recorded)
			for _, m := range tt.made {
				require.True(t, bytes.Equal(m.Data, blobs.data[easel.LevelKey(asset.ID, m.Side, string(m.Format))]))
			}
		})
	}
}
