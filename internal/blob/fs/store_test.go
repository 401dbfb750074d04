package fs_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/blob/blobtest"
	"github.com/easelhq/easel/internal/blob/fs"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	blobtest.Run(t, func(t *testing.T) easel.BlobStore {
		dir := t.TempDir()
		s, err := fs.New(fs.Config{Dir: dir})
		require.NoError(t, err)
		t.Cleanup(func() {
			// Nothing may be left in the temp directory after any test.
			entries, err := os.ReadDir(filepath.Join(dir, ".tmp"))
			require.NoError(t, err)
			require.Empty(t, entries, "temporary files left behind")
		})
		return s
	})
}

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     func(t *testing.T) fs.Config
		wantErr bool
	}{
		{"creates missing dir", func(t *testing.T) fs.Config {
			return fs.Config{Dir: filepath.Join(t.TempDir(), "a", "b")}
		}, false},
		{"empty dir", func(t *testing.T) fs.Config { return fs.Config{} }, true},
		{"dir is a file", func(t *testing.T) fs.Config {
			f := filepath.Join(t.TempDir(), "file")
			require.NoError(t, os.WriteFile(f, nil, 0o644))
			return fs.Config{Dir: f}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := fs.New(tt.cfg(t))
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
		})
	}
}

func TestReservedTempDir(t *testing.T) {
	t.Parallel()
	s, err := fs.New(fs.Config{Dir: t.TempDir()})
	require.NoError(t, err)
	err = s.Put(context.Background(), ".tmp/x", strings.NewReader("x"))
	require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))
	_, err = s.Path(".tmp")
	require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err))
	// Deeper ".tmp" segments are ordinary keys.
	require.NoError(t, s.Put(context.Background(), "a/.tmp", strings.NewReader("x")))
}

func TestPathAndLayout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := fs.New(fs.Config{Dir: dir})
	require.NoError(t, err)
	ctx := context.Background()

	require.NoError(t, s.Put(ctx, "originals/ab/abcd", strings.NewReader("data")))
	p, err := s.Path("originals/ab/abcd")
	require.NoError(t, err)
	require.Equal(t, filepath.Join(dir, "originals", "ab", "abcd"), p)
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Equal(t, "data", string(b))

	rc, err := s.Get(ctx, "originals/ab/abcd")
	require.NoError(t, err)
	require.IsType(t, &os.File{}, rc)
	require.NoError(t, rc.Close())

	// Deleting the last blob removes its empty directories, not Dir.
	require.NoError(t, s.Delete(ctx, "originals/ab/abcd"))
	_, err = os.Stat(filepath.Join(dir, "originals"))
	require.True(t, os.IsNotExist(err), "empty parents not removed: %v", err)
	_, err = os.Stat(dir)
	require.NoError(t, err)
}

func TestKeyDirectoryConflict(t *testing.T) {
	t.Parallel()
	s, err := fs.New(fs.Config{Dir: t.TempDir()})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, s.Put(ctx, "a", strings.NewReader("x")))
	err = s.Put(ctx, "a/b", strings.NewReader("y"))
	require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err), "got %v", err)

	require.NoError(t, s.Put(ctx, "d/e", strings.NewReader("x")))
	err = s.Put(ctx, "d", strings.NewReader("y"))
	require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err), "got %v", err)
}

func TestValidateKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key   string
		valid bool
	}{
		{"originals/ab/abcdef", true},
		{"variants/01h/w_100.h-2.webp", true},
		{"a", true},
		{"...", true},
		{"", false},
		{"..", false},
		{"a/./b", false},
		{"/a", false},
		{"a/", false},
		{`a\b`, false},
		{"A", false},
		{".tmp/x", false},
		{strings.Repeat("a", 256), false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			t.Parallel()
			err := fs.ValidateKey(tt.key)
			if tt.valid {
				require.NoError(t, err)
				return
			}
			require.Equal(t, easel.CodeInvalidArgument, easel.ErrorCode(err), "got %v", err)
		})
	}
}
