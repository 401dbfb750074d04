package s3_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

// TestUnreachableIsUnavailable: calls to a server that stopped answering
// carry easel.CodeUnavailable (503 at the API) and name the endpoint.
func TestUnreachableIsUnavailable(t *testing.T) {
	srv := server(t)
	cfg := config(srv, srv.NewBucket())
	cfg.MaxAttempts = 1
	s := newStore(t, cfg)
	ctx := context.Background()
	require.NoError(t, s.Put(ctx, "originals/ab/abc", strings.NewReader("x")))
	srv.Stop()
	err := s.Put(ctx, "originals/ab/abd", strings.NewReader("y"))
	require.Equal(t, easel.CodeUnavailable, easel.ErrorCode(err), "%v", err)
	require.ErrorContains(t, err, "blob.s3.endpoint")
	_, err = s.Stat(ctx, "originals/ab/abc")
	require.Equal(t, easel.CodeUnavailable, easel.ErrorCode(err), "%v", err)
	_, err = s.Get(ctx, "originals/ab/abc")
	require.Equal(t, easel.CodeUnavailable, easel.ErrorCode(err), "%v", err)
}
