package tus

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/blob/s3"
	"github.com/easelhq/easel/internal/blob/s3/s3test"
)

func s3Store(t *testing.T) easel.BlobStore {
	t.Helper()
	srv := s3test.Start(t)
	s, err := s3.New(context.Background(), s3.Config{
		Endpoint: srv.Endpoint, Bucket: srv.NewBucket(), AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		PathStyle: true, Timeout: 20 * time.Second, PartSize: s3.MinPartSize,
	})
	require.NoError(t, err)
	return s
}

func TestResumeS3(t *testing.T) {
	resumeScenario(t, s3Store(t))
}

func TestExpiryS3(t *testing.T) {
	cfg := testConfig()
	cfg.Expiry, cfg.JanitorInterval = time.Second, 100*time.Millisecond
	b := setup(t, s3Store(t), cfg)
	loc := b.create("a", 1000)
	require.Equal(t, http.StatusNoContent, b.patch(loc, "a", 0, strings.NewReader("hello"), 5).StatusCode)
	require.Equal(t, http.StatusNoContent, b.patch(loc, "a", 5, strings.NewReader("world"), 5).StatusCode)
	require.Len(t, b.uploadKeys(loc), 3)
	require.NoError(t, b.h.Start(context.Background()))
	t.Cleanup(b.h.Stop)
	require.Eventually(t, func() bool { return len(b.uploadKeys(loc)) == 0 }, 10*time.Second, 100*time.Millisecond)
	require.Equal(t, http.StatusNotFound, b.do(http.MethodHead, loc, "a", nil, nil).StatusCode)
}
