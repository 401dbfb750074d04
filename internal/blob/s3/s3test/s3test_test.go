package s3test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBinaryLookupOrder(t *testing.T) {
	dir := t.TempDir()
	onPath := filepath.Join(dir, "versitygw")
	require.NoError(t, os.WriteFile(onPath, []byte("#!/bin/sh\n"), 0o755))

	t.Setenv("EASEL_TEST_VERSITYGW", "/opt/vgw")
	t.Setenv("PATH", dir)
	require.Equal(t, "/opt/vgw", Binary(), "the variable comes first")

	t.Setenv("EASEL_TEST_VERSITYGW", "")
	require.Equal(t, onPath, Binary(), "then PATH")
}

func TestStopAndRestart(t *testing.T) {
	s := Start(t, "bucket-a")
	s.Stop()
	s.Stop() // idempotent
	s.Restart()
	s.Restart() // a no-op while running
	entries, err := os.ReadDir(s.Dir)
	require.NoError(t, err)
	require.NotEmpty(t, entries, "the bucket directory went away")
}
