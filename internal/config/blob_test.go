package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBlobSettings(t *testing.T) {
	t.Parallel()
	s3env := []string{
		"EASEL_BLOB_BACKEND=s3", "EASEL_BLOB_S3_ENDPOINT=http://127.0.0.1:7070", "EASEL_BLOB_S3_BUCKET=easel",
		"EASEL_BLOB_S3_ACCESS_KEY=ak", "EASEL_BLOB_S3_SECRET_KEY=sk", "EASEL_BLOB_S3_PATH_STYLE=true",
		"EASEL_BLOB_S3_PREFIX=prod/", "EASEL_BLOB_S3_REGION=eu-west-1",
	}
	with := func(extra ...string) []string { return append(append([]string(nil), s3env...), extra...) }
	tests := []struct {
		name    string
		environ []string
		check   func(t *testing.T, b Blob)
		wantErr string
	}{
		{name: "default is fs", check: func(t *testing.T, b Blob) {
			require.Equal(t, "fs", b.Backend)
			require.Empty(t, b.Secondary.Backend)
		}},
		{name: "s3 from the environment", environ: s3env, check: func(t *testing.T, b Blob) {
			require.Equal(t, BlobS3{Endpoint: "http://127.0.0.1:7070", Bucket: "easel", Region: "eu-west-1",
				AccessKey: "ak", SecretKey: "sk", PathStyle: true, Prefix: "prod/", Timeout: 30 * time.Second}, b.S3)
		}},
		{name: "s3 secondary", environ: with("EASEL_BLOB_SECONDARY_BACKEND=s3",
			"EASEL_BLOB_SECONDARY_S3_ENDPOINT=http://127.0.0.1:7071", "EASEL_BLOB_SECONDARY_S3_BUCKET=easel",
			"EASEL_BLOB_SECONDARY_S3_ACCESS_KEY=ak2", "EASEL_BLOB_SECONDARY_S3_SECRET_KEY=sk2",
			"EASEL_BLOB_SECONDARY_SYNC_INTERVAL=10s"), check: func(t *testing.T, b Blob) {
			require.Equal(t, "s3", b.Secondary.Backend)
			require.Equal(t, "http://127.0.0.1:7071", b.Secondary.S3.Endpoint)
			require.Equal(t, 10*time.Second, b.Secondary.SyncInterval)
		}},
		{name: "fs secondary", environ: []string{"EASEL_BLOB_SECONDARY_BACKEND=fs", "EASEL_BLOB_SECONDARY_PATH=/mnt/b"},
			check: func(t *testing.T, b Blob) { require.Equal(t, "/mnt/b", b.Secondary.Path) }},
		{name: "unknown backend", environ: []string{"EASEL_BLOB_BACKEND=gcs"}, wantErr: "blob.backend"},
		{name: "s3 without bucket", environ: with("EASEL_BLOB_S3_BUCKET="), wantErr: "blob.s3.bucket is empty"},
		{name: "s3 without secret", environ: with("EASEL_BLOB_S3_SECRET_KEY="), wantErr: "blob.s3.secret_key"},
		{name: "s3 bad endpoint", environ: with("EASEL_BLOB_S3_ENDPOINT=127.0.0.1:7070"), wantErr: "blob.s3.endpoint"},
		{name: "secondary s3 without access key", environ: []string{"EASEL_BLOB_SECONDARY_BACKEND=s3",
			"EASEL_BLOB_SECONDARY_S3_BUCKET=b"}, wantErr: "blob.secondary.s3.access_key"},
		{name: "fs secondary without path", environ: []string{"EASEL_BLOB_SECONDARY_BACKEND=fs"}, wantErr: "blob.secondary.path"},
		{name: "secondary same as primary", environ: with("EASEL_BLOB_SECONDARY_BACKEND=s3",
			"EASEL_BLOB_SECONDARY_S3_ENDPOINT=http://127.0.0.1:7070", "EASEL_BLOB_SECONDARY_S3_BUCKET=easel",
			"EASEL_BLOB_SECONDARY_S3_ACCESS_KEY=ak", "EASEL_BLOB_SECONDARY_S3_SECRET_KEY=sk",
			"EASEL_BLOB_SECONDARY_S3_PREFIX=prod/"), wantErr: "same bucket"},
		{name: "unknown secondary backend", environ: []string{"EASEL_BLOB_SECONDARY_BACKEND=ftp"}, wantErr: "blob.secondary.backend"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load("", tt.environ)
			require.NoError(t, err)
			err = c.Validate()
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, c.Blob)
		})
	}
}
