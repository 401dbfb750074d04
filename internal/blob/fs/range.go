package fs

import (
	"context"
	"fmt"
	"io"

	"github.com/easelhq/easel/internal/blob"
)

var _ blob.RangeReader = (*Store)(nil)

// GetRange opens length bytes of the blob under key from offset (length -1:
// to the end), as blob.RangeReader defines it. It seeks, so nothing before
// offset is read.
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := blob.CheckRange(offset, length); err != nil {
		return nil, err
	}
	rc, err := s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	f := rc.(io.ReadSeekCloser)
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("fs blob: range of %q: %w", key, err)
	}
	if length < 0 {
		return f, nil
	}
	return blob.LimitReadCloser(f, length), nil
}
