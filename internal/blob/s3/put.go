package s3

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/easelhq/easel/internal/blob"
)

// Put stores r under key. It reads up to PartSize bytes; if r ends within
// them they go in one PutObject, otherwise in a multipart upload whose parts
// are read and sent one at a time. S3 makes the object visible only when the
// upload completes, so readers never see a partial blob; a failed or
// cancelled upload is aborted. The content type comes from the key's
// extension, or is sniffed from the first bytes.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) error {
	if err := blob.ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("s3 blob: put %q: %w", key, err)
	}
	r = &ctxReader{ctx: ctx, r: r}
	var part bytes.Buffer
	part.Grow(int(min(s.cfg.PartSize, 64<<10)))
	n, err := io.CopyN(&part, r, s.cfg.PartSize)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("s3 blob: put %q: read: %w", key, err)
	}
	ctype := contentType(key, part.Bytes())
	if n < s.cfg.PartSize {
		cctx, cancel := s.callCtx(ctx)
		defer cancel()
		_, err := s.client.PutObject(cctx, &awss3.PutObjectInput{
			Bucket:        aws.String(s.cfg.Bucket),
			Key:           s.object(key),
			Body:          bytes.NewReader(part.Bytes()),
			ContentLength: aws.Int64(n),
			ContentType:   aws.String(ctype),
		})
		if err != nil {
			return s.mapErr("put", key, err)
		}
		return nil
	}
	return s.putMultipart(ctx, key, ctype, &part, r)
}

// putMultipart uploads first and then the rest of r in parts.
func (s *Store) putMultipart(ctx context.Context, key, ctype string, part *bytes.Buffer, r io.Reader) (err error) {
	bucket := aws.String(s.cfg.Bucket)
	cctx, cancel := s.callCtx(ctx)
	created, err := s.client.CreateMultipartUpload(cctx, &awss3.CreateMultipartUploadInput{
		Bucket: bucket, Key: s.object(key), ContentType: aws.String(ctype),
	})
	cancel()
	if err != nil {
		return s.mapErr("put", key, err)
	}
	uploadID := created.UploadId
	defer func() {
		if err == nil {
			return
		}
		// Abort even when ctx is done, so the server drops the parts.
		actx, cancel := s.callCtx(context.WithoutCancel(ctx))
		defer cancel()
		_, _ = s.client.AbortMultipartUpload(actx, &awss3.AbortMultipartUploadInput{Bucket: bucket, Key: s.object(key), UploadId: uploadID})
	}()

	var done []types.CompletedPart
	for num := int32(1); ; num++ {
		cctx, cancel := s.callCtx(ctx)
		out, err := s.client.UploadPart(cctx, &awss3.UploadPartInput{
			Bucket: bucket, Key: s.object(key), UploadId: uploadID, PartNumber: aws.Int32(num),
			Body: bytes.NewReader(part.Bytes()), ContentLength: aws.Int64(int64(part.Len())),
		})
		cancel()
		if err != nil {
			return s.mapErr(fmt.Sprintf("put part %d of", num), key, err)
		}
		done = append(done, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num)})

		part.Reset()
		n, err := io.CopyN(part, r, s.cfg.PartSize)
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("s3 blob: put %q: read: %w", key, err)
		}
		if n == 0 {
			break
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("s3 blob: put %q: %w", key, err)
	}
	cctx, cancel = s.callCtx(ctx)
	defer cancel()
	_, err = s.client.CompleteMultipartUpload(cctx, &awss3.CompleteMultipartUploadInput{
		Bucket: bucket, Key: s.object(key), UploadId: uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done},
	})
	if err != nil {
		return s.mapErr("put (complete)", key, err)
	}
	return nil
}

// contentType is the type of the key's extension, or else sniffed from head.
func contentType(key string, head []byte) string {
	if ext := path.Ext(key); ext != "" {
		if t := mime.TypeByExtension(ext); t != "" {
			return t
		}
	}
	return http.DetectContentType(head)
}

// ctxReader fails reads once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
