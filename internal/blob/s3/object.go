package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/easelhq/easel"
)

// ObjectInfo describes an object of a bucket easel does not own (a remote
// source): its size and the validators S3 returns.
type ObjectInfo struct {
	Size         int64
	ETag         string // quoted, as S3 sends it
	LastModified time.Time
}

// ErrObjectChanged is returned by OpenObject when the object no longer has
// the ETag asked for.
var ErrObjectChanged = errors.New("the object changed")

// checkObjectName refuses object names S3 would not take or that could be
// read as something else: empty, over 1024 bytes, control characters.
func checkObjectName(name string) error {
	if name == "" || len(name) > 1024 {
		return easel.Errorf(easel.CodeInvalidArgument, "s3 object name must be 1..1024 bytes")
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] == 0x7f {
			return easel.Errorf(easel.CodeInvalidArgument, "s3 object name %q: control character", name)
		}
	}
	return nil
}

// HeadObject describes the object called name (Config.Prefix + name) with a
// HEAD request. Unlike Stat, name is any S3 object name, not only a blob
// key, so a Store can read a bucket written by others; a missing object is
// CodeNotFound.
func (s *Store) HeadObject(ctx context.Context, name string) (ObjectInfo, error) {
	if err := checkObjectName(name); err != nil {
		return ObjectInfo{}, err
	}
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	out, err := s.client.HeadObject(cctx, &awss3.HeadObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(s.cfg.Prefix + name)})
	if err != nil {
		return ObjectInfo{}, s.mapErr("head object", name, err)
	}
	return ObjectInfo{Size: aws.ToInt64(out.ContentLength), ETag: aws.ToString(out.ETag), LastModified: aws.ToTime(out.LastModified)}, nil
}

// OpenObject opens at most limit bytes (limit > 0) of the object called
// name with a Range request, so the server never sends more than the caller
// reads. With ifMatch set (an ETag from HeadObject), an object replaced
// meanwhile fails with ErrObjectChanged instead of mixing validators and bytes.
// The per-call timeout covers the wait for the response headers, ctx the
// body. The info is that of the response.
func (s *Store) OpenObject(ctx context.Context, name string, limit int64, ifMatch string) (io.ReadCloser, ObjectInfo, error) {
	if err := checkObjectName(name); err != nil {
		return nil, ObjectInfo{}, err
	}
	if limit <= 0 {
		return nil, ObjectInfo{}, easel.Errorf(easel.CodeInvalidArgument, "s3 object %q: limit must be positive", name)
	}
	in := &awss3.GetObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: aws.String(s.cfg.Prefix + name),
		Range: aws.String(fmt.Sprintf("bytes=0-%d", limit-1))}
	if ifMatch != "" {
		in.IfMatch = aws.String(ifMatch)
	}
	out, cancel, err := s.getObject(ctx, in)
	if err != nil {
		switch code := apiCode(err); {
		case code == "InvalidRange": // an empty object
			return io.NopCloser(strings.NewReader("")), ObjectInfo{}, nil
		case code == "PreconditionFailed" || httpStatus(err) == 412:
			return nil, ObjectInfo{}, fmt.Errorf("s3 blob: get object %q: %w: %w", name, ErrObjectChanged, err)
		}
		return nil, ObjectInfo{}, s.mapErr("get object", name, err)
	}
	info := ObjectInfo{Size: aws.ToInt64(out.ContentLength), ETag: aws.ToString(out.ETag), LastModified: aws.ToTime(out.LastModified)}
	return &body{ReadCloser: out.Body, cancel: cancel}, info, nil
}
