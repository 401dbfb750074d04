package watch_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/flow/watch"
)

func TestReloadKeepsLastGood(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "rules.yaml")
	write := func(s string, age time.Duration) {
		require.NoError(t, os.WriteFile(file, []byte(s), 0o644))
		mt := time.Now().Add(-age)
		require.NoError(t, os.Chtimes(file, mt, mt)) // distinct mtimes even on coarse clocks
	}
	load := func() (string, error) {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		if strings.Contains(string(data), "broken") {
			return "", errors.New("line 1: broken")
		}
		return string(data), nil
	}
	var changes atomic.Int32
	write("v1", time.Hour)
	w := watch.New([]string{file}, 10*time.Millisecond, load, func(string) { changes.Add(1) })
	require.NoError(t, w.Load())
	v, ok := w.Current()
	require.True(t, ok)
	require.Equal(t, "v1", v)
	require.False(t, w.Check(), "unchanged: no reload")

	require.NoError(t, w.Start(context.Background()))
	t.Cleanup(w.Stop)
	write("v2", 50*time.Minute)
	require.Eventually(t, func() bool { v, _ := w.Current(); return v == "v2" }, 2*time.Second, 10*time.Millisecond)

	write("broken", 40*time.Minute)
	require.Eventually(t, func() bool { return w.Status().Error != "" }, 2*time.Second, 10*time.Millisecond)
	v, _ = w.Current()
	require.Equal(t, "v2", v, "the last good version stays")
	require.Equal(t, "line 1: broken", w.Status().Error)

	write("v3", 30*time.Minute)
	require.Eventually(t, func() bool { v, _ := w.Current(); return v == "v3" }, 2*time.Second, 10*time.Millisecond)
	require.Empty(t, w.Status().Error)
	require.GreaterOrEqual(t, changes.Load(), int32(3), "v1, v2, v3 (a write seen half-way may count twice)")
	w.Stop()
	w.Stop() // idempotent
}

func TestDirectoryAndFirstLoadError(t *testing.T) {
	dir := t.TempDir()
	count := func() (int, error) {
		es, err := os.ReadDir(dir)
		if len(es) == 0 {
			return 0, errors.New("empty")
		}
		return len(es), err
	}
	w := watch.New([]string{dir}, time.Hour, count, nil)
	require.ErrorContains(t, w.Load(), "empty")
	_, ok := w.Current()
	require.False(t, ok)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.yaml"), nil, 0o644))
	require.True(t, w.Check())
	n, _ := w.Current()
	require.Equal(t, 1, n)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "b.yaml"), nil, 0o644))
	require.True(t, w.Check(), "a new file in the directory")
	n, _ = w.Current()
	require.Equal(t, 2, n)
}
