package blob

import (
	"context"
	"fmt"
	"io"

	"github.com/easelhq/easel"
)

// RangeReader is an optional capability of an easel.BlobStore: reading part
// of a blob without transferring the rest. Callers check for it at run time,
// or use GetRange, which falls back to Get.
//
// GetRange opens length bytes of the blob under key starting at offset;
// length -1 reads to the end. A range that starts at or past the end of the
// blob yields an empty body; one that runs past the end is cut at the end.
// A missing key is an error with easel.CodeNotFound; a negative offset or a
// length below -1 is one with easel.CodeInvalidArgument.
type RangeReader interface {
	GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
}

// CheckRange returns an error with easel.CodeInvalidArgument unless offset
// and length describe a range as RangeReader defines it.
func CheckRange(offset, length int64) error {
	if offset < 0 || length < -1 {
		return easel.Errorf(easel.CodeInvalidArgument, "blob range: offset %d, length %d", offset, length)
	}
	return nil
}

// GetRange reads a range of the blob under key from s: through its
// RangeReader when it has one, otherwise by skipping offset bytes of Get.
func GetRange(ctx context.Context, s easel.BlobStore, key string, offset, length int64) (io.ReadCloser, error) {
	if rr, ok := s.(RangeReader); ok {
		return rr.GetRange(ctx, key, offset, length)
	}
	if err := CheckRange(offset, length); err != nil {
		return nil, err
	}
	rc, err := s.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	if _, err := io.CopyN(io.Discard, rc, offset); err != nil && err != io.EOF {
		_ = rc.Close()
		return nil, fmt.Errorf("blob: range of %q: skip %d bytes: %w", key, offset, err)
	}
	if length < 0 {
		return rc, nil
	}
	return LimitReadCloser(rc, length), nil
}

// LimitReadCloser returns a ReadCloser that reads at most n bytes of rc and
// closes rc.
func LimitReadCloser(rc io.ReadCloser, n int64) io.ReadCloser {
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(rc, n), rc}
}
