package blobtest

import (
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/blob"
)

// testRange checks blob.GetRange: through the store's blob.RangeReader when
// it has one, through the fallback on Get otherwise.
func testRange(t *testing.T, s easel.BlobStore) {
	ctx := context.Background()
	data := randomBytes(t, 100_000)
	put(t, s, "range/blob", data)

	tests := []struct {
		name           string
		offset, length int64
		want           []byte
	}{
		{"whole", 0, -1, data},
		{"head", 0, 10, data[:10]},
		{"middle", 5000, 1234, data[5000:6234]},
		{"tail", 99_990, -1, data[99_990:]},
		{"past end is cut", 99_990, 100, data[99_990:]},
		{"at end is empty", 100_000, 10, nil},
		{"beyond end is empty", 200_000, -1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, err := blob.GetRange(ctx, s, "range/blob", tt.offset, tt.length)
			require.NoError(t, err)
			got, err := io.ReadAll(rc)
			require.NoError(t, err)
			require.NoError(t, rc.Close())
			require.Equal(t, len(tt.want), len(got))
			require.Equal(t, tt.want, append([]byte(nil), got...)[:len(tt.want)])
		})
	}

	t.Run("missing", func(t *testing.T) {
		_, err := blob.GetRange(ctx, s, "range/missing", 0, 10)
		require.True(t, easel.IsNotFound(err), "want not_found, got %v", err)
	})
	t.Run("bad range", func(t *testing.T) {
		_, err := blob.GetRange(ctx, s, "range/blob", -1, 10)
		require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err), "got %v", err)
		_, err = blob.GetRange(ctx, s, "range/blob", 0, -2)
		require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err), "got %v", err)
	})
	t.Run("invalid key", func(t *testing.T) {
		_, err := blob.GetRange(ctx, s, "../x", 0, 10)
		require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err), "got %v", err)
	})
}
