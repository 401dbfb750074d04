package app

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/blob/failover"
	blobfs "github.com/easelhq/easel/internal/blob/fs"
	blobs3 "github.com/easelhq/easel/internal/blob/s3"
	"github.com/easelhq/easel/internal/blob/s3/s3test"
	"github.com/easelhq/easel/internal/config"
)

func TestOpenBlobs(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.NewBucket()
	s3cfg := func(c *config.BlobS3) {
		c.Endpoint, c.Bucket, c.AccessKey, c.SecretKey, c.PathStyle = srv.Endpoint, bucket, srv.AccessKey, srv.SecretKey, true
	}
	tests := []struct {
		name    string
		edit    func(c *config.Config)
		check   func(t *testing.T, ob *openedBlobs)
		wantErr string
	}{
		{"fs by default", func(*config.Config) {}, func(t *testing.T, ob *openedBlobs) {
			require.IsType(t, &blobfs.Store{}, ob.Store)
			require.Nil(t, ob.Collector)
		}, ""},
		{"s3", func(c *config.Config) { c.Blob.Backend = "s3"; s3cfg(&c.Blob.S3) }, func(t *testing.T, ob *openedBlobs) {
			require.IsType(t, &blobs3.Store{}, ob.Store)
		}, ""},
		{"s3 with a wrong secret", func(c *config.Config) {
			c.Blob.Backend = "s3"
			s3cfg(&c.Blob.S3)
			c.Blob.S3.SecretKey = "wrong-secret-key-0123"
		}, nil, "blob.s3.secret_key"},
		{"s3 secondary with a missing bucket", func(c *config.Config) {
			c.Blob.Secondary.Backend = "s3"
			s3cfg(&c.Blob.Secondary.S3)
			c.Blob.Secondary.S3.Bucket = "no-such-bucket"
		}, nil, `blob.secondary.s3.bucket "no-such-bucket" does not exist`},
		{"s3 primary down, fs secondary", func(c *config.Config) {
			c.Blob.Backend = "s3"
			s3cfg(&c.Blob.S3)
			c.Blob.S3.Endpoint = "http://127.0.0.1:1"
			c.Blob.Secondary.Backend = "fs"
			c.Blob.Secondary.Path = filepath.Join(c.Data, "second")
		}, func(t *testing.T, ob *openedBlobs) {
			require.IsType(t, &failover.Store{}, ob.Store)
			require.NotNil(t, ob.Collector)
			require.NoError(t, ob.Store.Put(context.Background(), "k", strings.NewReader("x")))
			require.NoError(t, ob.Start(context.Background()))
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.Data = t.TempDir()
			tt.edit(&cfg)
			require.NoError(t, cfg.Validate())
			ob, err := openBlobs(context.Background(), cfg, slog.New(slog.DiscardHandler))
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, ob)
			require.NoError(t, ob.Close())
		})
	}
}
