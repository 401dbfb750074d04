package s3

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
)

// Ping reports whether the bucket is reachable, readable and writable: it
// lists one object, then puts and deletes a probe object. The probe's name
// is not a valid key, so no listing ever shows it. Errors name the setting
// at fault, for start-up and /readyz.
func (s *Store) Ping(ctx context.Context) error {
	fail := func(step string, err error) error {
		if cause := s.settingAtFault(err); cause != "" {
			return fmt.Errorf("s3 blob: %s: %w", cause, err)
		}
		return fmt.Errorf("s3 blob: ping (%s) %s %q: %w", step, s.cfg.setting("bucket"), s.cfg.Bucket, err)
	}
	cctx, cancel := s.callCtx(ctx)
	defer cancel()
	bucket := aws.String(s.cfg.Bucket)
	_, err := s.client.ListObjectsV2(cctx, &awss3.ListObjectsV2Input{Bucket: bucket, Prefix: aws.String(s.cfg.Prefix), MaxKeys: aws.Int32(1)})
	if err != nil {
		return fail("list", err)
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	probe := aws.String(s.cfg.Prefix + "PING-" + hex.EncodeToString(id[:]))
	_, err = s.client.PutObject(cctx, &awss3.PutObjectInput{Bucket: bucket, Key: probe, Body: strings.NewReader("easel")})
	if err != nil {
		return fail("put", err)
	}
	if _, err := s.client.DeleteObject(cctx, &awss3.DeleteObjectInput{Bucket: bucket, Key: probe}); err != nil {
		return fail("delete", err)
	}
	return nil
}
