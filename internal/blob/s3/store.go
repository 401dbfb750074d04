package s3

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/blob"
)

// Store is an easel.BlobStore on one bucket of an S3-compatible server. It
// is safe for concurrent use.
type Store struct {
	cfg    Config
	client *awss3.Client
}

var (
	_ easel.BlobStore  = (*Store)(nil)
	_ blob.RangeReader = (*Store)(nil)
)

// New returns a Store for cfg after checking, with Ping, that the server is
// reachable, the credentials valid and the bucket there and writable. Its
// errors name the setting at fault.
func New(ctx context.Context, cfg Config) (*Store, error) {
	s, err := NewUnchecked(cfg)
	if err != nil {
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// NewUnchecked returns a Store for cfg without contacting the server, for
// callers that start while the server may be down and rely on Ping later.
func NewUnchecked(cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	opts := awss3.Options{
		Region:       cfg.Region,
		UsePathStyle: cfg.PathStyle,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: cfg.AccessKey, SecretAccessKey: cfg.SecretKey, Source: "easel config"}, nil
		}),
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = cfg.MaxAttempts
			o.MaxBackoff = 2 * time.Second
			// Every transient error is retried; no client-wide retry quota
			// that an outage of the server would exhaust.
			o.RateLimiter = ratelimit.None
		}),
		// Payloads are signed (SHA-256) over http and sent over TLS with
		// https; the optional CRC trailers are left to servers that ask.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if cfg.Endpoint != "" {
		opts.BaseEndpoint = aws.String(cfg.Endpoint)
	}
	if cfg.HTTPClient != nil {
		opts.HTTPClient = cfg.HTTPClient
	}
	return &Store{cfg: cfg, client: awss3.New(opts)}, nil
}

// object is the object name of key.
func (s *Store) object(key string) *string { return aws.String(s.cfg.Prefix + key) }

// callCtx bounds one request (with its retries) by the per-call timeout.
func (s *Store) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.cfg.Timeout)
}

// Get opens the blob under key. The body streams from the server; the
// per-call timeout covers the wait for the response headers, the caller's
// ctx the rest.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	return s.open(ctx, "get", key, "")
}

// GetRange opens length bytes of the blob under key from offset (length -1:
// to the end) with an HTTP Range request, as blob.RangeReader defines it.
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := blob.CheckRange(offset, length); err != nil {
		return nil, err
	}
	switch {
	case length == 0:
		if _, err := s.Stat(ctx, key); err != nil {
			return nil, err
		}
		return io.NopCloser(strings.NewReader("")), nil
	case offset == 0 && length < 0:
		return s.open(ctx, "get", key, "")
	case length < 0:
		return s.open(ctx, "get range", key, fmt.Sprintf("bytes=%d-", offset))
	default:
		return s.open(ctx, "get range", key, fmt.Sprintf("bytes=%d-%d", offset, offset+length-1))
	}
}

func (s *Store) open(ctx context.Context, op, key, rng string) (io.ReadCloser, error) {
	if err := blob.ValidateKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("s3 blob: %s %q: %w", op, key, err)
	}
	in := &awss3.GetObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: s.object(key)}
	if rng != "" {
		in.Range = aws.String(rng)
	}
	out, cancel, err := s.getObject(ctx, in)
	if err != nil {
		if rng != "" && apiCode(err) == "InvalidRange" {
			return io.NopCloser(strings.NewReader("")), nil // starts at or past the end
		}
		return nil, s.mapErr(op, key, err)
	}
	return &body{ReadCloser: out.Body, cancel: cancel}, nil
}

// getObject sends in with the per-call timeout on the response headers
// only: on success the returned cancel ends the body's context, and the
// caller must call it; on failure it has been called.
func (s *Store) getObject(ctx context.Context, in *awss3.GetObjectInput) (*awss3.GetObjectOutput, context.CancelFunc, error) {
	ctx, cancel := context.WithCancel(ctx)
	var timedOut atomic.Bool
	timer := time.AfterFunc(s.cfg.Timeout, func() { timedOut.Store(true); cancel() })
	out, err := s.client.GetObject(ctx, in)
	timer.Stop()
	if err != nil {
		cancel()
		if timedOut.Load() {
			err = fmt.Errorf("%w after %s: %w", context.DeadlineExceeded, s.cfg.Timeout, err)
		}
		return nil, nil, err
	}
	return out, cancel, nil
}

// body closes the response body and releases its context.
type body struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *body) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// Stat describes the blob under key with a HEAD request.
func (s *Store) Stat(ctx context.Context, key string) (easel.BlobInfo, error) {
	if err := blob.ValidateKey(key); err != nil {
		return easel.BlobInfo{}, err
	}
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	out, err := s.client.HeadObject(cctx, &awss3.HeadObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: s.object(key)})
	if err != nil {
		return easel.BlobInfo{}, s.mapErr("stat", key, err)
	}
	return easel.BlobInfo{Key: key, Size: aws.ToInt64(out.ContentLength), ModTime: aws.ToTime(out.LastModified)}, nil
}

// Delete removes the blob under key. Deleting a missing key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := blob.ValidateKey(key); err != nil {
		return err
	}
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	_, err := s.client.DeleteObject(cctx, &awss3.DeleteObjectInput{Bucket: aws.String(s.cfg.Bucket), Key: s.object(key)})
	if err != nil {
		if err := s.mapErr("delete", key, err); !easel.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// List calls fn for every blob whose key starts with prefix, in key order
// (S3 lists in UTF-8 byte order), a page of up to 1000 keys per request.
// Objects under Prefix whose names are not valid keys are skipped.
func (s *Store) List(ctx context.Context, prefix string, fn func(easel.BlobInfo) error) error {
	if !blob.ValidPrefix(prefix) {
		return nil
	}
	p := awss3.NewListObjectsV2Paginator(s.client, &awss3.ListObjectsV2Input{
		Bucket: aws.String(s.cfg.Bucket),
		Prefix: aws.String(s.cfg.Prefix + prefix),
	})
	for p.HasMorePages() {
		cctx, cancel := s.callCtx(ctx)
		page, err := p.NextPage(cctx)
		cancel()
		if err != nil {
			return s.mapErr("list", prefix, err)
		}
		for _, o := range page.Contents {
			key, ok := strings.CutPrefix(aws.ToString(o.Key), s.cfg.Prefix)
			if !ok || blob.ValidateKey(key) != nil {
				continue
			}
			if err := fn(easel.BlobInfo{Key: key, Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified)}); err != nil {
				return err
			}
		}
	}
	return nil
}
